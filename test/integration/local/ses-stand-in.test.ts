import { randomUUID } from 'node:crypto';
import { SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SesEmailSender } from '../../../lib/adapters/ses/ses-email-sender';
import { Activity } from '../../../lib/local/activity';
import { AsyncInvoker } from '../../../lib/local/async-invoke';
import { type BusEvent, EventBus } from '../../../lib/local/event-bus';
import { FailureLog } from '../../../lib/local/failures';
import { ProviderThrottle } from '../../../lib/local/provider-throttle';
import { type SesStandIn, startSesStandIn } from '../../../lib/local/ses-stand-in';
import { ProviderRejectedError, ProviderThrottledError } from '../../../lib/ports/message-senders';

// The local SES endpoint: SES's documented request checks in front of the shared SES v2 emulator,
// driven through the installed SDK client and our SesEmailSender. A refused send never reaches
// the emulator; an accepted one does, unchanged, and publishes SES's `Email Sent` event when the
// configuration set's event destination matches SEND.

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const CONFIGURATION_SET = 'precis-campaigns';
const NOW = new Date('2026-12-07T09:00:01.000Z');

let standIn: SesStandIn;
let quiet: SesStandIn;
let ses: SESv2Client;
let bus: EventBus;

const newBus = () =>
  new EventBus({
    rules: [],
    busNames: [],
    functions: new Map(),
    asyncConfigs: new Map(),
    invoker: new AsyncInvoker({ activity: new Activity(), failures: new FailureLog(undefined, () => {}) }),
    log: () => {},
  });

const destinations = [
  {
    id: { stack: 'PrecisData', logicalId: 'Feedback', key: 'PrecisData/Feedback' },
    configurationSet: CONFIGURATION_SET,
    eventTypes: ['SEND', 'BOUNCE'],
    busName: 'default',
  },
];

beforeAll(async () => {
  bus = newBus();
  const upstream = inject('sesEndpoint');
  standIn = await startSesStandIn({ port: 0, upstream, destinations, bus: () => bus, now: () => NOW });
  quiet = await startSesStandIn({ port: 0, upstream, destinations, bus: () => bus, publishEvents: false });
  ses = new SESv2Client({ endpoint: standIn.endpoint, region: 'local', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  ses?.destroy();
  await standIn?.stop();
  await quiet?.stop();
});

const recipient = () => `ana.${randomUUID().slice(0, 8)}@example.com`;

const email = (to: string, overrides: Record<string, unknown> = {}) =>
  new SendEmailCommand({
    FromEmailAddress: 'Precis <hello@shop.example>',
    Destination: { ToAddresses: [to] },
    ConfigurationSetName: CONFIGURATION_SET,
    Content: {
      Simple: {
        Subject: { Data: 'Your basket misses you' },
        Body: { Text: { Data: 'Hi Ana' }, Html: { Data: '<p>Hi Ana</p>' } },
        Headers: [{ Name: 'X-Precis-Campaign', Value: 'basket' }],
      },
    },
    EmailTags: [
      { Name: 'campaign', Value: 'basket' },
      { Name: 'occasion', Value: '2026-12-07T09_3A00_3A00_2E000Z' },
    ],
    ...overrides,
  });

const inEmulator = async (to: string): Promise<number> => {
  const store = (await (await fetch(`${standIn.endpoint}/store`)).json()) as {
    emails: { destination: { to: string[] } }[];
  };
  return store.emails.filter((mail) => mail.destination.to.includes(to)).length;
};

const refusal = async (command: SendEmailCommand): Promise<{ name: string; status?: number }> => {
  try {
    await ses.send(command);
  } catch (error) {
    expect(error).toBeInstanceOf(SESv2ServiceException);
    const e = error as SESv2ServiceException;
    return { name: e.name, ...(e.$metadata.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
  }
  throw new Error('SES took the email');
};

const sentEvents = (): BusEvent[] =>
  bus
    .recentEvents()
    .map((entry) => entry.event)
    .filter((event) => event['detail-type'] === 'Email Sent');

describe('what SES refuses, the stand-in refuses (and the emulator never sees)', () => {
  it.each([
    [
      'a tag value with `:` and `.` (an un-encoded ISO instant)',
      { EmailTags: [{ Name: 'occasion', Value: '2026-12-07T09:00:00.000Z' }] },
      'BadRequestException',
    ],
    [
      'a tag name with a dot',
      { EmailTags: [{ Name: 'precis.campaign', Value: 'basket' }] },
      'BadRequestException',
    ],
    [
      'a tag value of 257 characters',
      { EmailTags: [{ Name: 'x', Value: 'a'.repeat(257) }] },
      'BadRequestException',
    ],
    ['no From address', { FromEmailAddress: undefined }, 'BadRequestException'],
    [
      'a From address without a top-level domain',
      { FromEmailAddress: 'hello@localhost' },
      'BadRequestException',
    ],
    [
      'a header value with a line break',
      {
        Content: {
          Simple: {
            Subject: { Data: 'Hi' },
            Body: { Text: { Data: 'Hi' } },
            Headers: [{ Name: 'X-Precis-Campaign', Value: 'basket\r\nBcc: someone@example.com' }],
          },
        },
      },
      'BadRequestException',
    ],
  ])('%s', async (_what, overrides, name) => {
    const to = recipient();
    expect(await refusal(email(to, overrides))).toEqual({ name, status: 400 });
    expect(await inEmulator(to)).toBe(0);
  });

  it('a recipient address SES cannot parse', async () => {
    const to = 'ana@example';
    expect(await refusal(email(to))).toEqual({ name: 'BadRequestException', status: 400 });
    expect(await refusal(email('zoë@example.com'))).toEqual({ name: 'BadRequestException', status: 400 });
  });

  it('more than 50 recipients', async () => {
    const to = Array.from({ length: 51 }, recipient);
    const command = email(to[0] as string, {
      Destination: { ToAddresses: to.slice(0, 40), BccAddresses: to.slice(40) },
    });
    expect(await refusal(command)).toEqual({ name: 'BadRequestException', status: 400 });
    expect(await inEmulator(to[0] as string)).toBe(0);
  });

  it('a message over 40 MB once base64 encoded', async () => {
    const to = recipient();
    const html = 'a'.repeat(31 * 1024 * 1024); // 31 MB → 41.3 MB in base64
    const command = email(to, {
      Content: { Simple: { Subject: { Data: 'Big' }, Body: { Html: { Data: html } } } },
    });
    expect(await refusal(command)).toEqual({ name: 'MessageRejected', status: 400 });
    expect(await inEmulator(to)).toBe(0);
  });

  it('SesEmailSender sees a refusal as ProviderRejectedError (not retried), naming the error', async () => {
    const sender = new SesEmailSender(ses, { from: 'hello@localhost', configurationSet: CONFIGURATION_SET });
    const sent = sender.send({
      to: recipient(),
      subject: 'Hi',
      html: '<p>Hi</p>',
      text: 'Hi',
      headers: {},
      tags: { campaign: 'basket' },
    });
    await expect(sent).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(sent).rejects.toThrow('BadRequestException');
  });
});

describe('what SES takes goes to the emulator unchanged, and SES publishes Email Sent', () => {
  it('SesEmailSender encodes an ISO-instant occasion; the send event carries the tags as SES would', async () => {
    const to = recipient();
    const sender = new SesEmailSender(ses, {
      from: 'Precis <hello@shop.example>',
      configurationSet: CONFIGURATION_SET,
    });
    const { messageId } = await sender.send({
      to,
      subject: 'Your basket misses you',
      html: '<p>Hi Ana</p>',
      text: 'Hi Ana',
      headers: { 'X-Precis-Campaign': 'basket' },
      tags: { campaign: 'basket', occasion: '2026-12-07T09:00:00.000Z', customer: 'c-1' },
    });
    expect(await inEmulator(to)).toBe(1);
    const event = sentEvents().find(
      (e) => (e.detail as { mail: { messageId: string } }).mail.messageId === messageId,
    );
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.ses',
      'detail-type': 'Email Sent',
      time: '2026-12-07T09:00:01Z',
      resources: [`arn:aws:ses:local:000000000000:configuration-set/${CONFIGURATION_SET}`],
      detail: {
        eventType: 'Send',
        mail: {
          messageId,
          timestamp: NOW.toISOString(),
          source: 'Precis <hello@shop.example>',
          destination: [to],
          tags: {
            'ses:configuration-set': [CONFIGURATION_SET],
            'ses:from-domain': ['shop.example'],
            campaign: ['basket'],
            occasion: ['2026-12-07T09_3A00_3A00_2E000Z'],
            customer: ['c-1'],
          },
        },
        send: {},
      },
    });
  });

  it('no event for a configuration set whose destination does not match SEND, or with events off', async () => {
    const before = sentEvents().length;
    await ses.send(email(recipient(), { ConfigurationSetName: 'other-set' }));
    const quietSes = new SESv2Client({ endpoint: quiet.endpoint, region: 'local', credentials });
    await quietSes.send(email(recipient()));
    quietSes.destroy();
    expect(sentEvents()).toHaveLength(before);
  });
});

describe('the throttle switch', () => {
  it('answers a share of sends as SES over its rate (429 TooManyRequestsException): nothing reaches the emulator, SesEmailSender sees a throttle', async () => {
    // Every other call throttled, in order.
    let n = 0;
    const throttle = new ProviderThrottle(0.5, () => (n++ % 2 === 0 ? 0 : 0.9));
    const throttled = await startSesStandIn({ port: 0, upstream: inject('sesEndpoint'), throttle });
    const client = new SESv2Client({
      endpoint: throttled.endpoint,
      region: 'local',
      credentials,
      maxAttempts: 1,
    });
    try {
      const to = recipient();
      await expect(client.send(email(to))).rejects.toMatchObject({
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      });
      expect(await inEmulator(to)).toBe(0);
      await client.send(email(to));
      expect(await inEmulator(to)).toBe(1);
      const sender = new SesEmailSender(client, {
        from: 'hello@shop.example',
        configurationSet: CONFIGURATION_SET,
      });
      const message = {
        to,
        subject: 'Hi',
        html: '<p>Hi</p>',
        text: 'Hi',
        headers: {},
        tags: { campaign: 'basket' },
      };
      await expect(sender.send(message)).rejects.toBeInstanceOf(ProviderThrottledError);
      expect({ calls: throttle.calls, throttled: throttle.throttled }).toEqual({ calls: 3, throttled: 2 });
    } finally {
      client.destroy();
      await throttled.stop();
    }
  });
});
