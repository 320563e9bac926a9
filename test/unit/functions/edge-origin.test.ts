import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  EDGE_SECRET_MAX_AGE_SECONDS,
  edgeOnly,
  sameSecret,
  throughEdge,
} from '../../../functions/shared/edge-origin';
import type { HttpHandler } from '../../../functions/shared/http';
import { ENV, ORIGIN_VERIFY_HEADER } from '../../../lib/config/env-names';
import { httpEvent, lambdaContext } from './fixtures';

vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

// With the public edge on, the public functions answer only requests CloudFront forwarded (they carry
// the origin-verify secret): a direct call to the execute-api URL gets round the WAF no more.

const SECRET = 'Zq8sV3kP0wYt6mRb2nLc9xHf4jDg7aEu';
const page: HttpHandler = async () => ({ statusCode: 200, body: 'the page' });

function guarded() {
  const reads: { name: string; maxAge?: number }[] = [];
  const secrets = {
    get: async (name: string, options?: { maxAge?: number }) => {
      reads.push({ name, ...options });
      return SECRET;
    },
  };
  return { handler: edgeOnly(secrets, 'arn:edge-secret', page), reads };
}
const call = (handler: HttpHandler, headers: Record<string, string>) =>
  handler(
    httpEvent('POST /signups', '{}', { 'content-type': 'application/json', ...headers }),
    lambdaContext,
  );

describe('the origin check of the public functions', () => {
  it('passes a request that carries the secret, reading it through the cache', async () => {
    const { handler, reads } = guarded();
    expect(await call(handler, { [ORIGIN_VERIFY_HEADER]: SECRET })).toEqual({
      statusCode: 200,
      body: 'the page',
    });
    expect(reads).toEqual([{ name: 'arn:edge-secret', maxAge: EDGE_SECRET_MAX_AGE_SECONDS }]);
  });

  it('refuses a missing, wrong, truncated, longer or empty header with the same 403', async () => {
    const { handler } = guarded();
    const refused: Record<string, string>[] = [
      {},
      { [ORIGIN_VERIFY_HEADER]: 'guess' },
      { [ORIGIN_VERIFY_HEADER]: SECRET.slice(0, -1) },
      { [ORIGIN_VERIFY_HEADER]: `${SECRET}x` },
      { [ORIGIN_VERIFY_HEADER]: '' },
      { 'x-precis-origin': SECRET },
    ];
    const answers = await Promise.all(refused.map((headers) => call(handler, headers)));
    for (const answer of answers) {
      expect(answer).toEqual({
        statusCode: 403,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{"error":"forbidden"}',
      });
    }
  });

  it('compares in constant time: equal-length digests, whatever the header length', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    for (const given of [SECRET, 'x', `${SECRET}${SECRET}`, undefined]) sameSecret(given, SECRET);
    expect(compare).toHaveBeenCalledTimes(4);
    for (const [a, b] of compare.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
    expect(sameSecret(SECRET, SECRET)).toBe(true);
    expect(sameSecret('', '')).toBe(false);
  });

  it('fails (no answer given) when the secret has no value, rather than letting requests through', async () => {
    const handler = edgeOnly({ get: async () => undefined }, 'arn:edge-secret', page);
    await expect(call(handler, { [ORIGIN_VERIFY_HEADER]: SECRET })).rejects.toThrow(/no string value/);
  });

  it('checks nothing when the edge is off (no EDGE_ORIGIN_SECRET): local runtime, edge disabled', () => {
    expect(throughEdge({}, page)).toBe(page);
    expect(
      throughEdge({ [ENV.edgeOriginSecret]: 'arn:edge-secret', AWS_REGION: 'eu-west-2' }, page),
    ).not.toBe(page);
  });
});
