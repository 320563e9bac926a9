import * as z from '../zod';
import { tryParseInstant } from './profile-metrics';

// Operator-defined segments: a name and a small JSON rule over any profile attribute or tag,
// e.g. "interested in cat food AND P(alive) > 0.6":
//
//   { "all": [ { "field": "interests", "op": "contains", "value": "cat-food" },
//              { "field": "ltv.pAlive", "op": "gt", "value": 0.6 } ] }
//
// Rules are validated when the config is loaded, so a typo fails the deploy with the path of the
// bad node instead of silently matching nobody at 3 a.m.
//
// Semantics, chosen so a rule never matches by accident:
// - `field` is a dotted path into the profile (own properties only); null counts as missing.
// - A missing field, or one of the wrong type for the operator, makes the condition false, for
//   every operator except `exists`. `{ not: … }` is the way to ask for "not interested in X".
// - eq / ne compare a scalar field with a scalar value (strict: "5" is not 5).
// - gt / gte / lt / lte compare numbers with numbers, or ISO dates/instants as points in time.
// - in: the field's value is one of the listed values; for an array field (tags), any element is.
// - contains: an array field (tags, interests) has the value as an element.
// - exists: the field is present and not null (`"value": false` asks for the opposite).

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export const FieldPathSchema = z
  .string()
  .check(z.regex(FIELD_PATH, { error: 'field must be a dotted path such as metrics.totalSpend' }));

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'value must be a string, number or boolean',
});
const OrderedValueSchema = z.union([z.number(), z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'gt, gte, lt and lte compare with a number or an ISO date',
});

export const RULE_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

export const ConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ field: FieldPathSchema, op: z.enum(['eq', 'ne']), value: ScalarSchema }),
  z.strictObject({
    field: FieldPathSchema,
    op: z.enum(['gt', 'gte', 'lt', 'lte']),
    value: OrderedValueSchema,
  }),
  z.strictObject({
    field: FieldPathSchema,
    op: z.literal('in'),
    value: z.array(ScalarSchema).check(z.minLength(1, { error: 'in needs at least one value' })),
  }),
  z.strictObject({ field: FieldPathSchema, op: z.literal('contains'), value: ScalarSchema }),
  z.strictObject({ field: FieldPathSchema, op: z.literal('exists'), value: z.optional(z.boolean()) }),
]);
export type Condition = z.infer<typeof ConditionSchema>;

// Written out because the type is recursive; RuleSchema is checked against it.
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

/**
 * A rule node is told apart by its keys (`all`, `any`, `not`, else a condition) and validated as
 * that kind only. A plain z.union would try every kind and report "invalid input" at the root;
 * this reports the actual problem at its path, e.g. ["all", 1, "value"].
 */
export const RuleSchema: z.ZodMiniType<Rule> = z.lazy(() =>
  z.pipe(
    z.unknown(),
    z.transform((input, ctx): Rule => {
      const result = nodeSchemaFor(input).safeParse(input);
      if (result.success) return result.data;
      for (const issue of result.error.issues)
        ctx.issues.push({ ...issue, input: issue.input } as z.core.$ZodRawIssue);
      return z.NEVER;
    }),
  ),
);

const AllRuleSchema = z.strictObject({
  all: z.array(RuleSchema).check(z.minLength(1, { error: 'all needs at least one rule' })),
});
const AnyRuleSchema = z.strictObject({
  any: z.array(RuleSchema).check(z.minLength(1, { error: 'any needs at least one rule' })),
});
const NotRuleSchema = z.strictObject({ not: RuleSchema });

function nodeSchemaFor(input: unknown): z.ZodMiniType<Rule> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if ('all' in input) return AllRuleSchema;
    if ('any' in input) return AnyRuleSchema;
    if ('not' in input) return NotRuleSchema;
  }
  return ConditionSchema;
}

export const RuleSegmentSchema = z.strictObject({
  id: z.string().check(
    z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
      error: 'id must be 1-64 lowercase letters, digits, - or _',
    }),
  ),
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  rule: RuleSchema,
});
export type RuleSegment = z.infer<typeof RuleSegmentSchema>;

/** The operator's segment list: ids are what profiles and events carry, so they must be unique. */
export const RuleSegmentsSchema = z.array(RuleSegmentSchema).check(
  z.superRefine((segments, ctx) => {
    const seen = new Set<string>();
    segments.forEach((segment, i) => {
      if (seen.has(segment.id)) {
        ctx.addIssue({ code: 'custom', message: `duplicate segment id "${segment.id}"`, path: [i, 'id'] });
      }
      seen.add(segment.id);
    });
  }),
);

export function evaluateRule(rule: Rule, profile: unknown): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluateRule(r, profile));
  if ('any' in rule) return rule.any.some((r) => evaluateRule(r, profile));
  if ('not' in rule) return !evaluateRule(rule.not, profile);
  return evaluateCondition(rule, profile);
}

/** Ids of the segments the profile belongs to, in config order. */
export function matchRuleSegments(segments: readonly RuleSegment[], profile: unknown): string[] {
  return segments.filter((s) => evaluateRule(s.rule, profile)).map((s) => s.id);
}

/**
 * What a profile update did to membership, for SegmentEntered / SegmentExited events. Sorted, so
 * memberships read back from an unordered string set produce the same events every time.
 */
export function segmentChanges(
  before: readonly string[],
  after: readonly string[],
): { entered: string[]; exited: string[] } {
  const was = new Set(before);
  const is = new Set(after);
  return {
    entered: [...is].filter((id) => !was.has(id)).sort(),
    exited: [...was].filter((id) => !is.has(id)).sort(),
  };
}

type Scalar = string | number | boolean;

function evaluateCondition(condition: Condition, profile: unknown): boolean {
  const actual = readField(profile, condition.field);
  switch (condition.op) {
    case 'exists':
      return (actual !== undefined) === (condition.value ?? true);
    case 'eq':
      return isScalar(actual) && actual === condition.value;
    case 'ne':
      return isScalar(actual) && actual !== condition.value;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compareOrdered(actual, condition.value);
      if (order === null) return false;
      return { gt: order > 0, gte: order >= 0, lt: order < 0, lte: order <= 0 }[condition.op];
    }
    case 'in':
      return Array.isArray(actual)
        ? actual.some((element) => condition.value.includes(element))
        : isScalar(actual) && condition.value.includes(actual);
    case 'contains':
      return Array.isArray(actual) && actual.includes(condition.value);
  }
}

/** The value at a dotted path, own properties only (no `constructor`, no `__proto__`); null → undefined. */
function readField(profile: unknown, path: string): unknown {
  let current: unknown = profile;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? undefined;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Sign of actual − expected; null when they are not comparable (then the condition is false). */
function compareOrdered(actual: unknown, expected: number | string): number | null {
  if (typeof expected === 'number') {
    return typeof actual === 'number' && !Number.isNaN(actual) ? Math.sign(actual - expected) : null;
  }
  if (typeof actual !== 'string') return null;
  const a = tryParseInstant(actual);
  const e = tryParseInstant(expected);
  return a === null || e === null ? null : Math.sign(a - e);
}
