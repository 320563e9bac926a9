import { expect } from 'vitest';
import type { SmsMessage } from '../../lib/local/sms-sink';
import type { TestRuntime } from './runtime';

// Phone verification on the local runtime: the code texted to a number (read back from the SMS
// sink), typed back through POST /verify-phone with the token the signup answered with.

/** A verification code text (phone-verification.ts: "123456 is your … verification code …"). */
export const codeIn = (message: SmsMessage): string | undefined =>
  /^(\d{6}) is your .* verification code/.exec(message.message)?.[1];

/** The code texts to `phone`, oldest first. */
export const codeTexts = (runtime: TestRuntime, phone: string): SmsMessage[] =>
  runtime.smsMessages().filter((m) => m.phoneNumber === phone && codeIn(m) !== undefined);

/** Every other text to `phone` (campaign messages). */
export const campaignTexts = (runtime: TestRuntime, phone: string): SmsMessage[] =>
  runtime.smsMessages().filter((m) => m.phoneNumber === phone && codeIn(m) === undefined);

/** Types back the newest code texted to `phone`; the runtime settled before and after. */
export async function verifyPhone(runtime: TestRuntime, token: string, phone: string): Promise<void> {
  await runtime.settled();
  const code = codeIn(codeTexts(runtime, phone).at(-1) as SmsMessage);
  expect(code).toMatch(/^\d{6}$/);
  const response = await fetch(`${runtime.url}/verify-phone`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, code }),
  });
  expect(response.status).toBe(200);
  await runtime.settled();
}

/** The verification page's token from a signup's JSON answer. */
export const verifyTokenOf = (answer: unknown): string => {
  const token = (answer as { verifyPhone?: { token?: string } }).verifyPhone?.token;
  if (!token) throw new Error('the signup answer carries no verification token');
  return token;
};
