import { describe, expect, it } from 'vitest';
import { LocalQueue, SqsError } from '../../../lib/local/sqs';

const fifo = () =>
  new LocalQueue(
    { name: 'q.fifo', fifo: true, visibilityTimeoutSeconds: 30, delaySeconds: 0 },
    'http://x/0/q.fifo',
  );

describe('LocalQueue', () => {
  it('hands out one FIFO group in order and never two batches of the same group at once', () => {
    const queue = fifo();
    for (const [group, body] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
    ] as const) {
      queue.send({ body, groupId: group, deduplicationId: body });
    }
    expect(queue.receive(1).map((m) => m.body)).toEqual(['a1']);
    // a1 is in flight: group a waits, group b is free.
    expect(queue.receive(10).map((m) => m.body)).toEqual(['b1']);
    expect(queue.receive(10)).toEqual([]);
  });

  it('drops a FIFO duplicate sent within five minutes and requires a group', () => {
    const queue = fifo();
    const first = queue.send({ body: 'x', groupId: 'g', deduplicationId: 'd1' });
    const again = queue.send({ body: 'x', groupId: 'g', deduplicationId: 'd1' });
    expect(again.messageId).toBe(first.messageId);
    expect(queue.size).toBe(1);
    expect(() => queue.send({ body: 'y', deduplicationId: 'd2' })).toThrow(SqsError);
  });

  it('delays messages and hides received ones for the visibility timeout', async () => {
    const queue = new LocalQueue(
      { name: 'q', fifo: false, visibilityTimeoutSeconds: 1, delaySeconds: 0 },
      'http://x/0/q',
    );
    queue.send({ body: 'later', delaySeconds: 1 });
    expect(queue.receive(10)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const [message] = queue.receive(10, 100);
    expect(message?.body).toBe('later');
    expect(queue.receive(10)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(queue.receive(10).map((m) => m.receiveCount)).toEqual([2]);
  });
});
