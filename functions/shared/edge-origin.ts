import { createHash, timingSafeEqual } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { secretsManagerClient } from '../../lib/adapters/aws/clients';
import type { SecretValues } from '../../lib/adapters/secrets/secret-link-signer';
import { ENV, type Env, ORIGIN_VERIFY_HEADER } from '../../lib/config/env-names';
import { type HttpHandler, type HttpResult, json } from './http';

// With the public edge on (config `publicEdge`), CloudFront adds this header, its value a generated
// Secrets Manager secret, to every request it forwards; the public functions refuse any request
// without it, so the execute-api URL cannot be used to get round the WAF's per-address limit.
// Admin routes are IAM-signed and stay reachable directly.

/** How long a container trusts the value it read (a new value reaches every container within it). */
export const EDGE_SECRET_MAX_AGE_SECONDS = 15 * 60;

/** One answer for every refused request: nothing says what was missing or wrong. */
export const NOT_THROUGH_EDGE: HttpResult = json(403, { error: 'forbidden' });

/**
 * Whether `given` is `expected`, in time independent of where they differ and of their lengths
 * (both are hashed to 32 bytes first, then compared with timingSafeEqual).
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const equal = timingSafeEqual(digest(given ?? ''), digest(expected));
  return equal && given !== undefined && expected !== '';
}

/** `handler`, answering only requests that carry the secret of `secretId` (read through the provider's cache). */
export function edgeOnly(secrets: SecretValues, secretId: string, handler: HttpHandler): HttpHandler {
  return async (event, context) => {
    const expected = await secrets.get(secretId, { maxAge: EDGE_SECRET_MAX_AGE_SECONDS });
    if (typeof expected !== 'string' || expected === '')
      throw new Error('the edge origin secret has no string value');
    if (!sameSecret(event.headers?.[ORIGIN_VERIFY_HEADER], expected)) return NOT_THROUGH_EDGE;
    return handler(event, context);
  };
}

/** A public function's handler behind the edge check when the edge is on (`EDGE_ORIGIN_SECRET` set), else as is. */
export function throughEdge(env: Env, handler: HttpHandler): HttpHandler {
  const secretId = env[ENV.edgeOriginSecret];
  if (!secretId) return handler;
  return edgeOnly(new SecretsProvider({ awsSdkV3Client: secretsManagerClient(env) }), secretId, handler);
}
