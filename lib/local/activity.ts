// Tracks in-flight work across the runtime (HTTP invocations, event deliveries, schedules, stream
// batches), so `settled()` can tell "nothing left to do" from "between two steps of a cascade".

export class Activity {
  private inFlight = 0;
  /** performance.now() of the most recent end of any tracked work. */
  private lastEnd = 0;

  get busy(): boolean {
    return this.inFlight > 0;
  }

  get lastEndAt(): number {
    return this.lastEnd;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.lastEnd = performance.now();
    }
  }
}

/** A sleep that `wake()` or `cancel()` cuts short; used for poll intervals and retry backoff. */
export class Waker {
  private waiters = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
