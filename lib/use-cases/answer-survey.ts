import { surveySchema } from '../domain/survey';
import { chosenScore, emailSurveyId, type SurveyForm } from '../domain/survey-links';
import { type FieldError, fieldErrors } from '../domain/validation';
import type { Clock } from '../ports/clock';
import type { LinkClaims, LinkSigner } from '../ports/link-signer';
import { verifyLink } from './consent-links';
import { recordSurvey, type SurveyDeps } from './record-survey';

// The survey page behind the links of the post-purchase email (survey-links.ts): `GET /survey`
// shows the form with the link's score chosen and records nothing; `POST /survey` records the
// answer through recordSurvey, the use case of `POST /surveys`, under the order's survey id (one
// answer per order). A bad, expired or foreign token, and a customer who no longer exists or was
// erased, are one `invalid`.

export interface SurveyPageDeps extends SurveyDeps {
  links: LinkSigner;
  clock: Clock;
}

export type OpenSurveyOutcome = { status: 'invalid' } | { status: 'open'; score?: number };

/** The survey page for a link: the score it was for (none for the comment link); nothing recorded. */
export async function openSurvey(
  deps: Pick<SurveyPageDeps, 'customers' | 'links' | 'clock'>,
  token: string | undefined,
): Promise<OpenSurveyOutcome> {
  const claims = await surveyClaims(deps, token);
  if (!claims) return { status: 'invalid' };
  return { status: 'open', ...(claims.score !== undefined && { score: claims.score }) };
}

export type AnswerSurveyOutcome =
  | { status: 'invalid' }
  /** Nothing stored; `fields` name what to fix (`score`, `comment`). */
  | { status: 'rejected'; fields: FieldError[] }
  /** `duplicate`: the same answer was already recorded (a reload, a second click). */
  | { status: 'recorded' | 'duplicate'; score: number }
  /** The order was already answered differently: the first answer stands. */
  | { status: 'already_answered' };

/** Records the answer posted from the survey page, once per order. */
export async function answerSurvey(deps: SurveyPageDeps, form: SurveyForm): Promise<AnswerSurveyOutcome> {
  const claims = await surveyClaims(deps, form.token);
  const surveyId = claims && emailSurveyId(claims);
  if (!claims || surveyId === undefined) return { status: 'invalid' };
  const parsed = surveySchema({ now: deps.clock.now().toISOString() }).safeParse({
    customer: { customerId: claims.customerId },
    score: chosenScore(form, claims.score),
    ...(claims.orderId !== undefined && { orderId: claims.orderId }),
    ...(form.comment !== undefined && { comment: form.comment }),
    surveyId,
  });
  if (!parsed.success) return { status: 'rejected', fields: fieldErrors(parsed.error) };
  const outcome = await recordSurvey(deps, parsed.data);
  switch (outcome.status) {
    case 'unknown_customer':
      return { status: 'invalid' };
    case 'conflict':
      return { status: 'already_answered' };
    default:
      return { status: outcome.status, score: parsed.data.score };
  }
}

/** The claims of a valid survey token whose customer exists and was not erased. */
async function surveyClaims(
  deps: Pick<SurveyPageDeps, 'customers' | 'links' | 'clock'>,
  token: string | undefined,
): Promise<LinkClaims | undefined> {
  const claims = verifyLink(deps, token, 'survey');
  if (!claims) return undefined;
  const customer = await deps.customers.get(claims.customerId);
  return customer && customer.erasedAt === undefined ? claims : undefined;
}
