import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateRule,
  matchRuleSegments,
  type Rule,
  RuleSchema,
  RuleSegmentSchema,
  RuleSegmentsSchema,
  segmentChanges,
} from '../../../lib/domain/rule-segments';

const catLoverAlive = {
  all: [
    { field: 'interests', op: 'contains', value: 'cat-food' },
    { field: 'ltv.pAlive', op: 'gt', value: 0.6 },
  ],
};

const hana = {
  customerId: 'c-1',
  locale: 'ja-JP',
  interests: ['cat-food', 'toys'],
  metrics: { orderCount: 3, totalSpend: 1250.5, lastOrderAt: '2024-05-01T10:00:00.000Z', firstOrderAt: null },
  ltv: { pAlive: 0.72 },
  segments: { rfm: 'At Risk', lifecycle: 'at_risk' },
  consent: { email: true, sms: false },
};

describe('evaluateRule: "interested in cat food AND P(alive) > 0.6"', () => {
  const rule = RuleSchema.parse(catLoverAlive);

  it.each([
    ['a cat lover the model thinks is still buying', { interests: ['cat-food'], ltv: { pAlive: 0.8 } }, true],
    ['a cat lover at exactly 0.6 (not more than)', { interests: ['cat-food'], ltv: { pAlive: 0.6 } }, false],
    ['a cat lover who has probably left', { interests: ['cat-food', 'toys'], ltv: { pAlive: 0.3 } }, false],
    ['a cat lover with no model score yet', { interests: ['cat-food'] }, false],
    ['a dog lover who is very much alive', { interests: ['dog-food'], ltv: { pAlive: 0.95 } }, false],
    ['a customer with no interests recorded', { ltv: { pAlive: 0.95 } }, false],
  ])('%s → %s', (_, profile, expected) => {
    expect(evaluateRule(rule, profile)).toBe(expected);
  });
});

describe('evaluateRule operators', () => {
  it.each<[string, Rule, boolean]>([
    ['eq on an RFM segment', { field: 'segments.rfm', op: 'eq', value: 'At Risk' }, true],
    ['eq, different value', { field: 'segments.rfm', op: 'eq', value: 'Lost' }, false],
    ['eq is strict: "3" is not 3', { field: 'metrics.orderCount', op: 'eq', value: '3' }, false],
    ['eq on a boolean', { field: 'consent.email', op: 'eq', value: true }, true],
    ['ne', { field: 'segments.rfm', op: 'ne', value: 'Lost' }, true],
    ['ne on a missing field is false', { field: 'segments.valueTier', op: 'ne', value: 'vip' }, false],
    ['gt', { field: 'metrics.totalSpend', op: 'gt', value: 1000 }, true],
    ['gt at the value', { field: 'metrics.totalSpend', op: 'gt', value: 1250.5 }, false],
    ['gte at the value', { field: 'metrics.totalSpend', op: 'gte', value: 1250.5 }, true],
    ['lt', { field: 'metrics.totalSpend', op: 'lt', value: 1000 }, false],
    ['lte at the value', { field: 'metrics.orderCount', op: 'lte', value: 3 }, true],
    [
      'lt a date: last order before June',
      { field: 'metrics.lastOrderAt', op: 'lt', value: '2024-06-01' },
      true,
    ],
    [
      'instants compare as time, not text: 19:00+09:00 is 10:00Z',
      { field: 'metrics.lastOrderAt', op: 'gte', value: '2024-05-01T19:00:00+09:00' },
      true,
    ],
    [
      'and the same instant is not after itself',
      { field: 'metrics.lastOrderAt', op: 'gt', value: '2024-05-01T19:00:00+09:00' },
      false,
    ],
    [
      'a number compared with a date field is false',
      { field: 'metrics.lastOrderAt', op: 'gt', value: 5 },
      false,
    ],
    ['a text field compared with a number is false', { field: 'locale', op: 'gt', value: 5 }, false],
    ['in', { field: 'locale', op: 'in', value: ['ja-JP', 'en-US'] }, true],
    ['in, not listed', { field: 'segments.rfm', op: 'in', value: ['Champions', 'Loyal'] }, false],
    ['in on tags: any tag listed', { field: 'interests', op: 'in', value: ['dog-food', 'toys'] }, true],
    ['contains a tag', { field: 'interests', op: 'contains', value: 'cat-food' }, true],
    ['contains a tag the customer lacks', { field: 'interests', op: 'contains', value: 'dog-food' }, false],
    ['contains is for arrays, not text', { field: 'locale', op: 'contains', value: 'ja' }, false],
    ['exists', { field: 'ltv.pAlive', op: 'exists' }, true],
    ['exists: null counts as missing', { field: 'metrics.firstOrderAt', op: 'exists' }, false],
    ['exists: missing parent', { field: 'survey.score', op: 'exists' }, false],
    ['exists false on a missing field', { field: 'survey.score', op: 'exists', value: false }, true],
    ['no inherited properties', { field: 'constructor', op: 'exists' }, false],
    ['no inherited properties below the top', { field: 'metrics.toString', op: 'exists' }, false],
    [
      'not: not interested in dog food',
      { not: { field: 'interests', op: 'contains', value: 'dog-food' } },
      true,
    ],
    ['not over a missing field is true', { not: { field: 'survey.score', op: 'lt', value: 3 } }, true],
    [
      'any',
      {
        any: [
          { field: 'segments.rfm', op: 'eq', value: 'Champions' },
          { field: 'segments.lifecycle', op: 'eq', value: 'at_risk' },
        ],
      },
      true,
    ],
    [
      'all fails on one false',
      {
        all: [
          { field: 'consent.email', op: 'eq', value: true },
          { field: 'consent.sms', op: 'eq', value: true },
        ],
      },
      false,
    ],
  ])('%s → %s', (_, rule, expected) => {
    expect(evaluateRule(RuleSchema.parse(rule), hana)).toBe(expected);
  });

  it('a profile that is not an object matches nothing but "does not exist"', () => {
    for (const profile of [null, undefined, 'hana', 42, ['cat-food']]) {
      expect(evaluateRule({ field: 'interests', op: 'contains', value: 'cat-food' }, profile)).toBe(false);
      expect(evaluateRule({ field: 'interests', op: 'exists', value: false }, profile)).toBe(true);
    }
  });
});

describe('RuleSchema validation', () => {
  it.each<[string, unknown, (string | number)[], RegExp]>([
    [
      'unknown operator',
      { all: [{ field: 'a', op: 'between', value: 1 }] },
      ['all', 0, 'op'],
      /Expected 'eq'/,
    ],
    [
      'gt with text',
      { any: [{ field: 'a', op: 'gt', value: 'lots' }] },
      ['any', 0, 'value'],
      /number or an ISO date/,
    ],
    ['in with a single value', { field: 'a', op: 'in', value: 'ja-JP' }, ['value'], /expected array/],
    ['in with an empty list', { field: 'a', op: 'in', value: [] }, ['value'], /at least one value/],
    [
      'eq with a list',
      { not: { field: 'a', op: 'eq', value: ['x'] } },
      ['not', 'value'],
      /string, number or boolean/,
    ],
    ['eq with null', { field: 'a', op: 'eq', value: null }, ['value'], /string, number or boolean/],
    [
      'contains with a list',
      { field: 'a', op: 'contains', value: ['x'] },
      ['value'],
      /string, number or boolean/,
    ],
    ['exists with a string', { field: 'a', op: 'exists', value: 'yes' }, ['value'], /expected boolean/],
    ['empty all', { all: [] }, ['all'], /at least one rule/],
    [
      'empty any, nested',
      { all: [{ field: 'a', op: 'exists' }, { any: [] }] },
      ['all', 1, 'any'],
      /at least one rule/,
    ],
    ['a field that is not a path', { field: 'metrics..totalSpend', op: 'exists' }, ['field'], /dotted path/],
    ['a missing field', { op: 'exists' }, ['field'], /expected string/],
    ['a stray key', { all: [{ field: 'a', op: 'exists', vaule: true }] }, ['all', 0], /Unrecognized key/],
    [
      'all mixed with a condition',
      { all: [{ field: 'a', op: 'exists' }], field: 'b' },
      [],
      /Unrecognized key/,
    ],
    ['not a rule at all', { any: ['cat-food'] }, ['any', 0], /expected object/],
  ])('%s is rejected at %j', (_, input, path, message) => {
    const result = RuleSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
  });

  it('reports the path from the segment down, as a config loader would show it', () => {
    const result = RuleSegmentsSchema.safeParse([
      { id: 'cat-lovers', name: 'Cat lovers', rule: catLoverAlive },
      {
        id: 'big-spenders',
        name: 'Big spenders',
        rule: { all: [{ field: 'metrics.totalSpend', op: 'gt', value: '1k' }] },
      },
    ]);
    expect(result.error?.issues.map((i) => i.path)).toEqual([[1, 'rule', 'all', 0, 'value']]);
  });

  it('accepts a segment list from JSON and rejects a duplicate id', () => {
    const json = `[{ "id": "cat-lovers", "name": "Cat lovers, still buying", "rule": ${JSON.stringify(catLoverAlive)} }]`;
    const segments = RuleSegmentsSchema.parse(JSON.parse(json));
    expect(segments[0]?.rule).toEqual(catLoverAlive);
    const duplicate = RuleSegmentsSchema.safeParse([...segments, ...segments]);
    expect(duplicate.error?.issues[0]).toMatchObject({
      path: [1, 'id'],
      message: 'duplicate segment id "cat-lovers"',
    });
  });

  it('rejects an id that would not survive being an event field or a URL', () => {
    const result = RuleSegmentSchema.safeParse({
      id: 'Cat Lovers!',
      name: 'Cat lovers',
      rule: catLoverAlive,
    });
    expect(result.error?.issues[0]?.path).toEqual(['id']);
  });

  // Rules come from operators' config files: the parser must reject junk without throwing.
  it('never throws on arbitrary JSON, and what it accepts evaluates to a boolean', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (input, profile) => {
        const result = RuleSchema.safeParse(input);
        if (result.success) expect(typeof evaluateRule(result.data, profile)).toBe('boolean');
      }),
    );
  });

  it('accepts every well-formed rule unchanged', () => {
    const { rule } = fc.letrec<{ rule: Rule }>((tie) => ({
      rule: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({
          field: fc.constantFrom('interests', 'metrics.totalSpend', 'ltv.pAlive', 'segments.rfm'),
          op: fc.constantFrom('eq' as const, 'ne' as const),
          value: fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
        }),
        fc.record({
          field: fc.constant('ltv.pAlive'),
          op: fc.constantFrom('gt' as const, 'lte' as const),
          value: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.record({
          field: fc.constant('interests'),
          op: fc.constant('in' as const),
          value: fc.array(fc.string(), { minLength: 1 }),
        }),
        fc.record({ field: fc.constant('interests'), op: fc.constant('exists' as const) }),
        fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie('rule') }),
      ),
    }));
    fc.assert(
      fc.property(rule, (r) => {
        expect(RuleSchema.parse(r)).toEqual(r);
      }),
    );
  });
});

describe('matchRuleSegments', () => {
  it('lists the segments a profile is in, in config order', () => {
    const segments = RuleSegmentsSchema.parse([
      { id: 'cat-lovers', name: 'Cat lovers', rule: catLoverAlive },
      {
        id: 'dog-lovers',
        name: 'Dog lovers',
        rule: { field: 'interests', op: 'contains', value: 'dog-food' },
      },
      {
        id: 'win-back',
        name: 'Win back',
        rule: { field: 'segments.rfm', op: 'in', value: ['At Risk', "Can't Lose"] },
      },
    ]);
    expect(matchRuleSegments(segments, hana)).toEqual(['cat-lovers', 'win-back']);
  });
});

describe('segmentChanges', () => {
  it('a customer who became a cat lover and stopped being a VIP', () => {
    expect(segmentChanges(['vip', 'newsletter'], ['newsletter', 'cat-lovers'])).toEqual({
      entered: ['cat-lovers'],
      exited: ['vip'],
    });
  });

  it('is the same whatever order the sets were read in, and ignores repeats', () => {
    expect(segmentChanges(['b', 'a', 'a'], ['d', 'c', 'b', 'c'])).toEqual({
      entered: ['c', 'd'],
      exited: ['a'],
    });
  });

  it('no change, no events; first evaluation enters everything', () => {
    expect(segmentChanges(['a', 'b'], ['b', 'a'])).toEqual({ entered: [], exited: [] });
    expect(segmentChanges([], ['a'])).toEqual({ entered: ['a'], exited: [] });
    expect(segmentChanges(['a'], [])).toEqual({ entered: [], exited: ['a'] });
  });
});
