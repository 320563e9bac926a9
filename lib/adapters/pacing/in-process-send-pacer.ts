import {
  instanceShare,
  type LaneState,
  MAX_PACE_WAIT_MS,
  reserveSlot,
  type SendLane,
} from '../../domain/campaigns/send-rate';
import type { PaceOutcome, SendPacer } from '../../ports/send-pacer';

// One sender instance's pacing: a lane's account-wide rate divided by the number of instances that
// may run at once (the send queue's maxConcurrency), slots kept in this process (see send-rate.ts
// for why not one shared bucket). Time is the real clock (Date.now), never the local runtime's
// shared clock: pacing is about seconds that pass, not the business "now" a planner pass moves.

export interface InProcessSendPacerOptions {
  /** A lane's account-wide rate in messages per second; read once per lane and kept. */
  rateOf: (lane: SendLane) => Promise<number>;
  /** How many senders may run at once; each takes this share of every rate. */
  instances: number;
  maxWaitMs?: number;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class InProcessSendPacer implements SendPacer {
  private readonly lanes = new Map<SendLane, LaneState>();
  private readonly rates = new Map<SendLane, Promise<number>>();

  constructor(private readonly options: InProcessSendPacerOptions) {}

  async pace(lane: SendLane): Promise<PaceOutcome> {
    const rate = await this.rateOf(lane);
    // Synchronous from here to the reservation: messages of a batch processed in parallel each get
    // their own slot.
    const now = (this.options.nowMs ?? Date.now)();
    const share = instanceShare(rate, this.options.instances);
    const slot = reserveSlot(this.lanes.get(lane), now, share, this.options.maxWaitMs ?? MAX_PACE_WAIT_MS);
    if (!slot.granted) return { deferMs: slot.waitMs };
    this.lanes.set(lane, slot.state);
    if (slot.waitMs > 0) await (this.options.sleep ?? realSleep)(slot.waitMs);
    return { waitedMs: slot.waitMs };
  }

  private rateOf(lane: SendLane): Promise<number> {
    let rate = this.rates.get(lane);
    if (!rate) {
      rate = this.options.rateOf(lane);
      this.rates.set(lane, rate);
    }
    return rate;
  }
}
