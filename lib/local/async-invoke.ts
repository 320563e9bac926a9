import type { Activity } from './activity';
import type { FailureLog } from './failures';
import { InvocationError, type LocalFunction } from './lambda-host';
import type { RetrySettings } from './template';

// Lambda's asynchronous invocation (what EventBridge rules and schedules use): a failed
// invocation is retried (MaximumRetryAttempts, default 2, from AWS::Lambda::EventInvokeConfig)
// and then goes to the on-failure destination, here the failure log. AWS waits minutes between
// attempts; locally the backoff is short.

export const DEFAULT_ASYNC_RETRY: RetrySettings = { maxRetryAttempts: 2, maxEventAgeSeconds: 21_600 };

export interface AsyncInvocation {
  fn: LocalFunction;
  event: unknown;
  /** `rule <name>` or `schedule <name>`. */
  source: string;
  eventId: string;
  detailType?: string;
  settings: RetrySettings;
}

/** How an asynchronous invocation ended, retries included (what the on-failure destination would see). */
export type AsyncOutcome =
  | { status: 'succeeded'; attempts: number; result: unknown }
  | { status: 'failed'; attempts: number; errorType: string };

export interface AsyncInvokerOptions {
  activity: Activity;
  failures: FailureLog;
  backoff?: { minMs: number; maxMs: number };
}

export class AsyncInvoker {
  private readonly pending = new Set<Promise<AsyncOutcome>>();
  private stopped = false;

  constructor(private readonly options: AsyncInvokerOptions) {}

  /**
   * Queues the invocation and returns at once; the returned promise resolves when it is done, with
   * the function's result or, once the retries are spent, the failure (also in the failure log).
   */
  invoke(invocation: AsyncInvocation): Promise<AsyncOutcome> {
    const run = this.options.activity.track(() => this.run(invocation));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return run;
  }

  /** Stops retrying and waits for invocations in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pending]);
  }

  private async run({
    fn,
    event,
    source,
    eventId,
    detailType,
    settings,
  }: AsyncInvocation): Promise<AsyncOutcome> {
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 100, maxMs: 1000 };
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let errorType: string;
      try {
        return { status: 'succeeded', attempts: attempt, result: await fn.invoke(event) };
      } catch (error) {
        errorType = error instanceof InvocationError ? error.errorType : 'Unhandled';
      }
      const tooOld = Date.now() - started > settings.maxEventAgeSeconds * 1000;
      if (this.stopped) return { status: 'failed', attempts: attempt, errorType };
      if (attempt > settings.maxRetryAttempts || tooOld) {
        this.options.failures.record({
          kind: 'event',
          at: new Date().toISOString(),
          functionName: fn.name,
          source,
          ...(settings.onFailure ? { destination: settings.onFailure } : {}),
          condition: tooOld ? 'EventAgeExceeded' : 'RetryAttemptsExhausted',
          errorType,
          approximateInvokeCount: attempt,
          eventId,
          ...(detailType ? { detailType } : {}),
        });
        return { status: 'failed', attempts: attempt, errorType };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(minMs * 2 ** (attempt - 1), maxMs)));
    }
  }
}
