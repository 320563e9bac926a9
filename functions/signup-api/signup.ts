import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { VERIFY_TOKEN_HOURS } from '../../lib/domain/phone-verification';
import { formFieldsToSignupInput, signupSchema } from '../../lib/domain/signup';
import { parseOrThrow } from '../../lib/domain/validation';
import type { LinkSigner } from '../../lib/ports/link-signer';
import { type SignUpDeps, signUpCustomer } from '../../lib/use-cases/sign-up';
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

/**
 * What a signup with SMS ticked adds to the answer: where to type the code texted to the number
 * (`POST /verify-phone` with this token). Given to every such signup alike — new, known, a number
 * that gets no code, a bot (a token naming nobody) — so it says nothing about who is registered.
 */
export const SMS_VERIFICATION_MESSAGE =
  'Thank you. If you asked for email, please confirm your address from the message we send. ' +
  'If you asked for text messages, type the code we text you on the verification page.';

export interface SignupHandlerDeps extends SignUpDeps {
  /** Signs the verification page's token; without it the answer carries none. */
  links?: LinkSigner;
}

export async function handleSignup(
  event: APIGatewayProxyEventV2,
  deps: SignupHandlerDeps,
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
  const { outcome, customerId } = await signUpCustomer(deps, signup);
  const left = arrived + settings.answerFloorMs - Date.now();
  if (left > 0) await (settings.sleep ?? pause)(left);
  logger.info('signup handled', { outcome, source: signup.source, channels: signup.consent });
  if (metrics && outcome !== 'ignored_bot') {
    count(metrics, METRIC.signups);
    count(metrics, outcome === 'created' ? METRIC.newSignups : METRIC.repeatSignups);
  }
  const verifyToken =
    deps.links && signup.consent.sms && signup.phone !== undefined
      ? deps.links.sign(
          { purpose: 'verify-phone', customerId: customerId ?? `cus_${randomUUID()}`, channel: 'sms' },
          new Date(deps.clock.now().getTime() + VERIFY_TOKEN_HOURS * 3_600_000),
        )
      : undefined;
  if (body.kind === 'form') {
    // A plain HTML form that asked for texts goes on to the code form (relative: the API's own page).
    const location = verifyToken
      ? `/verify-phone?${new URLSearchParams({ token: verifyToken })}`
      : settings.thankYouUrl;
    return { statusCode: 303, headers: { location }, body: '' };
  }
  return json(
    202,
    verifyToken
      ? { ...SIGNUP_ACCEPTED, message: SMS_VERIFICATION_MESSAGE, verifyPhone: { token: verifyToken } }
      : SIGNUP_ACCEPTED,
  );
}

/** `POST /signups` with the shared HTTP stack around it. */
export const signupHandler = (
  deps: SignupHandlerDeps,
  settings: SignupSettings,
  logger: Logger,
  metrics?: Metrics,
): HttpHandler =>
  httpHandler(logger, (event) => handleSignup(event, deps, settings, logger, metrics), metrics);
