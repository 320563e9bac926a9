// A switch on the local provider stand-ins (the SES stand-in and the End User Messaging SMS stand-in):
// a given share of send calls is answered as the provider answers a send over its rate — SES v2
// `TooManyRequestsException` (HTTP 429), End User Messaging `ThrottlingException` — and nothing is sent. For
// chaos tests and for trying the sender's back-off by hand (`npm start` with PRECIS_THROTTLE_SHARE).
// It counts what it saw, so a test can print calls and throttles.

export class ProviderThrottle {
  /** Send calls seen, throttled or not. */
  calls = 0;
  /** Send calls answered as throttled. */
  throttled = 0;

  /**
   * `share` in [0, 1]: the probability each call is throttled; `random` in [0, 1) decides (a seeded
   * one makes a run repeatable).
   */
  constructor(
    public share = 0,
    private readonly random: () => number = Math.random,
  ) {
    if (!(share >= 0 && share <= 1)) throw new RangeError('the throttled share must be between 0 and 1');
  }

  /** Counts one send call; true when it is to be answered as throttled. */
  take(): boolean {
    this.calls++;
    if (this.share === 0 || this.random() >= this.share) return false;
    this.throttled++;
    return true;
  }
}
