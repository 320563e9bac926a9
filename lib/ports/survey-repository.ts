/** A stored survey answer; the comment is gone once the person's data was erased. */
export interface StoredSurvey {
  customerId: string;
  surveyId: string;
  answeredAt: string;
  score: number;
  orderId?: string;
  comment?: string;
  /** When we received it. */
  receivedAt: string;
}

export type RecordSurveyOutcome =
  | { status: 'recorded' }
  /** The survey id was already used for this answer: the first one stands, with its answer time. */
  | { status: 'duplicate'; answeredAt: string }
  | { status: 'conflict' };

/** Survey answers, one customer's history in one query, idempotent on (customer, survey id). */
export interface SurveyRepository {
  /**
   * Stores the answer unless its survey id is already claimed for this customer: the same content
   * again is a `duplicate`, different content a `conflict`. Claim and answer are written together.
   */
  record(survey: StoredSurvey, fingerprint: string): Promise<RecordSurveyOutcome>;
  /** Every answer of one customer, oldest first. */
  history(customerId: string): Promise<StoredSurvey[]>;
  /**
   * Deletes the free-text comments of every answer of the customer (scores are kept) and anything
   * derived from them; returns how many answers lost a comment. Idempotent.
   */
  eraseComments(customerId: string): Promise<number>;
}
