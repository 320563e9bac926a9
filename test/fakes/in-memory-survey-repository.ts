import type { RecordSurveyOutcome, StoredSurvey, SurveyRepository } from '../../lib/ports/survey-repository';

/** The SurveyRepository contract in memory (fingerprints kept as given; DynamoDB stores their hash). */
export class InMemorySurveyRepository implements SurveyRepository {
  /** Claims by `customerId|surveyId`; a claim loses its fingerprint when the person is erased. */
  readonly claims = new Map<string, { answeredAt: string; fingerprint?: string }>();
  /** Answers by `customerId|answeredAt#surveyId`. */
  readonly answers = new Map<string, StoredSurvey>();

  async record(survey: StoredSurvey, fingerprint: string): Promise<RecordSurveyOutcome> {
    const claimKey = `${survey.customerId}|${survey.surveyId}`;
    const claim = this.claims.get(claimKey);
    if (claim) {
      return claim.fingerprint === undefined || claim.fingerprint === fingerprint
        ? { status: 'duplicate', answeredAt: claim.answeredAt }
        : { status: 'conflict' };
    }
    this.claims.set(claimKey, { answeredAt: survey.answeredAt, fingerprint });
    this.answers.set(`${survey.customerId}|${survey.answeredAt}#${survey.surveyId}`, structuredClone(survey));
    return { status: 'recorded' };
  }

  async history(customerId: string): Promise<StoredSurvey[]> {
    return [...this.answers.entries()]
      .filter(([, survey]) => survey.customerId === customerId)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, survey]) => structuredClone(survey));
  }

  async eraseComments(customerId: string): Promise<number> {
    let erased = 0;
    for (const survey of this.answers.values()) {
      if (survey.customerId !== customerId || survey.comment === undefined) continue;
      delete survey.comment;
      erased++;
    }
    for (const [key, claim] of this.claims) {
      if (key.startsWith(`${customerId}|`)) delete claim.fingerprint;
    }
    return erased;
  }
}
