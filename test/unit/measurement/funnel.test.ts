import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../../lib/domain/campaigns/delivery';
import {
  funnelChange,
  type MeasuredDelivery,
  measuredDelivery,
  newlyReached,
  periodsOf,
  reachedStages,
} from '../../../lib/domain/measurement/funnel';

const row = (status: DeliveryStatus, unsubscribedAt?: string) => ({
  status,
  ...(unsubscribedAt && { unsubscribedAt }),
});

describe('the funnel stages a ledger row newly reaches', () => {
  it.each<[string, ReturnType<typeof row> | undefined, ReturnType<typeof row>, string[]]>([
    ['a birthday email claimed', undefined, row('queued'), ['audience']],
    ['a held-out customer claimed', undefined, row('held_out'), ['audience']],
    ['handed to the provider (not yet known)', row('queued'), row('unknown'), []],
    ['accepted by SES', row('unknown'), row('sent'), ['sent']],
    ['delivered', row('sent'), row('delivered'), ['delivered']],
    ['opened', row('delivered'), row('opened'), ['opened']],
    ['clicked', row('opened'), row('clicked'), ['clicked']],
    [
      'a click whose open and delivery events were lost',
      row('sent'),
      row('clicked'),
      ['delivered', 'opened', 'clicked'],
    ],
    [
      'a click left `unknown` by a crash',
      row('unknown'),
      row('clicked'),
      ['sent', 'delivered', 'opened', 'clicked'],
    ],
    ['a bounce', row('sent'), row('bounced'), ['bounced']],
    ['a complaint straight after sending', row('sent'), row('complained'), ['delivered', 'complained']],
    ['skipped: unsubscribed before sending', row('queued'), row('skipped'), ['skipped']],
    ['refused by the provider', row('unknown'), row('failed'), ['failed']],
    [
      'unsubscribed from the link in an opened email',
      row('opened'),
      row('opened', '2026-05-18T10:00:00Z'),
      ['unsubscribed'],
    ],
    ['the same image again (a replay)', row('clicked'), row('clicked'), []],
    [
      'a row inserted already clicked',
      undefined,
      row('clicked'),
      ['audience', 'sent', 'delivered', 'opened', 'clicked'],
    ],
  ])('%s', (_name, before, after, stages) => {
    expect(newlyReached(before, after)).toEqual(stages);
  });

  it('a stronger status implies the weaker ones', () => {
    expect(reachedStages(row('clicked'))).toEqual(['audience', 'sent', 'delivered', 'opened', 'clicked']);
    expect(reachedStages(row('complained'))).toEqual(['audience', 'sent', 'delivered', 'complained']);
    expect(reachedStages(row('bounced'))).toEqual(['audience', 'sent', 'bounced']);
    expect(reachedStages(row('held_out'))).toEqual(['audience']);
  });

  it('counting the new stages of each image of any history counts every stage reached, once', () => {
    const status = fc.constantFrom(...DELIVERY_STATUSES);
    const step = fc.record({ status, unsubscribed: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (history) => {
        const counted: string[] = [];
        const reached = new Set<string>();
        let previous: ReturnType<typeof row> | undefined;
        let unsubscribedAt: string | undefined;
        for (const s of history) {
          if (s.unsubscribed) unsubscribedAt ??= '2026-05-18T10:00:00Z';
          const next = row(s.status, unsubscribedAt);
          // The store counts a stage only the first time it is reported.
          for (const stage of newlyReached(previous, next)) if (!counted.includes(stage)) counted.push(stage);
          for (const stage of reachedStages(next)) reached.add(stage);
          previous = next;
        }
        expect(new Set(counted)).toEqual(reached);
      }),
    );
  });
});

describe('the periods a delivery counts in', () => {
  it('is all time and the day of plannedAt in the operator time zone', () => {
    expect(periodsOf('2026-05-17T08:00:00.000Z', 'Europe/London')).toEqual(['all', 'day#2026-05-17']);
    // 23:30 UTC on the 16th is already the 17th in London (BST) and still the 16th in New York.
    expect(periodsOf('2026-05-16T23:30:00.000Z', 'Europe/London')).toEqual(['all', 'day#2026-05-17']);
    expect(periodsOf('2026-05-16T23:30:00.000Z', 'America/New_York')).toEqual(['all', 'day#2026-05-16']);
  });

  it('refuses an unknown zone instead of counting on the wrong day', () => {
    expect(() => periodsOf('2026-05-16T23:30:00.000Z', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('the counter increments of newly counted stages', () => {
  const email: MeasuredDelivery = {
    customerId: 'cus_ana',
    deliveryKey: 'birthday#2026',
    campaignId: 'birthday',
    group: 'treated',
    periods: ['all', 'day#2026-05-17'],
    channel: 'email',
    vip: true,
  };
  it('counts the audience, VIPs among it, and emails sent', () => {
    expect(funnelChange(email, ['audience'])).toEqual({ add: { audience: 1, audienceVip: 1 } });
    expect(funnelChange(email, ['sent', 'delivered'])).toEqual({
      add: { sent: 1, delivered: 1, sentEmail: 1 },
    });
  });
  it('counts an SMS under its destination country, ZZ when unknown', () => {
    const sms = { ...email, channel: 'sms' as const, vip: false };
    expect(funnelChange({ ...sms, country: 'PT' }, ['sent'])).toEqual({ add: { sent: 1 }, smsCountry: 'PT' });
    expect(funnelChange(sms, ['sent'])).toEqual({ add: { sent: 1 }, smsCountry: 'ZZ' });
    expect(funnelChange({ ...sms, country: '001' }, ['sent'])).toEqual({
      add: { sent: 1 },
      smsCountry: 'ZZ',
    });
  });
  it('counts a skipped message under the reason the sender gave (the report’s skips by reason)', () => {
    expect(funnelChange({ ...email, reason: 'frequency_cap' }, ['skipped'])).toEqual({
      add: { skipped: 1 },
      skipReason: 'frequency_cap',
    });
    expect(funnelChange({ ...email, reason: 'Not A Code!' }, ['skipped'])).toEqual({
      add: { skipped: 1 },
      skipReason: 'other',
    });
  });
  it('takes the reason from a skipped ledger row only', () => {
    const row = {
      customerId: 'cus_ana',
      deliveryKey: 'win-back#2026-05-17',
      campaignId: 'win-back',
      occasion: '2026-05-17',
      channel: 'email' as const,
      plannedAt: '2026-05-17T08:00:00.000Z',
      claimedAt: '2026-05-17T08:00:00.000Z',
      updatedAt: '2026-05-17T08:00:00.000Z',
      reason: 'left_segment',
    };
    expect(measuredDelivery({ ...row, status: 'skipped' }, 'Europe/London').reason).toBe('left_segment');
    expect(measuredDelivery({ ...row, status: 'failed' }, 'Europe/London').reason).toBeUndefined();
  });
});
