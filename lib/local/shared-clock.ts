import { type Clock, installSharedClock } from '../ports/clock';

// The local runtime's one clock. The scheduler and every in-process function (through
// `systemClock`, lib/ports/clock.ts) read it, so a planner pass "as of" an instant and the sender
// that runs the send-time guard on what it queued agree on "now". It runs at the base clock's pace
// (the real clock unless the runtime was given another) plus an offset: `set(at)` moves it to `at`
// and it keeps running from there; `reset()` puts it back. `asOf(at, work)` holds it at `at` (and
// running) for the whole of `work`, then puts it back where it was — one such span at a time, so two
// passes as of different instants never see each other's time. On AWS nothing installs it:
// functions there run on the real clock.

export class SharedClock {
  private offsetMs = 0;
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(private readonly base: { now(): number } = { now: () => Date.now() }) {}

  /** Milliseconds since the epoch, as the scheduler reads time. */
  nowMs(): number {
    return this.base.now() + this.offsetMs;
  }

  /** The Clock port, as the functions read time. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves the clock to `at`; it keeps running from there. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - this.base.now();
  }

  /** Back to the base clock. */
  reset(): void {
    this.offsetMs = 0;
  }

  /**
   * Runs `work` with the clock moved to `at` (running from there; `work` may move it on), then puts
   * it back where it was; spans run one after another.
   */
  asOf<T>(at: Date, work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(async () => {
      const before = this.offsetMs;
      this.set(at);
      try {
        return await work();
      } finally {
        this.offsetMs = before;
      }
    });
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /** Makes this the clock of every function in this process (until `uninstall`). */
  install(): void {
    installSharedClock(this as Clock);
  }

  uninstall(): void {
    installSharedClock(undefined);
  }
}
