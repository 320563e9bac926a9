import { type SurveyAnswer, surveyFingerprint } from '../domain/survey';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { StoredSurvey, SurveyRepository } from '../ports/survey-repository';

export interface SurveyDeps {
  customers: CustomerRepository;
  surveys: SurveyRepository;
  clock: Clock;
  /** For answers sent without their own survey id. */
  newSurveyId: () => string;
}

export type RecordSurveyResult =
  | { status: 'recorded' | 'duplicate'; surveyId: string; customerId: string }
  | { status: 'conflict'; surveyId: string }
  /** Surveys never create customers; `field` names what found nobody. */
  | { status: 'unknown_customer'; field: 'customerId' | 'email' };

/**
 * Stores a survey answer once, whatever the retries: the survey id is claimed with the answer's
 * fingerprint, so the same answer twice is one answer and a reused id for a different answer is a
 * conflict (the first one stands). The satisfaction follows from the Surveys stream. An erased
 * person's address finds nobody; a late answer to an erased record by id still counts, anonymously,
 * without its comment.
 */
export async function recordSurvey(deps: SurveyDeps, answer: SurveyAnswer): Promise<RecordSurveyResult> {
  const byId = 'customerId' in answer.customer;
  const customer =
    'customerId' in answer.customer
      ? await deps.customers.get(answer.customer.customerId)
      : await deps.customers.findByIdentity('email', answer.customer.email);
  if (!customer) return { status: 'unknown_customer', field: byId ? 'customerId' : 'email' };

  const surveyId = answer.surveyId ?? deps.newSurveyId();
  const survey: StoredSurvey = {
    customerId: customer.customerId,
    surveyId,
    answeredAt: answer.answeredAt,
    score: answer.score,
    ...(answer.orderId !== undefined && { orderId: answer.orderId }),
    ...(answer.comment !== undefined && customer.erasedAt === undefined && { comment: answer.comment }),
    receivedAt: deps.clock.now().toISOString(),
  };
  const outcome = await deps.surveys.record(survey, surveyFingerprint(survey));
  if (outcome.status === 'conflict') return { status: 'conflict', surveyId };
  return { status: outcome.status, surveyId, customerId: customer.customerId };
}
