/** Time, injected so schedules, tests and the simulated clock agree on "now". */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
