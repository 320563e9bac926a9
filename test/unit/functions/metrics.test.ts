import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metricsFor } from '../../../functions/shared/metrics';
import { signupHandler } from '../../../functions/signup-api/signup';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { httpEvent, lambdaContext } from './fixtures';

const silent = new Logger({ logLevel: 'SILENT' });
const settings = {
  defaultTimeZone: 'Europe/London',
  defaultLocale: 'en-GB',
  thankYouUrl: 'https://shop.example/t',
  smsCountries: ['GB'],
  answerFloorMs: 0,
};
const signup = { firstName: 'Ana', email: 'ana@example.com', consent: { email: true, sms: false } };

type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};

let lines: string[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The EMF documents written to stdout (what CloudWatch turns into metrics). */
const emitted = (): Emf[] =>
  lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);

const handlerWith = (metrics = metricsFor({}, 'signup-api')) => {
  let ids = 0;
  return signupHandler(
    {
      customers: new InMemoryCustomerRepository(),
      clock: { now: () => new Date('2026-11-24T10:00:00Z') },
      newCustomerId: () => `cus_${++ids}`,
    },
    settings,
    silent,
    metrics,
  );
};

describe('custom metrics (CloudWatch EMF, namespace Precis)', () => {
  it('a new signup counts Signups=1 and NewSignups=1 under the signup-api service, with no personal data', async () => {
    await handlerWith()(httpEvent('POST /signups', JSON.stringify(signup)), lambdaContext);
    const [doc, ...rest] = emitted();
    expect(rest).toEqual([]);
    expect(doc).toMatchObject({ Signups: 1, NewSignups: 1, service: 'signup-api' });
    expect(doc?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Precis', Dimensions: [['service']] });
    expect(JSON.stringify(doc)).not.toContain('ana@example.com');
  });

  it('the same person signing up again counts a RepeatSignups, once per request', async () => {
    const handler = handlerWith();
    await handler(httpEvent('POST /signups', JSON.stringify(signup)), lambdaContext);
    await handler(
      httpEvent('POST /signups', JSON.stringify({ ...signup, firstName: 'Ana Maria' })),
      lambdaContext,
    );
    const docs = emitted();
    expect(docs).toHaveLength(2);
    expect(docs[1]).toMatchObject({ Signups: 1, RepeatSignups: 1 });
    expect(docs[1]).not.toHaveProperty('NewSignups');
  });

  it('a rejected signup counts nothing and prints no warning', async () => {
    const response = await handlerWith()(httpEvent('POST /signups', '{"firstName":""}'), lambdaContext);
    expect(response.statusCode).toBe(400);
    expect(emitted()).toEqual([]);
    expect(lines.join('')).not.toContain('No application metrics');
  });

  it('POWERTOOLS_METRICS_DISABLED=true (the local runtime) prints no EMF', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    try {
      const metrics = metricsFor({}, 'message-sender');
      metrics.countBy('MessagesSent', 'channel', 'email');
      await handlerWith(metricsFor({}, 'signup-api'))(
        httpEvent('POST /signups', JSON.stringify(signup)),
        lambdaContext,
      );
    } finally {
      vi.unstubAllEnvs();
    }
    expect(emitted()).toEqual([]);
  });

  it('counts per channel go out with a channel dimension', () => {
    metricsFor({}, 'message-sender').countBy('MessagesSent', 'channel', 'sms', 2);
    expect(emitted()).toEqual([
      expect.objectContaining({ MessagesSent: 2, channel: 'sms', service: 'message-sender' }),
    ]);
    expect(emitted()[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'channel']]);
  });
});
