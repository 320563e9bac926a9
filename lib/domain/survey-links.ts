import { SCORE_MAX, SCORE_MIN } from './satisfaction';

// The post-purchase survey answered from the email: a row of signed score links (1–5) and an
// "add a comment" link, each opening the survey page (`GET /survey?token=…`) with that score
// chosen; the page's form posts the answer (`POST /survey`), which is recorded exactly as
// `POST /surveys` records one (record-survey.ts). The token names the customer, the order and the
// score (survey-links use case); this module holds the rules that need no key or clock.

/** How long a survey link works after the email leaves. */
export const SURVEY_LINK_DAYS = 60;

/** The public page the links open. */
export const SURVEY_PATH = '/survey';

/** The scores a link is made for, in the order the email shows them. */
export const SURVEY_SCORES: readonly number[] = Array.from(
  { length: SCORE_MAX - SCORE_MIN + 1 },
  (_, i) => SCORE_MIN + i,
);

const MAX_SURVEY_ID = 100;

/**
 * The survey id of the answer given from an email's links: one per order (`order:<orderId>`), so
 * the same order is answered once whatever link or email it comes from (the same answer again is a
 * duplicate, a different one a conflict: the first stands, as for `POST /surveys` with a reused
 * id). A profile that did not name its last order yet (stored before `lastOrderId` existed) falls
 * back to the email's ledger row (`email:survey#2026-03-07`): one answer per survey email.
 */
export function emailSurveyId(link: { orderId?: string; deliveryKey?: string }): string | undefined {
  if (link.orderId !== undefined) return boundedId('order:', link.orderId);
  if (link.deliveryKey !== undefined) return boundedId('email:', link.deliveryKey);
  return undefined;
}

/** `prefix + value`, kept within the survey id's 100 characters by a digest of an overlong value. */
function boundedId(prefix: string, value: string): string {
  const id = `${prefix}${value}`;
  if (id.length <= MAX_SURVEY_ID) return id;
  return `${prefix}${value.slice(0, 60)}~${fnv1a(value)}`;
}

/** 64-bit FNV-1a as 16 hex digits: a stable digest, not a secret (the value is in the token anyway). */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** What the survey form posted, as text (the page's fields: `token`, `score`, `comment`). */
export interface SurveyForm {
  token?: string;
  score?: string;
  comment?: string;
}

/** The form's fields from a urlencoded body; repeated or unknown fields: the first one counts. */
export function surveyFormInput(fields: Iterable<[string, string]>): SurveyForm {
  const form: SurveyForm = {};
  for (const [key, value] of fields) {
    if ((key === 'token' || key === 'score' || key === 'comment') && form[key] === undefined)
      form[key] = value;
  }
  return form;
}

/**
 * The score the person chose: the form's radio button; when the form has none (a client that
 * posts without it), the score of the link they came from. Text that is not a number is passed on
 * as is, so the survey's own validation names it.
 */
export function chosenScore(form: SurveyForm, linkScore: number | undefined): unknown {
  const typed = form.score?.trim();
  if (typed) return /^-?\d+(\.\d+)?$/.test(typed) ? Number(typed) : typed;
  return linkScore;
}
