import { randomInt } from 'node:crypto';
import { type Campaign, type LinkingSettings, publicUrl } from '../domain/campaigns/campaign';
import { CONFIRMATION_CAMPAIGN, renderConfirmation } from '../domain/campaigns/confirmation';
import {
  type Delivery,
  deliveryKey,
  isPastQuietPeriod,
  isStuckUnknown,
  type SendRequest,
} from '../domain/campaigns/delivery';
import type { SkipReason } from '../domain/campaigns/eligibility';
import { renderMessage, templateContext } from '../domain/campaigns/message';
import { type DeferReason, guardSend } from '../domain/campaigns/send-guard';
import { pacedDelaySeconds, type SendLane, sendLane } from '../domain/campaigns/send-rate';
import { localClock } from '../domain/campaigns/send-window';
import { throttleBackoffSeconds } from '../domain/campaigns/throttling';
import { CONFIRM_LINK_DAYS, UNSUBSCRIBE_LINK_DAYS } from '../domain/consent';
import type { Customer } from '../domain/customer';
import { smsCountry } from '../domain/measurement/sms-country';
import {
  codeBinding,
  formatCode,
  PHONE_CODE_CAMPAIGN,
  renderCodeText,
  VERIFICATION_CODE_DIGITS,
} from '../domain/phone-verification';
import type { Clock } from '../ports/clock';
import type { ConsentStore } from '../ports/consent-store';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryKey, DeliveryLedger } from '../ports/delivery-ledger';
import type { LinkSigner } from '../ports/link-signer';
import {
  type EmailSender,
  ProviderRejectedError,
  ProviderThrottledError,
  type SmsSender,
} from '../ports/message-senders';
import type { SendPacer } from '../ports/send-pacer';
import { MAX_QUEUE_DELAY_SECONDS, type SendQueue } from '../ports/send-queue';
import type { SmsNumberDays } from '../ports/sms-number-days';
import { manageUrl } from './manage-details';
import { surveyLinks } from './survey-links';

// Sends one queued message, at most once:
//   the ledger row, the profile and the person's sent rows, read now → the send-time guard
//   (send-guard.ts: campaign active, consent, audience, local time, frequency cap) → send, defer or
//   skip → (SMS: the number's day claimed, the pumping cap) → render → ledger queued → unknown
//   (conditional: exactly one sender proceeds; a redelivered or requeued message finds the row moved
//   on and does nothing) → provider → `sent` + message id.
// The guard runs here, immediately before the provider call, after whatever queue delay, retry or
// redrive the message went through: a plan made at 09:30 that leaves at 00:04 is deferred, a win-back
// to someone re-scored active meanwhile is skipped.
// The provider throttling us: the row goes back to `queued` and the message back on the queue with
// a growing, jittered delay (domain/campaigns/throttling.ts): deferred, never dropped and never
// failed into the dead-letter queue. The provider refusing it: `failed`. Anything else after `unknown` (a timeout, a crash):
// the row stays `unknown` until the provider's own event says it took the message (SES `Send`, see
// feedback.ts: → `sent`) or the channel's quiet period passes without one (delivery.ts): then it is
// safe to send again, and a redelivered message that finds it so moves it back to `queued`
// (conditional on the `updatedAt` read: one retrier wins) and takes the whole path again, guard
// included (the outcome carries `retried`). Reported meanwhile: the outcome `unknown` (the sender
// counts MessagesUnknown, which alarms) when the provider call ended in an unclassified error, and
// when a redelivered message finds its row `unknown` for longer than a sender can run (the attempt
// before it stopped — a crash, a timeout — after calling the provider).
//
// Deferred (outside the window now): the row stays `queued` with `notBefore` and `deferReason`, and
// the message goes back on the queue with a delay of up to 15 minutes (SQS's limit), hop by hop
// until it is due — a hop before `notBefore` reads nothing; when it is due the guard runs again.
// The queued → unknown transition still lets exactly one copy through. Chosen over a
// `deferredUntil` index the hourly planner would read: no new index, no extra table read per hour,
// and the message keeps its place in the one path every send takes.
//
// Paced (domain/campaigns/send-rate.ts): each message waits for its lane's next slot (the provider's
// messages per second, this instance's share) before the guard reads what it decides on, so the
// rules still hold when the provider is called after the wait. Email is paced before anything is
// read; SMS (paced per destination country) once the profile says the number, and the profile is read
// again if it waited. A slot further off than a sender should wait: back on the queue with a delay,
// the row untouched and still `queued` (the reason `paced`).
// Nothing here writes the Customer item for a campaign message (the frequency cap reads the ledger),
// so sending wakes no profile stream consumer.

export interface SenderDeps {
  customers: Pick<CustomerRepository, 'get'>;
  ledger: DeliveryLedger;
  email: EmailSender;
  sms: SmsSender;
  links: LinkSigner;
  /** Where a message that is not due yet goes back, delayed. */
  queue: SendQueue;
  /**
   * Records the confirmation email's send time; suppresses SMS to a number that replied STOP, on
   * the profile and on the number's identity (so it outlives an erasure and a new signup).
   */
  consent: Pick<ConsentStore, 'recordConfirmationSent' | 'recordPhoneCode' | 'suppress' | 'suppressIdentity'>;
  /** The SMS pumping cap: one customer's texts per number per local day. */
  numbers: SmsNumberDays;
  clock: Clock;
  campaigns: readonly Campaign[];
  settings: LinkingSettings;
  /** Holds sends to the provider's rate; absent: not paced. */
  pacer?: SendPacer;
  /** [0, 1): the jitter of the back-off after a throttle or a deferral for the rate; default Math.random. */
  random?: () => number;
  /** A uniform random integer in [0, max): the verification codes; default crypto's randomInt. */
  randomCode?: (max: number) => number;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  /** `not_pending`: a confirmation email whose request was confirmed or renewed meanwhile. */
  | { status: 'skipped'; reason: SkipReason | 'not_pending' }
  /** The row was not `queued`: already sent, being sent, held out or skipped. */
  | { status: 'duplicate' }
  /**
   * Not due yet (the send-time guard's reason, or `not_before` on a hop), or the provider throttled
   * it (`throttled`), or its lane's rate has no slot soon enough (`paced`): back on the queue with a
   * delay, the row still `queued`.
   */
  | { status: 'deferred'; until: string; reason: DeferReason | 'throttled' | 'paced' }
  | { status: 'failed'; reason: string }
  /**
   * The provider may or may not have taken it: left `unknown` until its event or its quiet period.
   * `interrupted`: found so by a redelivery (the previous attempt stopped between the provider and
   * the ledger).
   */
  | { status: 'unknown'; errorName: string };

/** What one copy of a message came to; `retried`: its row was found past the quiet period and sent again. */
export type SenderOutcome = SendOutcome & { retried?: true };

/** The errorName of an `unknown` outcome found on redelivery rather than caused by this attempt. */
export const INTERRUPTED = 'interrupted';

const TRANSACTIONAL: ReadonlySet<string> = new Set([CONFIRMATION_CAMPAIGN, PHONE_CODE_CAMPAIGN]);

export function sendMessage(deps: SenderDeps, request: SendRequest): Promise<SenderOutcome> {
  return attempt(deps, request, true);
}

/** One pass down the path; `mayRetry`: a row found past its quiet period may be taken back (once). */
async function attempt(deps: SenderDeps, request: SendRequest, mayRetry: boolean): Promise<SenderOutcome> {
  const key = rowKey(request);
  if (request.notBefore !== undefined) {
    // A hop of a deferred message: back on the queue, nothing read, until it is due.
    const wait = Math.ceil((Date.parse(request.notBefore) - deps.clock.now().getTime()) / 1000);
    if (wait > 0) {
      await deps.queue.enqueue([request], { delaySeconds: Math.min(wait, MAX_QUEUE_DELAY_SECONDS) });
      return { status: 'deferred', until: request.notBefore, reason: 'not_before' };
    }
  }
  // A retry (`!mayRetry`) is the same copy again: it already holds its pacing slot.
  if (request.channel === 'email' && mayRetry) {
    const paced = await pace(deps, request, 'email');
    if (paced !== 'go' && paced !== 'waited') return paced;
  }
  if (request.campaignId === CONFIRMATION_CAMPAIGN) return sendConfirmation(deps, request, mayRetry);
  if (request.campaignId === PHONE_CODE_CAMPAIGN) return sendPhoneCode(deps, request, mayRetry);
  const [row] = await deps.ledger.getMany([key]);
  if (row?.status !== 'queued') return taken(deps, request, row, mayRetry);
  const campaign = deps.campaigns.find((c) => c.id === request.campaignId);
  const read = await profileAfterPacing(deps, request, (person) =>
    request.channel === 'sms' ? { phone: person.phone } : undefined,
  );
  if ('paced' in read) return read.paced;
  const { customer } = read;
  const history = customer ? await deps.ledger.history(customer.customerId) : [];
  const now = deps.clock.now();
  const decision = guardSend({
    customer,
    row,
    campaign,
    history: history.filter((other) => other.deliveryKey !== key.deliveryKey),
    now,
    settings: deps.settings,
    transactional: TRANSACTIONAL,
  });
  if (decision.outcome === 'skip') return skip(deps, key, decision.reason);
  if (decision.outcome === 'defer') {
    const until = decision.until.toISOString();
    const moved = await deps.ledger.transition(key, 'queued', 'queued', {
      notBefore: until,
      deferReason: decision.reason,
    });
    if (!moved) return { status: 'duplicate' };
    const wait = Math.max(1, Math.ceil((decision.until.getTime() - now.getTime()) / 1000));
    await deps.queue.enqueue([{ ...request, notBefore: until }], {
      delaySeconds: Math.min(wait, MAX_QUEUE_DELAY_SECONDS),
    });
    return { status: 'deferred', until, reason: decision.reason };
  }
  // The guard let it through, so the campaign and the person exist.
  const active = campaign as Campaign;
  const person = customer as Customer;

  if (request.channel === 'sms') {
    if (await deps.sms.isOptedOut(person.phone as string)) {
      // The carrier's opted-out list (the person replied STOP): suppress SMS on the profile for good.
      const entry = { reason: 'carrier_opt_out', at: now.toISOString() };
      await deps.consent.suppress(person.customerId, 'sms', entry);
      await deps.consent.suppressIdentity('phone', person.phone as string, entry);
      return skip(deps, key, 'suppressed');
    }
    const today = localClock(now, person.timeZone)?.date ?? now.toISOString().slice(0, 10);
    if (!(await deps.numbers.claim(person.phone as string, today, person.customerId))) {
      return skip(deps, key, 'shared_number');
    }
  }
  const token = deps.links.sign(
    // The row's key in the link: the campaign's report counts the unsubscribe (consent-links.ts).
    {
      purpose: 'unsubscribe',
      customerId: person.customerId,
      channel: request.channel,
      deliveryKey: key.deliveryKey,
    },
    new Date(now.getTime() + UNSUBSCRIBE_LINK_DAYS * 86_400_000),
  );
  const unsubscribeUrl = publicUrl(deps.settings.publicBaseUrl, '/unsubscribe', { token });
  const occasionDate = /^\d{4}-\d{2}-\d{2}$/.test(request.occasion)
    ? request.occasion
    : request.plannedAt.slice(0, 10);
  // The survey's links name the order it asks about: the person's most recent (the after-order
  // trigger surveys the last order; see last-order-keys.ts).
  const lastOrderId = person.metrics?.lastOrderId ?? undefined;
  const survey =
    active.trigger.type === 'after-order'
      ? surveyLinks(
          deps,
          {
            customerId: person.customerId,
            channel: request.channel,
            deliveryKey: key.deliveryKey,
            ...(lastOrderId !== undefined && { orderId: lastOrderId }),
          },
          now,
        )
      : null;
  const context = templateContext(
    person,
    active,
    { key: request.occasion, date: occasionDate },
    deps.settings,
    unsubscribeUrl,
    request.channel === 'email' ? manageUrl(deps, person.customerId, now) : null,
    survey,
  );
  const message = renderMessage(active, request.channel, context);
  const tags = { campaign: active.id, occasion: request.occasion, customer: person.customerId };

  if (!(await deps.ledger.transition(key, 'queued', 'unknown'))) return alreadyTaken(deps, request, mayRetry);
  return deliver(deps, request, now, async () => {
    if (message.channel === 'email') {
      return deps.email.send({
        to: person.email as string,
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-Precis-Campaign': active.id,
          'X-Precis-Occasion': request.occasion,
        },
        tags,
      });
    }
    const sent = await deps.sms.send({ to: person.phone as string, text: message.text, tags });
    return { ...sent, ...withCountry(person.phone) };
  });
}

/**
 * Waits for the lane's next slot (`go` at once, or `waited`), or puts the message back on the queue
 * for when one is near, untouched: nothing has been read or written for it yet.
 */
async function pace(
  deps: Pick<SenderDeps, 'pacer' | 'queue' | 'clock' | 'random'>,
  request: SendRequest,
  lane: SendLane,
): Promise<'go' | 'waited' | SendOutcome> {
  if (!deps.pacer) return 'go';
  const paced = await deps.pacer.pace(lane);
  if ('waitedMs' in paced) return paced.waitedMs > 0 ? 'waited' : 'go';
  const delaySeconds = pacedDelaySeconds(
    paced.deferMs,
    (deps.random ?? Math.random)(),
    MAX_QUEUE_DELAY_SECONDS,
  );
  await deps.queue.enqueue([request], { delaySeconds });
  const until = new Date(deps.clock.now().getTime() + delaySeconds * 1000).toISOString();
  return { status: 'deferred', until, reason: 'paced' };
}

/** The ledger row a message is for. */
const rowKey = (request: SendRequest): DeliveryKey => ({
  customerId: request.customerId,
  deliveryKey: deliveryKey(request.campaignId, request.occasion),
});

/**
 * The profile; for a text (`textTo` gives the number, undefined when nothing is texted), after
 * waiting for the pacing slot of the number's country — read again after a wait, since it may have
 * changed — or the outcome when the text was deferred instead.
 */
async function profileAfterPacing(
  deps: SenderDeps,
  request: SendRequest,
  textTo: (customer: Customer) => { phone?: string } | undefined,
): Promise<{ customer: Customer | undefined } | { paced: SendOutcome }> {
  const customer = await deps.customers.get(request.customerId);
  const text = customer && textTo(customer);
  if (!text) return { customer };
  const paced = await pace(deps, request, sendLane('sms', text.phone));
  if (paced === 'go') return { customer };
  if (paced === 'waited') return { customer: await deps.customers.get(request.customerId) };
  return { paced };
}

/** An SMS's destination region, kept on its ledger row when sent (SMS is priced per country). */
function withCountry(phone: string | undefined): { country?: string } {
  const country = smsCountry(phone);
  return country ? { country } : {};
}

/** Moves a `queued` row to `skipped` with the reason (a duplicate when it had moved on). */
async function skip(
  deps: Pick<SenderDeps, 'ledger'>,
  key: DeliveryKey,
  reason: SkipReason | 'not_pending',
): Promise<SendOutcome> {
  return (await deps.ledger.transition(key, 'queued', 'skipped', { reason }))
    ? { status: 'skipped', reason }
    : { status: 'duplicate' };
}

/**
 * The row was not `queued`: another copy got there first (a duplicate); or an earlier attempt of this
 * message stopped after calling the provider and left it `unknown` — reported while the provider may
 * still tell us it took it, taken back and sent again once its quiet period has passed without a word.
 */
async function taken(
  deps: SenderDeps,
  request: SendRequest,
  row: Delivery | undefined,
  mayRetry: boolean,
): Promise<SenderOutcome> {
  if (!row) return { status: 'duplicate' };
  const now = deps.clock.now();
  if (mayRetry && isPastQuietPeriod(row, now, deps.settings.unknownQuietPeriod)) {
    if (await deps.ledger.requeueUnknown(row, row.updatedAt)) {
      return { ...(await attempt(deps, request, false)), retried: true };
    }
    return alreadyTaken(deps, request, false);
  }
  return isStuckUnknown(row, now) ? { status: 'unknown', errorName: INTERRUPTED } : { status: 'duplicate' };
}

/** The conditional move to `unknown` failed: what the row, read again, means for this copy. */
async function alreadyTaken(
  deps: SenderDeps,
  request: SendRequest,
  mayRetry: boolean,
): Promise<SenderOutcome> {
  const [row] = await deps.ledger.getMany([rowKey(request)]);
  return taken(deps, request, row, mayRetry);
}

/** Calls the provider for a row now `unknown`, and records what came of it. */
async function deliver(
  deps: Pick<SenderDeps, 'ledger' | 'queue' | 'random'>,
  request: SendRequest,
  now: Date,
  send: () => Promise<{ messageId: string; country?: string }>,
): Promise<SendOutcome> {
  const key = rowKey(request);
  let messageId: string;
  let country: string | undefined;
  try {
    ({ messageId, country } = await send());
  } catch (err) {
    if (err instanceof ProviderThrottledError) {
      // Nothing was sent: the row is `queued` again before the copy is queued (a crash in between
      // leaves the original message, which the queue delivers again).
      await deps.ledger.transition(key, 'unknown', 'queued');
      const throttled = (request.throttled ?? 0) + 1;
      const delaySeconds = throttleBackoffSeconds(
        throttled,
        (deps.random ?? Math.random)(),
        MAX_QUEUE_DELAY_SECONDS,
      );
      await deps.queue.enqueue([{ ...request, throttled }], { delaySeconds });
      return {
        status: 'deferred',
        until: new Date(now.getTime() + delaySeconds * 1000).toISOString(),
        reason: 'throttled',
      };
    }
    if (err instanceof ProviderRejectedError) {
      await deps.ledger.transition(key, 'unknown', 'failed', { reason: err.message });
      return { status: 'failed', reason: err.message };
    }
    return { status: 'unknown', errorName: (err as Error)?.name ?? 'Error' };
  }
  const recorded = await deps.ledger.transition(key, 'unknown', 'sent', {
    ...(country !== undefined && { country }),
    providerMessageId: messageId,
    sentAt: now.toISOString(),
  });
  if (!recorded && country !== undefined) {
    // The provider's own event got there first (it moved the row on with this message id): the
    // text's country, which only the sender knows, still goes on the row for its report.
    const [row] = await deps.ledger.getMany([key]);
    if (row && row.providerMessageId === messageId && row.country === undefined) {
      await deps.ledger.transition(key, row.status, row.status, { country });
    }
  }
  return { status: 'sent', messageId };
}

/**
 * The double opt-in email (transactional): only while the request it answers is still the pending
 * one, to an address that is not suppressed; a 7-day confirmation link; no unsubscribe headers.
 */
async function sendConfirmation(
  deps: SenderDeps,
  request: SendRequest,
  mayRetry: boolean,
): Promise<SenderOutcome> {
  const key = rowKey(request);
  const customer = await deps.customers.get(request.customerId);
  const email = customer?.consent.email;
  const reason: SkipReason | 'not_pending' | undefined =
    !customer || customer.erasedAt !== undefined
      ? 'erased'
      : customer.email === undefined
        ? 'no_address'
        : email?.status === 'unsubscribed'
          ? 'unsubscribed'
          : email?.status !== 'pending' || email.requestedAt !== request.occasion
            ? 'not_pending'
            : customer.suppression?.email
              ? 'suppressed'
              : undefined;
  if (!customer || reason !== undefined) {
    const why = reason ?? 'erased';
    return (await deps.ledger.transition(key, 'queued', 'skipped', { reason: why }))
      ? { status: 'skipped', reason: why }
      : { status: 'duplicate' };
  }
  const now = deps.clock.now();
  const token = deps.links.sign(
    { purpose: 'confirm', customerId: customer.customerId, channel: 'email' },
    new Date(now.getTime() + CONFIRM_LINK_DAYS * 86_400_000),
  );
  const confirmUrl = publicUrl(deps.settings.publicBaseUrl, '/confirm', { token });
  const message = renderConfirmation(customer, deps.settings.brandName, confirmUrl, CONFIRM_LINK_DAYS);
  if (!(await deps.ledger.transition(key, 'queued', 'unknown'))) return alreadyTaken(deps, request, mayRetry);
  const outcome = await deliver(deps, request, now, () =>
    deps.email.send({
      to: customer.email as string,
      subject: message.subject,
      html: message.html,
      text: message.text,
      headers: { 'X-Precis-Campaign': CONFIRMATION_CAMPAIGN },
      tags: { campaign: CONFIRMATION_CAMPAIGN, occasion: request.occasion, customer: customer.customerId },
    }),
  );
  if (outcome.status === 'sent') {
    await deps.consent.recordConfirmationSent(customer.customerId, request.occasion, now.toISOString());
  }
  return outcome;
}

/**
 * The verification code text (transactional, phone-verification.ts): only while the request it
 * answers is still the pending one; never to a number that replied STOP or is suppressed; within
 * the SMS pumping cap (one customer's texts per number per local day). The code is made here, and
 * its digest stored (conditional on the request) before the provider is called: a code that was
 * texted can always be checked, and a crash before the text leaves only an unused digest.
 */
async function sendPhoneCode(
  deps: SenderDeps,
  request: SendRequest,
  mayRetry: boolean,
): Promise<SenderOutcome> {
  const key = rowKey(request);
  // Paced like any text to the number's country.
  const read = await profileAfterPacing(
    deps,
    request,
    (person) => person.pendingPhone && { phone: person.pendingPhone.phone },
  );
  if ('paced' in read) return read.paced;
  const { customer } = read;
  const pending = customer?.pendingPhone;
  const now = deps.clock.now();
  const reason: SkipReason | 'not_pending' | undefined =
    !customer || customer.erasedAt !== undefined
      ? 'erased'
      : pending?.requestedAt !== request.occasion
        ? 'not_pending'
        : pending.phone === customer.phone && customer.suppression?.sms
          ? 'suppressed'
          : (await deps.sms.isOptedOut(pending.phone))
            ? 'suppressed'
            : undefined;
  if (reason !== undefined || !customer || !pending) return skip(deps, key, reason ?? 'erased');
  const today = localClock(now, customer.timeZone)?.date ?? now.toISOString().slice(0, 10);
  if (!(await deps.numbers.claim(pending.phone, today, customer.customerId))) {
    return skip(deps, key, 'shared_number');
  }
  const code = formatCode((deps.randomCode ?? randomInt)(10 ** VERIFICATION_CODE_DIGITS));
  const stored = await deps.consent.recordPhoneCode(customer.customerId, {
    requestedAt: pending.requestedAt,
    codeHash: deps.links.digest(codeBinding(customer.customerId, pending.requestedAt, code)),
    sentAt: now.toISOString(),
    attempts: 0,
  });
  if (!stored) return skip(deps, key, 'not_pending');
  if (!(await deps.ledger.transition(key, 'queued', 'unknown'))) return alreadyTaken(deps, request, mayRetry);
  const tags = { campaign: PHONE_CODE_CAMPAIGN, occasion: request.occasion, customer: customer.customerId };
  return deliver(deps, request, now, async () => {
    const sent = await deps.sms.send({
      to: pending.phone,
      text: renderCodeText(deps.settings.brandName, code),
      tags,
      transactional: true,
    });
    return { ...sent, ...withCountry(pending.phone) };
  });
}
