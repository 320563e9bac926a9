import { describe, expect, it } from 'vitest';
import {
  authHeaders,
  base64url,
  CognitoSession,
  type DeployedConfig,
  type KeyValueStore,
  loadConfig,
  parseConfig,
  pkceChallenge,
  SignInError,
} from '../../../dashboard/auth';

const CONFIG: DeployedConfig = {
  apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  auth: {
    domain: 'https://precis-123456789012.auth.eu-west-1.amazoncognito.com',
    clientId: '4f1b2c3d4e5f6g7h8i9j0k1l2m',
    redirectUri: 'https://d111111abcdef8.cloudfront.net/',
  },
};

/** The tab's sessionStorage, as a map. */
class MemoryStore implements KeyValueStore {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

/** A token endpoint that records what it was sent and answers `answer`. */
function tokenEndpoint(status: number, answer: unknown) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), init });
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { requests, fetchFn };
}

describe('PKCE', () => {
  it('computes the S256 challenge of the RFC 7636 appendix B example', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('encodes base64url without padding, with - and _ for + and /', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64url(new Uint8Array([0x66, 0x6f, 0x6f]))).toBe('Zm9v');
  });
});

describe('the deployed config', () => {
  it('reads a config.json and trims trailing slashes from its URLs', () => {
    expect(parseConfig({ ...CONFIG, apiUrl: `${CONFIG.apiUrl}/` })).toEqual(CONFIG);
  });

  it('refuses a config with a plain-http URL, a missing field or a strange client id', () => {
    expect(
      parseConfig({ ...CONFIG, apiUrl: 'http://abc123.execute-api.eu-west-1.amazonaws.com' }),
    ).toBeUndefined();
    expect(
      parseConfig({ ...CONFIG, auth: { ...CONFIG.auth, domain: 'javascript:alert(1)' } }),
    ).toBeUndefined();
    expect(parseConfig({ ...CONFIG, auth: { ...CONFIG.auth, redirectUri: undefined } })).toBeUndefined();
    expect(parseConfig({ ...CONFIG, auth: { ...CONFIG.auth, clientId: 'a&b=c' } })).toBeUndefined();
    expect(parseConfig({ apiUrl: CONFIG.apiUrl })).toBeUndefined();
    expect(parseConfig('nope')).toBeUndefined();
  });

  it('is absent on the local runtime (404 or not JSON): the admin key is asked for', async () => {
    expect(await loadConfig(tokenEndpoint(404, { message: 'Not Found' }).fetchFn)).toBeUndefined();
    const html = (async () => new Response('<!doctype html>', { status: 200 })) as unknown as typeof fetch;
    expect(await loadConfig(html)).toBeUndefined();
    expect(await loadConfig(tokenEndpoint(200, CONFIG).fetchFn)).toEqual(CONFIG);
  });

  it('sends the admin key locally and the bearer token deployed', () => {
    expect(authHeaders({ kind: 'key', key: 'k' })).toEqual({ 'x-api-key': 'k' });
    expect(authHeaders({ kind: 'bearer', token: 't' })).toEqual({ authorization: 'Bearer t' });
  });
});

describe('signing in with the Cognito managed login (authorization code + PKCE)', () => {
  const redirectBack = async (session: CognitoSession, store: MemoryStore) => {
    const authorize = new URL(await session.signInUrl());
    const pending = JSON.parse(store.getItem('precis.signIn') ?? '{}') as { state: string; verifier: string };
    return { authorize, pending };
  };

  it('sends the admin to the authorize endpoint with an S256 challenge of the verifier it keeps', async () => {
    const store = new MemoryStore();
    const session = new CognitoSession(CONFIG, store);
    const { authorize, pending } = await redirectBack(session, store);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${CONFIG.auth.domain}/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      response_type: 'code',
      client_id: CONFIG.auth.clientId,
      redirect_uri: CONFIG.auth.redirectUri,
      scope: 'openid email',
      state: pending.state,
      code_challenge_method: 'S256',
      code_challenge: await pkceChallenge(pending.verifier),
    });
    expect(pending.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pending.state).not.toBe(pending.verifier);
  });

  it('exchanges the code with the verifier and keeps the access token until shortly before it expires', async () => {
    const store = new MemoryStore();
    let now = 1_000_000;
    const endpoint = tokenEndpoint(200, { access_token: 'access', id_token: 'id', expires_in: 3600 });
    const session = new CognitoSession(CONFIG, store, endpoint.fetchFn, () => now);
    const { pending } = await redirectBack(session, store);

    expect(await session.complete(`${CONFIG.auth.redirectUri}?code=the-code&state=${pending.state}`)).toBe(
      true,
    );
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    expect(request?.url).toBe(`${CONFIG.auth.domain}/oauth2/token`);
    expect(request?.init?.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(String(request?.init?.body)))).toEqual({
      grant_type: 'authorization_code',
      client_id: CONFIG.auth.clientId,
      code: 'the-code',
      redirect_uri: CONFIG.auth.redirectUri,
      code_verifier: pending.verifier,
    });
    expect(store.getItem('precis.signIn')).toBeNull();
    expect(session.accessToken()).toBe('access');
    now += 3_539_999;
    expect(session.accessToken()).toBe('access');
    now += 1;
    expect(session.accessToken()).toBeUndefined();
  });

  it('refuses an answer whose state this tab did not start, and a code replayed after use', async () => {
    const store = new MemoryStore();
    const endpoint = tokenEndpoint(200, { access_token: 'access', expires_in: 3600 });
    const session = new CognitoSession(CONFIG, store, endpoint.fetchFn);
    const { pending } = await redirectBack(session, store);
    await expect(session.complete(`${CONFIG.auth.redirectUri}?code=c&state=forged`)).rejects.toThrow(
      SignInError,
    );
    await expect(
      session.complete(`${CONFIG.auth.redirectUri}?code=c&state=${pending.state}`),
    ).rejects.toThrow(SignInError);
    expect(endpoint.requests).toHaveLength(0);
    expect(session.accessToken()).toBeUndefined();
  });

  it('reports a refused sign-in or token exchange, and ignores a page that is not a redirect back', async () => {
    const store = new MemoryStore();
    const session = new CognitoSession(CONFIG, store, tokenEndpoint(400, { error: 'invalid_grant' }).fetchFn);
    expect(await session.complete(CONFIG.auth.redirectUri)).toBe(false);
    await expect(
      session.complete(`${CONFIG.auth.redirectUri}?error=access_denied&error_description=denied`),
    ).rejects.toThrow('Sign-in failed: denied.');
    const { pending } = await redirectBack(session, store);
    await expect(
      session.complete(`${CONFIG.auth.redirectUri}?code=c&state=${pending.state}`),
    ).rejects.toThrow(/token endpoint answered 400/);
    expect(session.accessToken()).toBeUndefined();
  });

  it('signs out: forgets the token and returns to this page through the managed login logout', async () => {
    const store = new MemoryStore();
    const session = new CognitoSession(CONFIG, store, tokenEndpoint(200, { access_token: 'a' }).fetchFn);
    const { pending } = await redirectBack(session, store);
    await session.complete(`${CONFIG.auth.redirectUri}?code=c&state=${pending.state}`);
    expect(session.accessToken()).toBe('a');
    const logout = new URL(session.signOutUrl());
    expect(`${logout.origin}${logout.pathname}`).toBe(`${CONFIG.auth.domain}/logout`);
    expect(Object.fromEntries(logout.searchParams)).toEqual({
      client_id: CONFIG.auth.clientId,
      logout_uri: CONFIG.auth.redirectUri,
    });
    expect(session.accessToken()).toBeUndefined();
  });
});
