/** Time, injected so schedules, tests and the simulated clock agree on "now". */
export interface Clock {
  now(): Date;
}

// One global slot, not a module variable: the local runtime and the handler modules it imports must
// share it even when they are loaded through different module instances.
const SHARED_CLOCK = Symbol.for('precis.sharedClock');
type WithSharedClock = { [SHARED_CLOCK]?: Clock };

/**
 * The clock the functions run on: the real one. The local runtime, which runs the functions in its
 * own process, installs its shared clock (lib/local/shared-clock.ts) so they agree with its
 * scheduler and with a planner pass "as of" an instant; nothing installs one on AWS.
 */
export const systemClock: Clock = {
  now: () => (globalThis as WithSharedClock)[SHARED_CLOCK]?.now() ?? new Date(),
};

/** Installs (or, with undefined, removes) the process-wide clock `systemClock` follows. */
export function installSharedClock(clock: Clock | undefined): void {
  if (clock) (globalThis as WithSharedClock)[SHARED_CLOCK] = clock;
  else delete (globalThis as WithSharedClock)[SHARED_CLOCK];
}
