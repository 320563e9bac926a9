import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeSatisfaction } from '../../../lib/domain/satisfaction';
import { satisfactionLevel } from '../../../lib/domain/satisfaction-matrix';

const answer = (surveyId: string, answeredAt: string, score: number) => ({ surveyId, answeredAt, score });

describe('satisfaction from the whole survey history', () => {
  it('is unknown before the first answer (silence is not a score)', () => {
    expect(computeSatisfaction([])).toBeUndefined();
  });

  it('keeps the latest score, the mean to 2 decimals, the count and the last answer time', () => {
    expect(
      computeSatisfaction([
        answer('s1', '2026-03-01T09:00:00Z', 5),
        answer('s3', '2026-11-20T12:00:00+01:00', 2),
        answer('s2', '2026-06-01T09:00:00Z', 4),
      ]),
    ).toEqual({ latest: 2, mean: 3.67, count: 3, lastAnsweredAt: '2026-11-20T11:00:00.000Z' });
  });

  it('counts a replayed or duplicated answer once', () => {
    const once = [answer('s1', '2026-03-01T09:00:00Z', 5), answer('s2', '2026-06-01T09:00:00Z', 1)];
    expect(computeSatisfaction([...once, ...once, once[0]!])).toEqual(computeSatisfaction(once));
  });

  it('does not depend on the order answers arrive in (property)', () => {
    const answers = fc.array(
      fc.record({
        surveyId: fc.string({ minLength: 1, maxLength: 4 }),
        answeredAt: fc
          .date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2030-01-01') })
          .map((d) => d.toISOString()),
        score: fc.integer({ min: 1, max: 5 }),
      }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(answers, (list) => {
        const forward = computeSatisfaction(list);
        expect(computeSatisfaction([...list].reverse())).toEqual(forward);
        expect(forward!.mean).toBeGreaterThanOrEqual(1);
        expect(forward!.mean).toBeLessThanOrEqual(5);
      }),
    );
  });

  it('feeds the volume × satisfaction matrix: a mean of 3.67 is medium', () => {
    const satisfaction = computeSatisfaction([
      answer('s1', '2026-03-01T09:00:00Z', 5),
      answer('s2', '2026-06-01T09:00:00Z', 4),
      answer('s3', '2026-11-20T09:00:00Z', 2),
    ]);
    expect(satisfactionLevel(satisfaction?.mean)).toBe('medium');
  });
});
