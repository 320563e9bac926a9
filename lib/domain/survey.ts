import * as z from '../zod';
import { emailSchema } from './email-address';
import { SCORE_MAX, SCORE_MIN } from './satisfaction';
import { pastInstantSchema } from './validation';

/**
 * A satisfaction survey answer as a survey tool or shop sends it (`POST /surveys`), validated and
 * normalised. Surveys never create customers: the person must already be known by id or email.
 */

export const MAX_COMMENT_CHARS = 1000;
/** Clock skew tolerated on `answeredAt` between the survey tool and us. */
export const ANSWERED_AT_SKEW_MS = 5 * 60_000;

const ID = /^[\w.:#/-]+$/;
// Line breaks and tabs are how people write in a text box; every other control character is refused.
const COMMENT = /^[^\p{Cc}]*$/u;

const id = z
  .string({ error: 'must be text' })
  .check(
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(100, 'must be at most 100 characters'),
    z.regex(ID, 'may hold letters, digits and . : # / _ - only'),
  );

export interface SurveyRules {
  /** Now, as an ISO instant: the default answer time, and answers may not be dated after it. */
  now: string;
}

export function surveySchema(rules: SurveyRules) {
  const latest = Date.parse(rules.now) + ANSWERED_AT_SKEW_MS;
  return z.pipe(
    z.strictObject({
      customer: z
        .strictObject(
          { customerId: z.optional(id), email: z.optional(emailSchema) },
          { error: 'must be { "customerId": … } or { "email": … }' },
        )
        .check(
          z.refine((c) => (c.customerId === undefined) !== (c.email === undefined), {
            message: 'give exactly one of customerId or email',
          }),
        ),
      score: z
        .int({ error: `must be a whole number from ${SCORE_MIN} to ${SCORE_MAX}` })
        .check(
          z.gte(SCORE_MIN, `must be a whole number from ${SCORE_MIN} to ${SCORE_MAX}`),
          z.lte(SCORE_MAX, `must be a whole number from ${SCORE_MIN} to ${SCORE_MAX}`),
        ),
      orderId: z.optional(id),
      comment: z.optional(
        z.pipe(
          z.pipe(
            z.string({ error: 'must be text' }),
            z.transform((text) => text.replace(/\r\n?/g, '\n').trim()),
          ),
          z.string().check(
            z.maxLength(MAX_COMMENT_CHARS, `must be at most ${MAX_COMMENT_CHARS} characters`),
            z.refine(
              (text) => COMMENT.test(text.replace(/[\n\t]/g, ' ')),
              'must not contain control characters',
            ),
          ),
        ),
      ),
      answeredAt: z.optional(pastInstantSchema(latest)),
      surveyId: z.optional(id),
    }),
    z.transform(
      (input): SurveyAnswer => ({
        customer: input.customer as SurveyAnswer['customer'],
        score: input.score,
        ...(input.orderId !== undefined && { orderId: input.orderId }),
        // An empty text box is no comment.
        ...(input.comment && { comment: input.comment }),
        answeredAt: new Date(input.answeredAt ?? rules.now).toISOString(),
        ...(input.surveyId !== undefined && { surveyId: input.surveyId }),
      }),
    ),
  );
}

/** A validated answer: `answeredAt` in UTC (defaulted to now), an empty comment dropped. */
export interface SurveyAnswer {
  customer: { customerId: string } | { email: string };
  score: number;
  orderId?: string;
  comment?: string;
  answeredAt: string;
  /** The sender's id for this answer: the same id twice stores one answer. */
  surveyId?: string;
}

/**
 * The answer's content in a canonical form: the same answer sent twice has the same fingerprint; a
 * survey id reused for a different answer does not (→ 409, the first one stands). The answer time is
 * left out: a retry that relies on the default "now" is still the same answer.
 */
export function surveyFingerprint(answer: {
  surveyId: string;
  customerId: string;
  score: number;
  orderId?: string;
  comment?: string;
}): string {
  return JSON.stringify([
    answer.surveyId,
    answer.customerId,
    answer.score,
    answer.orderId ?? null,
    answer.comment ?? null,
  ]);
}
