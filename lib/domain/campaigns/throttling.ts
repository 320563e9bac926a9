// What the sender does when SES or SNS throttles it (the account's send rate or API rate is
// exceeded): nothing was sent, so the message goes back on the queue with a delay that doubles with
// each throttle of that message, with jitter so throttled messages do not all come back at once:
// never dropped, never failed into the dead-letter queue (its row stays claimed and `queued`).

/** The first back-off; each further throttle of the same message doubles it. */
export const THROTTLE_BACKOFF_BASE_SECONDS = 2;

/**
 * Seconds to wait before the `throttled`-th retry (1 for the first): "equal jitter" back-off, half
 * fixed and half random, capped at `maxSeconds` (SQS's 15-minute delay limit). `random` is in [0, 1).
 */
export function throttleBackoffSeconds(throttled: number, random: number, maxSeconds: number): number {
  const ceiling = Math.min(maxSeconds, THROTTLE_BACKOFF_BASE_SECONDS * 2 ** Math.max(0, throttled - 1));
  return Math.max(1, Math.min(maxSeconds, Math.ceil(ceiling / 2 + (random * ceiling) / 2)));
}
