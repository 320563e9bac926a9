import type { SendLane } from '../domain/campaigns/send-rate';

/** Waited `waitedMs` for the lane's next slot (0: none needed), or none was near: defer `deferMs`. */
export type PaceOutcome = { waitedMs: number } | { deferMs: number };

/** Holds each message to its lane's messages-per-second rate (see domain/campaigns/send-rate.ts). */
export interface SendPacer {
  pace(lane: SendLane): Promise<PaceOutcome>;
}
