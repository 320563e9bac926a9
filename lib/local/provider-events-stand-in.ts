import type { EventBus } from './event-bus';
import { LocalRouteError } from './http-server';
import {
  firstLink,
  type InjectedEvent,
  type Planned,
  type ProviderEventSettings,
  planEmailEvents,
  planSmsEvents,
  SES_MATCHING_TYPES,
  type SesEventType,
  type SmsOutcome,
  sesEventDetail,
} from './provider-events';
import { type AcceptedEmail, publishSesEvent } from './ses-stand-in';
import type { SmsMessage, SmsSink } from './sms-sink';
import type { SesEventDestinationModel } from './template';

// The providers' side of a message after they took it, locally: every email the SES stand-in
// accepts gets the events SES would publish later (Delivery, DeliveryDelay, Bounce, Complaint, Open,
// Click: provider-events.ts draws which, per message id), and every text the SMS stand-in accepts a
// carrier receipt (TEXT_DELIVERED or TEXT_UNREACHABLE) and sometimes a STOP reply (the number joins
// the opt-out list, as End User Messaging does with a STOP keyword). Each event is published through
// the same path as the real one: SES events on the bus of the configuration set's EventBridge
// destinations that match its type, SMS events to the functions subscribed to the SMS configuration
// set's SNS destination. So the ledger, the campaign report's funnel and suppression run locally as
// deployed.
//
// Delays: an event is due once its delay has passed on the runtime's clock (`precis simulate --days`
// moves it) or in real time, whichever comes first — a planner pass "as of" a past instant still
// sees its opens minutes later, not never. `pump()` publishes what is due; a timer calls it, and so
// does the runtime's settled(), so a simulated hour settles with its events delivered.
//
// `inject` publishes one event now for the latest message to an address or number (or a given
// message id): `POST /local/provider-events`, `precis simulate bounce ana@example.com`.

/** How many accepted emails are remembered for injection (the oldest are forgotten first). */
const MAX_REMEMBERED = 20_000;
const TICK_MS = 500;

const EMAIL_TYPES: Record<Exclude<InjectedEvent, 'stop'>, SesEventType> = {
  delivery: 'Delivery',
  delay: 'DeliveryDelay',
  bounce: 'Bounce',
  complaint: 'Complaint',
  open: 'Open',
  click: 'Click',
};
const SMS_TYPES: Partial<Record<InjectedEvent, SmsOutcome>> = {
  delivery: 'TEXT_DELIVERED',
  bounce: 'TEXT_UNREACHABLE',
  stop: 'STOP',
};

export interface InjectedResult {
  channel: 'email' | 'sms';
  messageId: string;
  /** The provider's event type: `Bounce`, `TEXT_DELIVERED`, `STOP`… */
  event: string;
  /** EventBridge destinations (email) the event went to; 0 when the configuration set has none for it. */
  published: number;
}

interface Pending {
  /** Due on the runtime's clock (ms since the epoch). */
  dueAt: number;
  /** Due in real time (performance.now()). */
  realDueAt: number;
  deliver: (at: Date) => void;
}

export interface ProviderEventsOptions {
  /** The rates and delays; undefined: plan nothing (injection still works). */
  settings?: ProviderEventSettings;
  clock: { nowMs(): number };
  bus: () => EventBus | undefined;
  destinations: readonly SesEventDestinationModel[];
  sms: SmsSink;
  log: (line: string) => void;
  /** Real time in ms (default performance.now). */
  realNow?: () => number;
}

export class ProviderEventsStandIn {
  private pending: Pending[] = [];
  /** The earliest due times among `pending` (a pump before both publishes nothing: no scan). */
  private earliest = { dueAt: Number.POSITIVE_INFINITY, realDueAt: Number.POSITIVE_INFINITY };
  private readonly emails = new Map<string, AcceptedEmail>();
  private readonly timer: NodeJS.Timeout;
  private readonly realNow: () => number;

  constructor(private readonly options: ProviderEventsOptions) {
    this.realNow = options.realNow ?? (() => performance.now());
    this.timer = setInterval(() => this.pump(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.pending = [];
    this.earliest = { dueAt: Number.POSITIVE_INFINITY, realDueAt: Number.POSITIVE_INFINITY };
  }

  /** Events planned and not yet published. */
  get waiting(): number {
    return this.pending.length;
  }

  /** An email SES took: remembered for injection, and its events planned. */
  emailAccepted(accepted: AcceptedEmail): void {
    this.emails.delete(accepted.mail.messageId);
    this.emails.set(accepted.mail.messageId, accepted);
    if (this.emails.size > MAX_REMEMBERED) {
      const oldest = this.emails.keys().next().value;
      if (oldest !== undefined) this.emails.delete(oldest);
    }
    const { settings } = this.options;
    if (!settings || !accepted.configurationSet) return;
    this.schedule(planEmailEvents(settings, accepted.mail.messageId), (type, at) =>
      this.publishEmail(accepted, type, at),
    );
  }

  /** A text End User Messaging took: its receipt (and maybe a STOP) planned. */
  textAccepted(message: SmsMessage): void {
    const { settings } = this.options;
    if (!settings) return;
    this.schedule(planSmsEvents(settings, message.messageId), (type) => this.publishSms(message, type));
  }

  /** Publishes every planned event that is due; returns how many. */
  pump(): number {
    if (this.pending.length === 0) return 0;
    const now = this.options.clock.nowMs();
    const real = this.realNow();
    if (this.earliest.dueAt > now && this.earliest.realDueAt > real) return 0;
    const due: Pending[] = [];
    const later: Pending[] = [];
    for (const p of this.pending) (p.dueAt <= now || p.realDueAt <= real ? due : later).push(p);
    this.pending = later;
    this.earliest = later.reduce(
      (min, p) => ({ dueAt: Math.min(min.dueAt, p.dueAt), realDueAt: Math.min(min.realDueAt, p.realDueAt) }),
      { dueAt: Number.POSITIVE_INFINITY, realDueAt: Number.POSITIVE_INFINITY },
    );
    if (due.length === 0) return 0;
    for (const event of due.sort((a, b) => a.dueAt - b.dueAt)) {
      try {
        event.deliver(new Date(Math.min(event.dueAt, now)));
      } catch (error) {
        this.options.log(`[provider-events] could not publish an event: ${String(error)}`);
      }
    }
    return due.length;
  }

  /** One event now for the latest message to `to` (an email address or an E.164 number), or `messageId`. */
  inject(event: InjectedEvent, to: string | undefined, messageId?: string): InjectedResult {
    const at = new Date(this.options.clock.nowMs());
    const email = this.findEmail(to, messageId);
    if (email) {
      if (event === 'stop') throw new LocalRouteError(400, 'event: stop is a reply to a text, not an email');
      const type = EMAIL_TYPES[event];
      return {
        channel: 'email',
        messageId: email.mail.messageId,
        event: type,
        published: this.publishEmail(email, type, at),
      };
    }
    const text = this.findText(to, messageId);
    if (text) {
      const type = SMS_TYPES[event];
      if (!type)
        throw new LocalRouteError(400, `event: ${event} is not an event of a text (delivery, bounce, stop)`);
      this.publishSms(text, type);
      return { channel: 'sms', messageId: text.messageId, event: type, published: type === 'STOP' ? 0 : 1 };
    }
    throw new LocalRouteError(
      404,
      messageId
        ? 'messageId: no email or text with this id was sent since the runtime started'
        : 'to: no email or text was sent to this address since the runtime started',
    );
  }

  private schedule<T extends string>(plan: Planned<T>[], deliver: (type: T, at: Date) => void): void {
    const now = this.options.clock.nowMs();
    const real = this.realNow();
    for (const { type, afterMs } of plan) {
      this.pending.push({
        dueAt: now + afterMs,
        realDueAt: real + afterMs,
        deliver: (at) => deliver(type, at),
      });
      this.earliest = {
        dueAt: Math.min(this.earliest.dueAt, now + afterMs),
        realDueAt: Math.min(this.earliest.realDueAt, real + afterMs),
      };
    }
    // A zero delay is due at once: published without waiting for the timer.
    if (plan.some((p) => p.afterMs === 0)) queueMicrotask(() => this.pump());
  }

  private publishEmail(email: AcceptedEmail, type: SesEventType, at: Date): number {
    const bus = this.options.bus();
    if (!bus || !email.configurationSet) return 0;
    const link = type === 'Click' ? firstLink(email.html) : undefined;
    const detail = sesEventDetail(type, email.mail, at, link ? { link } : {});
    return publishSesEvent(
      bus,
      this.options.destinations,
      email.configurationSet,
      SES_MATCHING_TYPES[type],
      { ...detail, eventType: type },
      at,
    );
  }

  private publishSms(message: SmsMessage, type: SmsOutcome): void {
    if (type === 'STOP') {
      // What a STOP reply does with End User Messaging's automatic opt-out handling.
      this.options.sms.optOut(message.phoneNumber);
      return;
    }
    this.options.sms.publishEvent(message, type);
  }

  private findEmail(to: string | undefined, messageId: string | undefined): AcceptedEmail | undefined {
    if (messageId) return this.emails.get(messageId);
    const address = to?.toLowerCase();
    if (!address?.includes('@')) return undefined;
    const all = [...this.emails.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      const email = all[i];
      if (email?.mail.destination.some((d) => d.toLowerCase() === address)) return email;
    }
    return undefined;
  }

  private findText(to: string | undefined, messageId: string | undefined): SmsMessage | undefined {
    // Newest first.
    return this.options.sms
      .list()
      .find((m) => (messageId ? m.messageId === messageId : to !== undefined && m.phoneNumber === to));
  }
}
