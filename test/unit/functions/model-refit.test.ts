import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { refitHandler } from '../../../functions/model-refit/handler';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';

// The refit runs as of the time its event carries (the schedule's `<aws.scheduler.scheduled-time>`,
// or an EventBridge event's `time`), so a late, retried or simulated run fits as of its own day.

const WALL_CLOCK = '2026-11-25T10:00:00.000Z';

function refit() {
  const customers = new InMemoryCustomerRepository();
  const models = new InMemoryModelRepository();
  const handler = refitHandler(
    {
      scan: new InMemoryProfileScan(customers),
      customers,
      models,
      clock: { now: () => new Date(WALL_CLOCK) },
      rules: [],
      settings: DEFAULT_SCORING_SETTINGS,
    },
    new Logger({ logLevel: 'SILENT' }),
  );
  return { handler, models };
}

describe('the model refit handler', () => {
  it.each([
    ['the schedule input', { time: '2026-06-15T03:00:00Z' }, '2026-06-15'],
    [
      'an EventBridge event',
      { 'detail-type': 'ModelRefitRequested', time: '2026-06-16T23:59:59Z', detail: {} },
      '2026-06-16',
    ],
    ['an event without a time (now)', {}, '2026-11-25'],
  ])('fits as of the time of %s', async (_, event, day) => {
    const { handler, models } = refit();
    const result = await handler(event);
    expect(result.asOfDay).toBe(day);
    expect((await models.current())?.asOfDay).toBe(day);
  });

  it('rejects a time that is not an ISO-8601 instant', async () => {
    await expect(refit().handler({ time: 'yesterday' })).rejects.toThrow();
  });
});
