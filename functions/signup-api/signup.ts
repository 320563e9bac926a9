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
}

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
  const outcome = await signUp(deps, signup);
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
