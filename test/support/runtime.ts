import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { HmacIdentityKeys } from '../../lib/adapters/crypto/hmac-identity-keys';
import { type LocalRuntime, type StartLocalRuntimeOptions, startLocalRuntime } from '../../lib/local/runtime';
import type { CfnTemplate } from '../../lib/local/template';
import { fixtureTemplates } from '../fixtures/local/templates';

export const TEST_ADMIN_KEY = 'test-admin-key';
/** The pseudonym key the test runtimes use, so a test can find an address's Identities item. */
export const TEST_IDENTITY_KEY = 'test-identity-key-0123456789';
export const testIdentityKeys = new HmacIdentityKeys([TEST_IDENTITY_KEY]);

/** Runtime env for suites that read the functions' log lines (e.g. to check they hold no PII). */
export const LOG_EVERYTHING = { POWERTOOLS_LOG_LEVEL: 'INFO' };

let suites = 0;

/** A table prefix unique to this suite (tables of all suites live in the run's one DynamoDB Local). */
export const uniquePrefix = (): string => `t${randomBytes(3).toString('hex')}${++suites}_`;

/**
 * Starts the local runtime against the test run's DynamoDB Local and SES emulator, with its own
 * table prefix and random ports. Call `stop()` in afterAll. Defaults to the fixture templates;
 * pass the real ones (e.g. synthTemplates()) for end-to-end tests.
 */
export const startTestRuntime = async (
  templates: Record<string, CfnTemplate> = fixtureTemplates(),
  options: Partial<Omit<StartLocalRuntimeOptions, 'templates'>> = {},
): Promise<TestRuntime> => {
  // Runtime log lines are kept for assertions instead of cluttering the test output.
  const logs: string[] = [];
  const runtime = await startLocalRuntime({
    templates,
    dynamoEndpoint: inject('dynamoEndpoint'),
    sesEndpoint: inject('sesEndpoint'),
    tablePrefix: uniquePrefix(),
    adminKey: TEST_ADMIN_KEY,
    port: 0,
    localAwsPort: 0,
    runSchedules: false,
    log: (line) => logs.push(line),
    ...options,
    secrets: { IdentityKey: TEST_IDENTITY_KEY, ...options.secrets },
    // The functions' own INFO lines (Powertools writes them straight to stdout) would drown the
    // test output; warnings and errors still show.
    // No answer floor on signups (functions/signup-api/signup.ts): the tests assert what is stored
    // and sent, not timing, and hundreds of signups would each wait a quarter of a second.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', SIGNUP_ANSWER_FLOOR_MS: '0', ...options.env },
  });
  return Object.assign(runtime, { logs });
};

export type TestRuntime = LocalRuntime & { logs: string[] };

/** Signs someone up through the public route (202 expected) and returns the customer id found by email. */
export async function signUpThroughApi(
  runtime: Pick<LocalRuntime, 'url'>,
  signup: { email: string } & Record<string, unknown>,
): Promise<string> {
  const answer = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signup),
  });
  if (answer.status !== 202) throw new Error(`POST /signups answered ${answer.status}`);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(signup.email)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}
