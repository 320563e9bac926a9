import { ENV, type Env } from '../config/env-names';

/** The local API's base URL and admin key, from the same variables the local runtime reads. */
export function localApi(env: Env): { url: string; adminKey: string } {
  const adminKey = env[ENV.adminKey];
  if (!adminKey) {
    throw new Error(`${ENV.adminKey} is not set: export the admin key the local runtime was started with`);
  }
  const port = env[ENV.port] ?? '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    throw new Error(`${ENV.port} must be a port number, got "${port}"`);
  }
  return { url: `http://127.0.0.1:${port}`, adminKey };
}

/**
 * One request from a CLI command, with its JSON answer (undefined when it has none). A server that
 * is down, slow or unreachable becomes one readable line naming `what` (e.g. "the local API at
 * http://127.0.0.1:3000"), never a stack trace.
 */
export async function fetchJson(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: { notRunning: string; name: string } = { notRunning: `nothing is listening at ${url}`, name: url },
): Promise<{ status: number; body: unknown }> {
  const response = await send(url, init, timeoutMs, what);
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** The same, for an answer that is text (a CSV export), with its headers. */
export async function fetchText(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: { notRunning: string; name: string },
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await send(url, init, timeoutMs, what);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function send(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: { notRunning: string; name: string },
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') throw new Error(`${what.notRunning} (start it with npm start)`);
    if ((err as Error).name === 'TimeoutError')
      throw new Error(`${what.name} did not answer within ${timeoutMs / 1000}s`);
    throw new Error(`could not reach ${what.name}: ${cause?.code ?? (err as Error).message}`);
  }
}

/** How the local API's own routes name it in errors. */
export const theLocalApi = (url: string) => ({
  notRunning: `the local API is not running at ${url}`,
  name: `the local API at ${url}`,
});

/** A 400's field errors as one line: `path: message; …`. */
export function fieldMessages(body: unknown): string {
  const fields = (body as { fields?: { path?: unknown; message?: unknown }[] } | undefined)?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return 'the API refused it (400)';
  return fields.map((f) => `${String(f.path)}: ${String(f.message)}`).join('; ');
}
