import * as z from '../zod';
import { meanSatisfaction } from './satisfaction-matrix';

/**
 * A customer's satisfaction, recomputed from their whole survey history on every survey event (a
 * query, never an increment), so replayed or duplicated stream records cannot double count.
 * Scores are on the 1–5 scale the volume × satisfaction matrix reads (`mean`).
 */

export const SCORE_MIN = 1;
export const SCORE_MAX = 5;

export const SatisfactionSchema = z.object({
  /** The score of the most recent answer. */
  latest: z.int().check(z.gte(SCORE_MIN), z.lte(SCORE_MAX)),
  /** Mean of every answer, rounded to 2 decimals. */
  mean: z.number().check(z.gte(SCORE_MIN), z.lte(SCORE_MAX)),
  count: z.int().check(z.positive()),
  lastAnsweredAt: z.iso.datetime(),
});
export type Satisfaction = z.infer<typeof SatisfactionSchema>;

/** One answer as the satisfaction needs it. */
export interface ScoredAnswer {
  surveyId: string;
  answeredAt: string;
  score: number;
}

/**
 * Satisfaction over every answer; undefined when there is none (silence is not a score). One answer
 * per survey id; the latest is the newest by answer time, ties broken by survey id, so the result
 * never depends on the order the answers arrived in.
 */
export function computeSatisfaction(answers: readonly ScoredAnswer[]): Satisfaction | undefined {
  const unique = new Map<string, ScoredAnswer>();
  for (const answer of answers) {
    const seen = unique.get(answer.surveyId);
    if (!seen || compareAnswers(answer, seen) < 0) unique.set(answer.surveyId, answer);
  }
  const timeline = [...unique.values()].sort(compareAnswers);
  const last = timeline[timeline.length - 1];
  if (last === undefined) return undefined;
  return {
    latest: last.score,
    mean: meanSatisfaction(timeline.map((answer) => answer.score)) as number,
    count: timeline.length,
    lastAnsweredAt: new Date(last.answeredAt).toISOString(),
  };
}

function compareAnswers(a: ScoredAnswer, b: ScoredAnswer): number {
  const byTime = Date.parse(a.answeredAt) - Date.parse(b.answeredAt);
  if (byTime !== 0) return byTime;
  if (a.surveyId !== b.surveyId) return a.surveyId < b.surveyId ? -1 : 1;
  return a.score - b.score;
}
