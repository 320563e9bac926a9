import { describe, expect, it } from 'vitest';
import type { BusEvent, EventBus } from '../../../lib/local/event-bus';
import {
  type ProviderEventSettings,
  ProviderEventSettingsSchema,
  type SesMail,
} from '../../../lib/local/provider-events';
import { ProviderEventsStandIn } from '../../../lib/local/provider-events-stand-in';
import { SmsSink } from '../../../lib/local/sms-sink';

// When the stand-in publishes: a planned event is due once its delay has passed on the runtime's
// clock (a simulated day moves it) or in real time, whichever first; an injected one at once. Only
// to a configuration set destination that matches the type.

const mail: SesMail = {
  timestamp: '2026-06-15T09:00:00.000Z',
  source: 'hello@shop.example',
  sourceArn: 'arn:aws:ses:local:000000000000:identity/shop.example',
  sendingAccountId: '000000000000',
  messageId: 'ses-1',
  destination: ['ana@example.com'],
  headersTruncated: false,
  commonHeaders: { from: ['hello@shop.example'], to: ['ana@example.com'], messageId: 'ses-1' },
  tags: { campaign: ['birthday'], occasion: ['2026'], customer: ['cus_ana'] },
};

const setup = (settings?: ProviderEventSettings) => {
  const clock = { ms: Date.parse('2026-06-15T09:00:00.000Z'), nowMs: () => clock.ms };
  const real = { ms: 0 };
  const published: BusEvent[] = [];
  const bus = { publish: (_bus: string, event: BusEvent) => published.push(event) } as unknown as EventBus;
  const standIn = new ProviderEventsStandIn({
    ...(settings ? { settings } : {}),
    clock,
    bus: () => bus,
    destinations: [
      {
        id: { stack: 'PrecisData', logicalId: 'Destination', key: 'PrecisData/Destination' },
        configurationSet: 'precis-campaigns',
        eventTypes: ['SEND', 'DELIVERY', 'BOUNCE'],
        busName: 'default',
      },
    ],
    sms: new SmsSink(),
    log: () => {},
    realNow: () => real.ms,
  });
  return { standIn, clock, real, published };
};

// Delivered after 10 s, opened 60 s later; OPEN is not a destination type here: never published.
const settings = ProviderEventSettingsSchema.parse({
  email: { bounce: 0, deliveryDelay: 0, open: 1, click: 0, complaint: 0 },
  delays: { delivery: [10, 10], open: [60, 60] },
});

describe('the provider events stand-in', () => {
  it('publishes a planned event once the runtime clock has moved past its delay', () => {
    const { standIn, clock, published } = setup(settings);
    standIn.emailAccepted({ mail, configurationSet: 'precis-campaigns' });
    clock.ms += 9_000;
    expect(standIn.pump()).toBe(0);
    clock.ms += 86_400_000; // a simulated day
    expect(standIn.pump()).toBe(2);
    expect(published.map((e) => e['detail-type'])).toEqual(['Email Delivered']);
    expect(published[0]?.detail).toMatchObject({
      eventType: 'Delivery',
      delivery: { timestamp: '2026-06-15T09:00:10.000Z' },
    });
    expect(standIn.waiting).toBe(0);
    standIn.stop();
  });

  it('or once as much real time has passed (a pass "as of" a past instant still gets its events)', () => {
    const { standIn, clock, real, published } = setup(settings);
    standIn.emailAccepted({ mail, configurationSet: 'precis-campaigns' });
    clock.ms -= 3_600_000; // the clock put back after the pass
    real.ms += 10_000;
    expect(standIn.pump()).toBe(1);
    expect(published.map((e) => e['detail-type'])).toEqual(['Email Delivered']);
    standIn.stop();
  });

  it('injects a bounce at once for the latest email to an address, even with nothing planned', () => {
    const { standIn, published } = setup();
    standIn.emailAccepted({ mail, configurationSet: 'precis-campaigns' });
    expect(standIn.waiting).toBe(0);
    expect(standIn.inject('bounce', 'Ana@Example.com')).toEqual({
      channel: 'email',
      messageId: 'ses-1',
      event: 'Bounce',
      published: 1,
    });
    expect(published[0]?.detail).toMatchObject({ eventType: 'Bounce', bounce: { bounceType: 'Permanent' } });
    expect(() => standIn.inject('open', 'nobody@example.com')).toThrow(/^to: no email or text/);
    standIn.stop();
  });
});
