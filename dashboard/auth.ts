// How the dashboard authenticates. Deployed (PrecisDashboard stack), a `config.json` next to
// index.html names the dashboard API and the Cognito app client: the admin signs in through the
// Cognito managed login with the authorization code flow and PKCE (S256), and every API call carries
// `Authorization: Bearer <access token>` (the JWT authorizer's audience is the app client, which
// API Gateway matches to the access token's client_id claim). Locally (`npm start`) there is no
// config.json: the admin key is asked for and sent as x-api-key.
//
// No DOM at import time and no DOM types: the page passes in its storage (sessionStorage — never
// localStorage), fetch and URLs, so the unit tests run this module as it is.

export interface DeployedConfig {
  /** The dashboard API's base URL, without a trailing slash. */
  apiUrl: string;
  auth: {
    /** The Cognito managed-login domain, e.g. `https://precis-123.auth.eu-west-1.amazoncognito.com`. */
    domain: string;
    clientId: string;
    /** This page's URL as registered on the app client (the callback and sign-out URL). */
    redirectUri: string;
  };
}

export type Credentials = { kind: 'key'; key: string } | { kind: 'bearer'; token: string };

/** The headers of an API call made with these credentials. */
export function authHeaders(credentials: Credentials): Record<string, string> {
  return credentials.kind === 'key'
    ? { 'x-api-key': credentials.key }
    : { authorization: `Bearer ${credentials.token}` };
}

const httpsUrl = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? value.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The deployed config, or undefined when `value` is not one (the local runtime has no config.json).
 * Every URL must be https: a config pointing the sign-in or the token anywhere else is refused.
 */
export function parseConfig(value: unknown): DeployedConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { apiUrl, auth } = value as { apiUrl?: unknown; auth?: unknown };
  if (typeof auth !== 'object' || auth === null) return undefined;
  const { domain, clientId, redirectUri } = auth as Record<string, unknown>;
  const api = httpsUrl(apiUrl);
  const login = httpsUrl(domain);
  if (!api || !login || typeof clientId !== 'string' || !/^[\w+]+$/.test(clientId)) return undefined;
  if (typeof redirectUri !== 'string' || !httpsUrl(redirectUri)) return undefined;
  return { apiUrl: api, auth: { domain: login, clientId, redirectUri } };
}

/** Reads `./config.json`: the deployed config, or undefined when it is absent or not a config (local). */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<DeployedConfig | undefined> {
  try {
    const response = await fetchFn('./config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    return parseConfig(await response.json());
  } catch {
    return undefined;
  }
}

/** RFC 4648 §5 base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random string of 32 bytes (43 base64url characters): a PKCE verifier or an OAuth state. */
export const randomToken = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** The PKCE S256 code challenge (RFC 7636 §4.2): base64url(SHA-256(ASCII(verifier))). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** What the page gives the session to keep things in: the tab's sessionStorage. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PENDING = 'precis.signIn';
const TOKEN = 'precis.accessToken';

interface Pending {
  state: string;
  verifier: string;
}
interface StoredToken {
  token: string;
  expiresAt: number;
}

export class SignInError extends Error {}

/**
 * A signed-in admin's session with the Cognito managed login: `signInUrl()` starts the flow (and
 * keeps the verifier and state for this tab), `complete()` takes the redirect back and exchanges the
 * code, `accessToken()` is the token to send while it is valid, `signOutUrl()` ends it.
 */
export class CognitoSession {
  constructor(
    private readonly config: DeployedConfig,
    private readonly storage: KeyValueStore,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** The managed login's authorize URL, for a new verifier and state kept in storage. */
  async signInUrl(): Promise<string> {
    const pending: Pending = { state: randomToken(), verifier: randomToken() };
    this.storage.setItem(PENDING, JSON.stringify(pending));
    const { domain, clientId, redirectUri } = this.config.auth;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid email',
      state: pending.state,
      code_challenge_method: 'S256',
      code_challenge: await pkceChallenge(pending.verifier),
    });
    return `${domain}/oauth2/authorize?${query}`;
  }

  /**
   * If `pageUrl` is the redirect back from the managed login (`?code=…&state=…` or `?error=…`),
   * exchanges the code for tokens and returns true; false when it is not such a redirect. Throws
   * SignInError when the sign-in failed or the state is not the one this tab started with.
   */
  async complete(pageUrl: string): Promise<boolean> {
    const params = new URL(pageUrl).searchParams;
    const error = params.get('error');
    const code = params.get('code');
    if (!error && !code) return false;
    const pending = this.takePending();
    if (error) throw new SignInError(`Sign-in failed: ${params.get('error_description') ?? error}.`);
    if (!pending || params.get('state') !== pending.state) {
      throw new SignInError('Sign-in failed: the answer does not match a sign-in started in this tab.');
    }
    const { domain, clientId, redirectUri } = this.config.auth;
    const response = await this.fetchFn(`${domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: code as string,
        redirect_uri: redirectUri,
        code_verifier: pending.verifier,
      }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new SignInError(`Sign-in failed: the token endpoint answered ${response.status}.`);
    }
    // Only the access token is kept (no refresh token): after it expires, the managed login's own
    // session signs the admin in again with one redirect.
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    const stored: StoredToken = { token: body.access_token, expiresAt: this.now() + lifetime * 1000 };
    this.storage.setItem(TOKEN, JSON.stringify(stored));
    return true;
  }

  /** The access token while it has at least a minute left, else undefined. */
  accessToken(): string | undefined {
    const stored = parseJson<StoredToken>(this.storage.getItem(TOKEN));
    if (!stored || typeof stored.token !== 'string' || typeof stored.expiresAt !== 'number') return undefined;
    return stored.expiresAt - 60_000 > this.now() ? stored.token : undefined;
  }

  /** Forgets the token (e.g. after the API refused it). */
  forget(): void {
    this.storage.removeItem(TOKEN);
  }

  /** Forgets the token and returns the managed login's sign-out URL (which comes back to this page). */
  signOutUrl(): string {
    this.forget();
    const { domain, clientId, redirectUri } = this.config.auth;
    return `${domain}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: redirectUri })}`;
  }

  private takePending(): Pending | undefined {
    const pending = parseJson<Pending>(this.storage.getItem(PENDING));
    this.storage.removeItem(PENDING);
    return pending && typeof pending.state === 'string' && typeof pending.verifier === 'string'
      ? pending
      : undefined;
  }
}

function parseJson<T>(text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
