import * as z from '../zod';
import { type LocalRoute, LocalRouteError } from './http-server';
import type { FiredOccurrence, LocalScheduler } from './scheduler';
import type { SharedClock } from './shared-clock';

// `POST /local/clock {"from": ISO, "to": ISO}` (local runtime only, admin key): fast-forwards the
// schedules of the templates through a span of simulated time. Every occurrence of every schedule
// with from ≤ time < to fires in time order (the hourly campaign planner, the nightly model refit,
// …), each with its scheduled time in its input, as EventBridge Scheduler would send it; after
// each one the runtime settles (streams drained, queued messages sent) before the next fires, so
// one simulated day behaves as a real one. A queue message delayed until a later real time (a
// deferred send) is not waited for. Answers what fired and how each invocation ended (its result,
// or its error type once the retries were spent). Calls run one at a time. The runtime's shared clock
// (shared-clock.ts) is moved to each occurrence's time as it fires and stays running from there while
// the runtime settles, so the sender's send-time guard sees the simulated hour; it is put back after.

/** The longest span one call may cover (a typo in a year would otherwise fire for hours). */
export const MAX_CLOCK_SPAN_DAYS = 366;

/** How long the runtime may take to settle after one occurrence. */
const SETTLE_MS = 120_000;

const ClockRequestSchema = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .check(
    z.refine((r) => Date.parse(r.to) > Date.parse(r.from), {
      message: 'to must be after from',
      path: ['to'],
    }),
    z.refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_CLOCK_SPAN_DAYS * 86_400_000, {
      message: `at most ${MAX_CLOCK_SPAN_DAYS} days per call`,
      path: ['to'],
    }),
  );

export interface ClockAdvance {
  from: string;
  to: string;
  fired: FiredOccurrence[];
}

export function clockRoute(
  scheduler: Pick<LocalScheduler, 'advanceTo'>,
  settled: (timeoutMs: number, options: { ignoreHidden: boolean }) => Promise<void>,
  clock: Pick<SharedClock, 'asOf' | 'set'>,
): LocalRoute {
  return (_query, body) => {
    const parsed = ClockRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new LocalRouteError(400, `${where}${issue?.message ?? 'invalid request'}`);
    }
    const from = new Date(parsed.data.from);
    const to = new Date(parsed.data.to);
    return clock.asOf(from, async (): Promise<ClockAdvance> => {
      const fired = await scheduler.advanceTo(new Date(to.getTime() - 1), {
        from,
        beforeEach: (at) => clock.set(at),
        afterEach: async () => {
          try {
            await settled(SETTLE_MS, { ignoreHidden: true });
          } catch (error) {
            throw new LocalRouteError(504, `the runtime did not settle: ${(error as Error).message}`);
          }
        },
      });
      return { from: from.toISOString(), to: to.toISOString(), fired };
    });
  };
}
