import { Agent, createServer, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../lib/local/http-server';

/** GET on the agent's kept-alive connections; says whether the request went over a reused socket. */
const get = (agent: Agent, port: number): Promise<{ status: number; reused: boolean }> =>
  new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });

describe('local servers and kept-alive connections', () => {
  // Node closes an idle kept-alive connection after 5 s; a client reusing it at that moment gets
  // ECONNRESET, which the one-attempt SES and SMS clients turn into a message left `unknown`.
  it('keeps an idle connection open past Node’s 5 s, so a send never meets a closing socket', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const listening = await listenOnLoopback(server, 0, 'TEST_PORT');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(agent, listening.port)).toEqual({ status: 200, reused: false });
      await sleep(6_000);
      expect(await get(agent, listening.port)).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
      await listening.stop();
    }
  }, 30_000);
});
