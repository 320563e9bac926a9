import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { formFieldsToSignupInput, signupSchema } from '../../lib/domain/signup';
import { parseOrThrow } from '../../lib/domain/validation';
import { type SignUpDeps, signUp } from '../../lib/use-cases/sign-up';
import { type HttpHandler, type HttpResult, httpHandler, json, parseJson, readBody } from '../shared/http';
import { count, METRIC, type Metrics } from '../shared/metrics';

export interface SignupSettings {
  defaultTimeZone: string;
  defaultLocale: string;
  thankYouUrl: string;
  /** Countries whose mobile numbers may be given SMS consent (config `sms.allowedCountries`). */
  smsCountries: readonly string[];
  /** No accepted signup is answered sooner than this after it arrived (ms); see SIGNUP_ANSWER_FLOOR_MS. */
  answerFloorMs: number;
  /** Waits (injected so tests need no real time); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The time floor of an accepted signup's answer. A new address costs a little more work than a
 * known one (the look-ups miss under every identity key, a suppression look-up, a three-item
 * transaction): a few milliseconds at the median and more at the tail, enough for someone posting
 * many addresses to tell who is registered. Answering every accepted signup no sooner than this
 * after it arrived hides that difference (measured p95 of either cohort, idle: ~110 ms locally),
 * at the price of a fraction of a second of one Lambda per signup. Errors (400) need no floor:
 * they are decided before anyone is looked up.
 */
export const SIGNUP_ANSWER_FLOOR_MS = 250;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The one answer to every accepted signup: it never says whether the person was already known. */
export const SIGNUP_ACCEPTED = {
  status: 'accepted',
  message: 'Thank you. If you asked for email, please confirm your address from the message we send.',
} as const;

export async function handleSignup(
  event: APIGatewayProxyEventV2,
  deps: SignUpDeps,
  settings: SignupSettings,
  logger: Logger,
  metrics?: Metrics,
): Promise<HttpResult> {
  const body = readBody(event, ['json', 'form']);
  const input =
    body.kind === 'json' ? parseJson(body.text) : formFieldsToSignupInput(new URLSearchParams(body.text));
  const today = deps.clock.now().toISOString().slice(0, 10);
  const signup = parseOrThrow(
    signupSchema({
      timeZone: settings.defaultTimeZone,
      locale: settings.defaultLocale,
      today,
      smsCountries: settings.smsCountries,
    }),
    input,
  );
  const arrived = Date.now();
  const outcome = await signUp(deps, signup);
  const left = arrived + settings.answerFloorMs - Date.now();
  if (left > 0) await (settings.sleep ?? pause)(left);
  logger.info('signup handled', { outcome, source: signup.source, channels: signup.consent });
  if (metrics && outcome !== 'ignored_bot') {
    count(metrics, METRIC.signups);
    count(metrics, outcome === 'created' ? METRIC.newSignups : METRIC.repeatSignups);
  }
  return body.kind === 'form'
    ? { statusCode: 303, headers: { location: settings.thankYouUrl }, body: '' }
    : json(202, SIGNUP_ACCEPTED);
}

/** `POST /signups` with the shared HTTP stack around it. */
export const signupHandler = (
  deps: SignUpDeps,
  settings: SignupSettings,
  logger: Logger,
  metrics?: Metrics,
): HttpHandler =>
  httpHandler(logger, (event) => handleSignup(event, deps, settings, logger, metrics), metrics);
