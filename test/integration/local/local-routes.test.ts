import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../../lib/local/http-server';
import { readOutbox } from '../../../lib/local/outbox';
import type { SmsMessage } from '../../../lib/local/sms-sink';

// The local runtime's own admin endpoints (GET /local/outbox, /local/bulk-target): behind the admin
// key like the template's IAM routes, GET only, absent from any deployed API.

let server: LocalHttpServer;
const seen: string[] = [];

beforeAll(async () => {
  server = await startHttpServer({ port: 0, adminKey: 'local-key', log: () => {} });
  server.setRoutes([]);
  server.setLocalRoutes({
    'GET /local/outbox': async (query) => {
      seen.push(query.toString());
      return [{ channel: 'sms', to: '+447911123456' }];
    },
  });
  server.setReady(true);
});

afterAll(async () => {
  await server?.stop();
});

describe('local admin endpoints', () => {
  it('answer JSON to the admin key, with the query string', async () => {
    const response = await fetch(`${server.url}/local/outbox?limit=5&to=a%40example.com`, {
      headers: { 'x-api-key': 'local-key' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ channel: 'sms', to: '+447911123456' }]);
    expect(seen.at(-1)).toBe('limit=5&to=a%40example.com');
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'guess' }],
  ])('answer 401 with %s, and run nothing', async (_, headers: Record<string, string>) => {
    const before = seen.length;
    const response = await fetch(`${server.url}/local/outbox`, { headers });
    expect(response.status).toBe(401);
    expect(seen).toHaveLength(before);
  });

  it('answer only their own method and path: anything else is 404', async () => {
    const post = await fetch(`${server.url}/local/outbox`, {
      method: 'POST',
      headers: { 'x-api-key': 'local-key' },
    });
    expect(post.status).toBe(404);
    const other = await fetch(`${server.url}/local/nothing`, { headers: { 'x-api-key': 'local-key' } });
    expect(other.status).toBe(404);
  });
});

describe('readOutbox', () => {
  const sms = (phoneNumber: string, at: string, campaign: string): SmsMessage => ({
    messageId: `m-${at}`,
    at,
    phoneNumber,
    message: `Happy birthday from ${campaign}`,
    messageType: 'PROMOTIONAL',
    context: { campaign, occasion: '2026', customer: 'c-1' },
  });
  const emptySes = async () => {
    const { createServer } = await import('node:http');
    const ses = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ emails: [] }));
    });
    await new Promise<void>((resolve) => ses.listen(0, '127.0.0.1', resolve));
    const { port } = ses.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => ses.close(r)) };
  };

  it('lists texts newest first, filtered by recipient and capped', async () => {
    const ses = await emptySes();
    try {
      const texts = [
        sms('+447911000003', '2026-11-24T10:00:03.000Z', 'birthday'),
        sms('+447911000002', '2026-11-24T10:00:02.000Z', 'repurchase'),
        sms('+447911000001', '2026-11-24T10:00:01.000Z', 'birthday'),
      ];
      const all = await readOutbox(ses.url, texts, 10);
      expect(all.map((m) => m.to)).toEqual(['+447911000003', '+447911000002', '+447911000001']);
      expect(all[0]).toMatchObject({ channel: 'sms', html: null, campaign: 'birthday', occasion: '2026' });
      expect((await readOutbox(ses.url, texts, 2)).map((m) => m.to)).toEqual([
        '+447911000003',
        '+447911000002',
      ]);
      const mine = await readOutbox(ses.url, texts, 10, ['+447911000001', '+447911000002']);
      expect(mine.map((m) => m.campaign)).toEqual(['repurchase', 'birthday']);
    } finally {
      await ses.close();
    }
  });
});
