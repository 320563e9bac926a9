import { describe, expect, it } from 'vitest';
import { listFailures, redriveFailures } from '../../../lib/local/failures-route';
import { LocalQueue } from '../../../lib/local/sqs';

// The local failure list and redrive over in-memory queues: a dead letter goes back to the queue it
// came from, received 0 times; a message in a failure queue no queue dead-letters into stays listed.

const queue = (name: string) =>
  new LocalQueue(
    { name, fifo: false, visibilityTimeoutSeconds: 30, delaySeconds: 0 },
    `http://local/${name}`,
  );

const setup = () => {
  const send = queue('Send');
  const deadLetters = queue('SendDeadLetters');
  const plannerFailures = queue('PlannerFailures');
  send.deadLetter = { queue: deadLetters, maxReceiveCount: 1 };
  const body = JSON.stringify({
    version: 1,
    customerId: 'cus_ana',
    campaignId: 'birthday',
    occasion: '2026',
    channel: 'email',
    plannedAt: '2026-06-15T08:00:00.000Z',
  });
  const message = send.send({ body });
  send.receive(10, 0); // received once, not deleted, visible again: the next receive dead-letters it
  send.receive(10);
  plannerFailures.send({ body: JSON.stringify({ requestPayload: { at: 'x' } }) });
  return { queues: [send, deadLetters, plannerFailures], send, deadLetters, plannerFailures, message };
};

describe('local failures', () => {
  it('lists the dead letter with its source queue and ids, and the failure queue message as not redrivable', () => {
    const { queues, message } = setup();
    const { deadLetters } = listFailures(queues, []);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        id: message.messageId,
        queue: 'SendDeadLetters',
        sourceQueue: 'Send',
        receiveCount: 1,
        body: expect.objectContaining({ customerId: 'cus_ana', occasion: '2026' }),
      }),
      expect.objectContaining({ queue: 'PlannerFailures', sourceQueue: null }),
    ]);
    expect(deadLetters[1]).not.toHaveProperty('body');
  });

  it('redrive --all moves the dead letter back (received 0 times) and leaves the failure record', () => {
    const { queues, send, deadLetters, plannerFailures, message } = setup();
    expect(redriveFailures(queues, { all: true })).toEqual({
      redriven: [{ id: message.messageId, from: 'SendDeadLetters', to: 'Send' }],
    });
    expect(deadLetters.size).toBe(0);
    expect(plannerFailures.size).toBe(1);
    const [back] = send.receive(10);
    expect(back).toMatchObject({ messageId: message.messageId, receiveCount: 1, body: message.body });
  });

  it('an unknown id is a 404 naming the field', () => {
    const { queues } = setup();
    expect(() => redriveFailures(queues, { id: 'nope' })).toThrow(/^id: no dead-lettered message/);
  });
});
