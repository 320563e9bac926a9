import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { satisfactionStreamHandler } from '../../../functions/surveys-stream/satisfaction';
import { newCustomer } from '../../../lib/domain/customer';
import { signupSchema } from '../../../lib/domain/signup';
import type { StoredSurvey } from '../../../lib/ports/survey-repository';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemorySurveyRepository } from '../../fakes/in-memory-survey-repository';
import { lambdaContext } from './fixtures';

const silent = new Logger({ logLevel: 'SILENT' });
const NOW = '2026-11-24T10:00:00.000Z';

let customers: InMemoryCustomerRepository;
let surveys: InMemorySurveyRepository;
let sequence: number;

const answer = (customerId: string, surveyId: string, score: number, answeredAt: string): StoredSurvey => ({
  customerId,
  surveyId,
  answeredAt,
  score,
  receivedAt: NOW,
});

/** A Surveys stream record as Lambda delivers it (NEW_AND_OLD_IMAGES). */
function record(image: Record<string, unknown>, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): DynamoDBRecord {
  const marshalled = marshall(image, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  return {
    eventID: String(++sequence),
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      Keys: { customerId: { S: String(image.customerId) } },
      NewImage: marshalled as never,
      ...(eventName === 'MODIFY' && { OldImage: marshalled as never }),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

async function store(survey: StoredSurvey) {
  await surveys.record(survey, `${survey.surveyId}:${survey.score}`);
  return record({ ...survey, surveyKey: `${survey.answeredAt}#${survey.surveyId}` });
}

beforeEach(async () => {
  customers = new InMemoryCustomerRepository();
  surveys = new InMemorySurveyRepository();
  sequence = 0;
  for (const [id, email] of [
    ['cus_a', 'a@example.com'],
    ['cus_b', 'b@example.com'],
  ] as const) {
    const signup = signupSchema({ timeZone: 'UTC', locale: 'en-GB', today: '2026-11-24' }).parse({
      firstName: 'A',
      email,
      consent: { email: false, sms: false },
    });
    await customers.create(newCustomer(signup, id, NOW), { kind: 'email', value: email });
  }
});

describe('the Surveys stream consumer', () => {
  it('keeps each touched customer satisfaction, recomputed from their history', async () => {
    const handler = satisfactionStreamHandler({ customers, surveys }, silent);
    const records = [
      await store(answer('cus_a', 's1', 5, '2026-11-01T10:00:00.000Z')),
      await store(answer('cus_a', 's2', 3, '2026-11-20T10:00:00.000Z')),
      await store(answer('cus_b', 's3', 1, '2026-11-02T10:00:00.000Z')),
    ];
    const result = await handler(batch(...records), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await customers.get('cus_a'))?.satisfaction).toEqual({
      latest: 3,
      mean: 4,
      count: 2,
      lastAnsweredAt: '2026-11-20T10:00:00.000Z',
    });
    expect((await customers.get('cus_b'))?.satisfaction).toMatchObject({ latest: 1, count: 1 });
  });

  it('recomputes a customer once per batch and counts a replayed batch once', async () => {
    const handler = satisfactionStreamHandler({ customers, surveys }, silent);
    const records = [
      await store(answer('cus_a', 's1', 5, '2026-11-01T10:00:00.000Z')),
      await store(answer('cus_a', 's2', 4, '2026-11-02T10:00:00.000Z')),
    ];
    let reads = 0;
    const history = surveys.history.bind(surveys);
    surveys.history = (id) => {
      reads++;
      return history(id);
    };
    await handler(batch(...records), lambdaContext);
    expect(reads).toBe(1);
    const writes = customers.writes;
    await handler(batch(...records, ...records), lambdaContext);
    expect((await customers.get('cus_a'))?.satisfaction).toMatchObject({ mean: 4.5, count: 2 });
    expect(customers.writes).toBe(writes);
  });

  it('reports only the failing customer records for retry, and the rest move on', async () => {
    const handler = satisfactionStreamHandler({ customers, surveys }, silent);
    const recordA = await store(answer('cus_a', 's1', 5, '2026-11-01T10:00:00.000Z'));
    const recordB = await store(answer('cus_b', 's2', 2, '2026-11-01T10:00:00.000Z'));
    const save = customers.saveSatisfaction.bind(customers);
    customers.saveSatisfaction = async (id, satisfaction) => {
      if (id === 'cus_a') throw new Error('throttled');
      return save(id, satisfaction);
    };
    const result = await handler(batch(recordA, recordB), lambdaContext);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: recordA.dynamodb?.SequenceNumber }]);
    expect((await customers.get('cus_b'))?.satisfaction?.latest).toBe(2);
  });

  it('fails a record without a customer id instead of skipping it', async () => {
    const handler = satisfactionStreamHandler({ customers, surveys }, silent);
    const broken = record({ surveyKey: 'x' });
    const good = await store(answer('cus_a', 's1', 5, '2026-11-01T10:00:00.000Z'));
    const result = await handler(batch(broken, good), lambdaContext);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb?.SequenceNumber }]);
    // A batch where every record fails is failed whole, so Lambda retries it.
    await expect(handler(batch(broken), lambdaContext)).rejects.toThrow(/All records failed/);
  });

  it('writes nothing for an answer whose customer is gone', async () => {
    const handler = satisfactionStreamHandler({ customers, surveys }, silent);
    const orphan = await store(answer('cus_gone', 's1', 5, '2026-11-01T10:00:00.000Z'));
    const result = await handler(batch(orphan), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await customers.get('cus_gone')).toBeUndefined();
  });
});
