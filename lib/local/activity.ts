// Tracks in-flight work across the runtime (HTTP invocations, event deliveries, schedules, stream
// batches), so `settled()` can tell "nothing left to do" from "between two steps of a cascade";
// and counts every function's invocations, so benches can say what an event costs in Lambda calls.

/** How often one function was invoked and how many records (stream, queue, topic) those calls carried. */
export interface InvocationCount {
  invocations: number;
  records: number;
}

export class Activity {
  private inFlight = 0;
  /** performance.now() of the most recent end of any tracked work. */
  private lastEnd = 0;
  private readonly counts = new Map<string, InvocationCount>();

  get busy(): boolean {
    return this.inFlight > 0;
  }

  get lastEndAt(): number {
    return this.lastEnd;
  }

  /** Counts one invocation of `functionName` with `event` (retries count: Lambda bills them too). */
  count(functionName: string, event: unknown): void {
    const records = (event as { Records?: unknown } | null | undefined)?.Records;
    const current = this.counts.get(functionName) ?? { invocations: 0, records: 0 };
    current.invocations++;
    if (Array.isArray(records)) current.records += records.length;
    this.counts.set(functionName, current);
  }

  /** Invocations so far by function name (a copy: diff two of them to count a stretch of work). */
  invocations(): Record<string, InvocationCount> {
    return Object.fromEntries([...this.counts].map(([name, count]) => [name, { ...count }]));
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
