import { describe, expect, it } from 'vitest';
import {
  computeVolumeThresholds,
  MATRIX_STRATEGIES,
  MATRIX_STRATEGY_LABELS,
  meanSatisfaction,
  placeInMatrix,
  SATISFACTION_MATRIX,
  satisfactionLevel,
  VolumeThresholdsSchema,
  volumeLevel,
} from '../../../lib/domain/satisfaction-matrix';

// Spend up to 300 is low volume, up to 500 medium, above 500 high.
const thresholds = { mediumAbove: 300, highAbove: 500 };

describe('placeInMatrix', () => {
  it.each([
    ['big spender who loves us', 800, 4.5, 'high', 'high', 'one-to-one'],
    ['big spender, lukewarm', 800, 3.2, 'high', 'medium', 'one-to-one'],
    ['big spender, unhappy', 800, 2, 'high', 'low', 'correct'],
    ['regular, happy', 400, 5, 'medium', 'high', 'retailer-partner'],
    ['regular, lukewarm', 400, 3, 'medium', 'medium', 'retailer-partner'],
    ['regular, unhappy', 400, 1.5, 'medium', 'low', 'correct'],
    ['small buyer, happy', 100, 4, 'low', 'high', 'one-to-many'],
    ['small buyer, lukewarm', 100, 3.99, 'low', 'medium', 'improve'],
    ['small buyer, unhappy', 100, 2.99, 'low', 'low', 'improve'],
  ] as const)(
    '%s (spend %d, score %d) → %s volume × %s satisfaction: %s',
    (_, spend, score, volume, satisfaction, strategy) => {
      expect(placeInMatrix({ purchaseVolume: spend, satisfactionScore: score }, thresholds)).toEqual({
        volume,
        satisfaction,
        cell: { volume, satisfaction, strategy },
      });
    },
  );

  it('a customer who never answered a survey is unknown, never low, and gets no cell', () => {
    for (const satisfactionScore of [null, undefined]) {
      expect(placeInMatrix({ purchaseVolume: 800, satisfactionScore }, thresholds)).toEqual({
        volume: 'high',
        satisfaction: 'unknown',
        cell: null,
        reason: 'no_survey_answer',
      });
    }
  });

  it('uses all five strategies, each with its label from the source material', () => {
    const used = new Set(Object.values(SATISFACTION_MATRIX).flatMap((row) => Object.values(row)));
    expect([...used].sort()).toEqual([...MATRIX_STRATEGIES].sort());
    expect(MATRIX_STRATEGY_LABELS['retailer-partner']).toBe('retailer × partner');
  });
});

describe('satisfactionLevel', () => {
  it.each([
    [5, 'high'],
    [4, 'high'],
    [3.99, 'medium'],
    [3, 'medium'],
    [2.99, 'low'],
    [1, 'low'],
    [null, 'unknown'],
  ] as const)('mean score %s → %s', (score, level) => {
    expect(satisfactionLevel(score)).toBe(level);
  });

  it('treats NaN as a bug, not as an answer', () => {
    expect(() => satisfactionLevel(Number.NaN)).toThrow(RangeError);
  });

  it('averages the answers, and has none without answers', () => {
    expect(meanSatisfaction([5, 4, 4])).toBe(4.33);
    expect(meanSatisfaction([])).toBeNull();
  });
});

describe('volume thresholds', () => {
  it('cuts buyers at the terciles of spend, ignoring customers who spent nothing', () => {
    const spends = [0, 0, 0, 100, 200, 300, 400, 500, 600, 700];
    expect(computeVolumeThresholds(spends)).toEqual({ mediumAbove: 300, highAbove: 500 });
  });

  it('keeps a customer on the cut in the lower level, and zero spend is low', () => {
    expect(volumeLevel(300, thresholds)).toBe('low');
    expect(volumeLevel(300.01, thresholds)).toBe('medium');
    expect(volumeLevel(500, thresholds)).toBe('medium');
    expect(volumeLevel(501, thresholds)).toBe('high');
    expect(volumeLevel(0, { mediumAbove: 0, highAbove: 0 })).toBe('low');
  });

  it('has no terciles for fewer than three buyers', () => {
    expect(computeVolumeThresholds([0, 50, 80])).toBeNull();
  });

  it('rejects configured thresholds in the wrong order, naming the field', () => {
    const result = VolumeThresholdsSchema.safeParse({ mediumAbove: 500, highAbove: 300 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['highAbove']);
  });
});
