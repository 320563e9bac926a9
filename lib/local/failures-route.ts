import * as z from '../zod';
import type { LocalFailure } from './failures';
import { type LocalRoute, LocalRouteError } from './http-server';
import type { LocalQueue } from './sqs';

// The local failure list and its redrive (local runtime only, admin key; `precis failures`):
//
// `GET /local/failures`: every message in a dead-letter or failure queue (its id, the queue it is in,
//   the queue it came from when a RedrivePolicy put it there, receives, when it was first sent; the
//   body only when it holds ids alone, as the send queue's do), and the failure records of stream
//   batches and async events (metadata, as AWS's on-failure destinations get).
// `POST /local/failures/redrive {"id": "…"} | {"all": true}`: moves dead letters back to the queue
//   they came from, as SQS's message move task (StartMessageMoveTask) does on AWS: same body, received
//   0 times. What the message then does is the consumer's business: the sender re-reads its ledger
//   row, so a message whose row was sent meanwhile (or a second redrive of a copy) sends nothing.
// A failure record of a stream batch or an event is not a message: it cannot be moved anywhere
// (AWS sends the batch's coordinates, not its records); those are listed, not redriven.

export interface DeadLetterView {
  id: string;
  queue: string;
  /** The queue a RedrivePolicy moved it from (where a redrive moves it back); null for a failure queue. */
  sourceQueue: string | null;
  receiveCount: number;
  sentAt: string;
  /** The send queue's messages name a ledger row (ids only, no personal data): shown. */
  body?: unknown;
}

export interface FailureList {
  deadLetters: DeadLetterView[];
  failures: LocalFailure[];
}

/** Bodies shown in the list: the send queue's SendRequest holds ids and instants only. */
const IdsOnlySchema = z.object({
  version: z.literal(1),
  customerId: z.string(),
  campaignId: z.string(),
  occasion: z.string(),
  channel: z.string(),
  plannedAt: z.string(),
});

const RedriveSchema = z.union([
  z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(100)) }),
  z.strictObject({ all: z.literal(true) }),
]);

/** Queues some RedrivePolicy points at, with the queues that dead-letter into each. */
const deadLetterQueues = (queues: readonly LocalQueue[]): Map<LocalQueue, LocalQueue[]> => {
  const sources = new Map<LocalQueue, LocalQueue[]>();
  for (const queue of queues) {
    if (!queue.deadLetter) continue;
    sources.set(queue.deadLetter.queue, [...(sources.get(queue.deadLetter.queue) ?? []), queue]);
  }
  return sources;
};

/** The failure queues: dead-letter queues, and queues named as on-failure destinations. */
const isFailureQueue = (queue: LocalQueue, dlqs: Map<LocalQueue, LocalQueue[]>) =>
  dlqs.has(queue) || /fail|dead/i.test(queue.name);

export function listFailures(queues: readonly LocalQueue[], failures: readonly LocalFailure[]): FailureList {
  const dlqs = deadLetterQueues(queues);
  const deadLetters = queues
    .filter((queue) => isFailureQueue(queue, dlqs))
    .flatMap((queue) =>
      queue.peek().map((message): DeadLetterView => {
        let body: unknown;
        try {
          const parsed = IdsOnlySchema.safeParse(JSON.parse(message.body));
          if (parsed.success) body = parsed.data;
        } catch {
          // Not JSON: not shown.
        }
        const sources = dlqs.get(queue) ?? [];
        return {
          id: message.messageId,
          queue: queue.name,
          // A dead letter's source: the one queue dead-lettering here (SQS's move task needs one too).
          sourceQueue: sources.length === 1 ? (sources[0]?.name ?? null) : null,
          receiveCount: message.receiveCount,
          sentAt: new Date(message.sentAt).toISOString(),
          ...(body !== undefined && { body }),
        };
      }),
    );
  return { deadLetters, failures: [...failures] };
}

export interface RedriveResult {
  redriven: { id: string; from: string; to: string }[];
}

export function redriveFailures(
  queues: readonly LocalQueue[],
  request: { id: string } | { all: true },
): RedriveResult {
  const dlqs = deadLetterQueues(queues);
  const chosen = [...dlqs.entries()].flatMap(([dlq, sources]) =>
    dlq.peek().map((message) => ({ dlq, sources, message })),
  );
  const selected = 'id' in request ? chosen.filter((c) => c.message.messageId === request.id) : chosen;
  if ('id' in request && selected.length === 0) {
    throw new LocalRouteError(404, 'id: no dead-lettered message with this id (precis failures list)');
  }
  const redriven: RedriveResult['redriven'] = [];
  for (const { dlq, sources, message } of selected) {
    const source = sources.length === 1 ? sources[0] : undefined;
    if (!source) {
      if ('id' in request)
        throw new LocalRouteError(
          409,
          `id: ${dlq.name} takes dead letters from several queues; none to move it to`,
        );
      continue;
    }
    const taken = dlq.take(message.messageId);
    if (!taken) continue;
    source.moveIn(taken);
    redriven.push({ id: taken.messageId, from: dlq.name, to: source.name });
  }
  return { redriven };
}

export function failuresRoutes(
  queues: () => readonly LocalQueue[],
  failures: () => readonly LocalFailure[],
): Record<string, LocalRoute> {
  return {
    'GET /local/failures': async () => listFailures(queues(), failures()),
    'POST /local/failures/redrive': async (_query, body) => {
      const parsed = RedriveSchema.safeParse(body ?? {});
      if (!parsed.success) throw new LocalRouteError(400, 'id: give {"id": "<message id>"} or {"all": true}');
      return redriveFailures(queues(), parsed.data);
    },
  };
}
