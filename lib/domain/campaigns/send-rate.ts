import * as z from '../../zod';
import { smsCountry } from '../measurement/sms-country';

// Sending at the provider's rate, in messages per second, across every sender instance at once.
//
// Why per instance and not one shared bucket: the send queue's event source runs at most
// `sendConcurrency` (N) senders at once (its maxConcurrency, and the function's reserved
// concurrency), so each instance may use 1/N of the rate and together they never exceed it. A
// shared token bucket in DynamoDB would cost a conditional write (1+ write unit) per message and a
// hot key at exactly the moment of a large send; the split costs nothing per message. Its price: when
// fewer than N instances are busy the rate is under-used (a few messages' worth of a backlog waits
// longer than it must), which is the safe direction.
//
// Why wait and not defer: a sender that waits for its slot holds the queue back (Lambda takes no
// further batch while its N instances are busy), and the backlog waits in SQS for free; deferring
// every message over the rate onto the queue would re-read its ledger row and profile (2.5 read
// units) on each trip. A wait longer than `MAX_PACE_WAIT_MS` (a low rate split N ways, e.g. SMS at
// 1 per second) is deferred instead: back on the queue with a delay, still `queued`, never dropped.
//
// Each lane has its own rate: email is the SES account's `MaxSendRate` (SES v2 GetAccount, read once
// per cold start) unless configured; SMS is paced per destination country, because SNS picks the
// origination identity (toll-free number, 10DLC, short code, sender ID) by the destination country
// and each identity has its own messages-per-second limit.

/** Texts per second per origination identity, by destination country (ISO 3166) and `default`. */
export const SmsRatesSchema = z.record(
  z.string().check(z.regex(/^([A-Z]{2}|default)$/, 'must be a two-letter country code or default')),
  z.number().check(z.positive(), z.lte(10_000)),
);

export const SendRateSettingsSchema = z.strictObject({
  /** Emails per second for the whole account; absent: SES's `SendQuota.MaxSendRate` (GetAccount). */
  email: z.optional(z.number().check(z.positive(), z.lte(10_000))),
  /**
   * Texts per second per destination country. AWS's defaults (AWS End User Messaging SMS, "MPS
   * limits"): US toll-free 3, US 10DLC 1 per number until raised, US/CA short code 100, long codes
   * elsewhere usually 1; sender IDs vary by country. Default: 1 everywhere (the lowest of them).
   */
  sms: z._default(SmsRatesSchema, { default: 1 }),
});
export type SendRateSettings = z.infer<typeof SendRateSettingsSchema>;

/** When GetAccount cannot be read: SES's sandbox rate, the lowest an account has. */
export const FALLBACK_EMAIL_RATE = 1;

/** The longest a sender waits in an invocation for its slot; longer → deferred onto the queue. */
export const MAX_PACE_WAIT_MS = 10_000;

/** The rate lane a message goes out on: `email`, or `sms:<destination country>` (`ZZ` unknown). */
export type SendLane = 'email' | `sms:${string}`;

export function sendLane(channel: 'email' | 'sms', phone?: string): SendLane {
  return channel === 'email' ? 'email' : `sms:${smsCountry(phone) ?? 'ZZ'}`;
}

/** The account-wide rate of an SMS lane: its country's, else the default. */
export function smsLaneRate(settings: SendRateSettings, lane: SendLane): number {
  const country = lane.slice('sms:'.length);
  return settings.sms[country] ?? settings.sms.default ?? 1;
}

/** One instance's share of an account-wide rate when `instances` senders may run at once. */
export function instanceShare(ratePerSecond: number, instances: number): number {
  return ratePerSecond / Math.max(1, instances);
}

/**
 * A lane's pacing state: the theoretical arrival time (GCRA) — the instant, in milliseconds, from
 * which the next message may go without exceeding the rate. Messages are spaced 1/rate apart, no
 * burst: in any second an instance sends at most ⌈its share⌉.
 */
export interface LaneState {
  nextAtMs: number;
}

export type Reservation =
  | { granted: true; waitMs: number; state: LaneState }
  | { granted: false; waitMs: number };

/**
 * Reserves the next slot of a lane at `nowMs`: granted with how long to wait for it when that is at
 * most `maxWaitMs` (the state moves on by one interval), else refused with the wait it would have
 * had (the state unchanged: a deferred message holds no slot). A state further ahead than any
 * reservation can put it (the clock went back) starts again from now.
 */
export function reserveSlot(
  state: LaneState | undefined,
  nowMs: number,
  ratePerSecond: number,
  maxWaitMs: number,
): Reservation {
  const intervalMs = 1000 / ratePerSecond;
  const ahead = state ? state.nextAtMs - nowMs : 0;
  const nextAtMs = state && ahead <= maxWaitMs + intervalMs ? Math.max(state.nextAtMs, nowMs) : nowMs;
  const waitMs = nextAtMs - nowMs;
  if (waitMs > maxWaitMs) return { granted: false, waitMs };
  return { granted: true, waitMs, state: { nextAtMs: nextAtMs + intervalMs } };
}

/**
 * The queue delay of a message deferred for the rate: the wait it would have had, spread over up to
 * twice that with `random` in [0, 1) so deferred messages do not all come back in the same second;
 * whole seconds (SQS), at least 1, at most `maxSeconds`.
 */
export function pacedDelaySeconds(waitMs: number, random: number, maxSeconds: number): number {
  const seconds = (waitMs / 1000) * (1 + random);
  return Math.max(1, Math.min(maxSeconds, Math.ceil(seconds)));
}
