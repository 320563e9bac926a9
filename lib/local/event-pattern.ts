// EventBridge event-pattern matching, used for local rules and for Lambda stream FilterCriteria
// (which use the same syntax). Patterns are compiled once so a malformed pattern fails at
// startup instead of silently matching nothing.
//
// Supported: exact values (string, number, boolean, null), prefix, suffix, equals-ignore-case,
// wildcard, anything-but (value, list, prefix, suffix, equals-ignore-case), numeric ranges,
// exists, cidr (IPv4), and $or. As in EventBridge, a pattern array matches when any of its
// rules matches, an event array matches when any element matches, and every pattern field must
// match (AND).

export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
  readonly code = 'EventPatternError';
}

type Matcher = (value: unknown, present: boolean) => boolean;
export type CompiledPattern = (event: unknown) => boolean;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies a leaf matcher to a value; an array value matches when any element does. */
const anyElement = (match: (value: unknown) => boolean) => (value: unknown) =>
  Array.isArray(value) ? value.some((item) => match(item)) : match(value);

const wildcardRegex = (pattern: string): RegExp => {
  const escaped = pattern
    .split(/(?<!\\)\*/)
    .map((part) => part.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
};

const ipv4 = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let result = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined;
    result = result * 256 + octet;
  }
  return result;
};

const compileStringOp = (op: string, arg: unknown, where: string): ((value: unknown) => boolean) => {
  if (op === 'prefix' && isRecord(arg) && typeof arg['equals-ignore-case'] === 'string') {
    const prefix = arg['equals-ignore-case'].toLowerCase();
    return (value) => typeof value === 'string' && value.toLowerCase().startsWith(prefix);
  }
  if (op === 'suffix' && isRecord(arg) && typeof arg['equals-ignore-case'] === 'string') {
    const suffix = arg['equals-ignore-case'].toLowerCase();
    return (value) => typeof value === 'string' && value.toLowerCase().endsWith(suffix);
  }
  if (typeof arg !== 'string') throw new EventPatternError(`${where}: ${op} needs a string`);
  switch (op) {
    case 'prefix':
      return (value) => typeof value === 'string' && value.startsWith(arg);
    case 'suffix':
      return (value) => typeof value === 'string' && value.endsWith(arg);
    case 'equals-ignore-case': {
      const lower = arg.toLowerCase();
      return (value) => typeof value === 'string' && value.toLowerCase() === lower;
    }
    case 'wildcard': {
      const regex = wildcardRegex(arg);
      return (value) => typeof value === 'string' && regex.test(value);
    }
    default:
      throw new EventPatternError(`${where}: unknown operator ${op}`);
  }
};

const literalEquals = (expected: unknown) => (value: unknown) =>
  typeof expected === 'number' && typeof value === 'number' ? expected === value : Object.is(expected, value);

const compileNumeric = (arg: unknown, where: string): ((value: unknown) => boolean) => {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) {
    throw new EventPatternError(`${where}: numeric needs [op, number, …]`);
  }
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    if (typeof bound !== 'number') throw new EventPatternError(`${where}: numeric bound must be a number`);
    const check = {
      '=': (n: number) => n === bound,
      '<': (n: number) => n < bound,
      '<=': (n: number) => n <= bound,
      '>': (n: number) => n > bound,
      '>=': (n: number) => n >= bound,
    }[String(op)];
    if (!check) throw new EventPatternError(`${where}: unknown numeric operator ${String(op)}`);
    checks.push(check);
  }
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
};

const compileRule = (rule: unknown, where: string): Matcher => {
  if (!isRecord(rule)) {
    if (typeof rule === 'object' && rule !== null)
      throw new EventPatternError(`${where}: nested arrays are not allowed`);
    const equals = anyElement(literalEquals(rule));
    return (value, present) => present && equals(value);
  }
  const entries = Object.entries(rule);
  const [op, arg] = entries[0] ?? [];
  if (entries.length !== 1 || op === undefined)
    throw new EventPatternError(`${where}: a rule object needs exactly one operator`);
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') throw new EventPatternError(`${where}: exists needs true or false`);
      // An empty array counts as absent, as in EventBridge.
      return (value, present) => (present && !(Array.isArray(value) && value.length === 0)) === arg;
    case 'numeric': {
      const check = anyElement(compileNumeric(arg, where));
      return (value, present) => present && check(value);
    }
    case 'cidr': {
      if (typeof arg !== 'string' || !arg.includes('/'))
        throw new EventPatternError(`${where}: cidr needs a.b.c.d/n`);
      const [base, bitsText] = arg.split('/') as [string, string];
      const network = ipv4(base);
      const bits = Number(bitsText);
      if (network === undefined || !(bits >= 0 && bits <= 32))
        throw new EventPatternError(`${where}: bad cidr ${arg}`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const check = anyElement((value) => {
        const address = typeof value === 'string' ? ipv4(value) : undefined;
        return address !== undefined && (address & mask) >>> 0 === (network & mask) >>> 0;
      });
      return (value, present) => present && check(value);
    }
    case 'anything-but': {
      let excluded: (value: unknown) => boolean;
      if (Array.isArray(arg)) {
        const equals = arg.map((item) => literalEquals(item));
        excluded = (value) => equals.some((eq) => eq(value));
      } else if (isRecord(arg)) {
        const [innerOp, innerArg] = Object.entries(arg)[0] ?? [];
        if (innerOp === undefined) throw new EventPatternError(`${where}: empty anything-but`);
        if (innerOp === 'equals-ignore-case' && Array.isArray(innerArg)) {
          const lowered = innerArg.map((item) => String(item).toLowerCase());
          excluded = (value) => typeof value === 'string' && lowered.includes(value.toLowerCase());
        } else {
          excluded = compileStringOp(innerOp, innerArg, where);
        }
      } else {
        excluded = literalEquals(arg);
      }
      // For an array value, EventBridge requires that no element is excluded.
      return (value, present) =>
        present && (Array.isArray(value) ? value.length > 0 && !value.some(excluded) : !excluded(value));
    }
    default: {
      const check = anyElement(compileStringOp(op, arg, where));
      return (value, present) => present && check(value);
    }
  }
};

const compileObject = (pattern: Record<string, unknown>, where: string): CompiledPattern => {
  const fields: ((event: Record<string, unknown>) => boolean)[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const path = where ? `${where}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new EventPatternError(`${path}: $or needs two or more patterns`);
      const alternatives = value.map((alternative, index) => {
        if (!isRecord(alternative)) throw new EventPatternError(`${path}[${index}]: not an object`);
        return compileObject(alternative, where);
      });
      fields.push((event) => alternatives.some((alternative) => alternative(event)));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new EventPatternError(`${path}: empty rule list matches nothing`);
      const rules = value.map((rule, index) => compileRule(rule, `${path}[${index}]`));
      fields.push((event) => {
        const present = Object.hasOwn(event, key);
        const field = event[key];
        return rules.some((rule) => rule(field, present));
      });
    } else if (isRecord(value)) {
      const nested = compileObject(value, path);
      fields.push((event) => {
        const field = event[key];
        if (Array.isArray(field)) return field.some((item) => isRecord(item) && nested(item));
        return isRecord(field) ? nested(field) : nested({});
      });
    } else {
      throw new EventPatternError(`${path}: pattern values must be arrays or objects`);
    }
  }
  return (event) => isRecord(event) && fields.every((field) => field(event));
};

/** Compiles a pattern (object or JSON string); throws EventPatternError when it is malformed. */
export const compileEventPattern = (pattern: unknown): CompiledPattern => {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new EventPatternError('pattern is not valid JSON', { cause: error });
    }
  }
  if (!isRecord(parsed)) throw new EventPatternError('pattern must be a JSON object');
  return compileObject(parsed, '');
};

export const matchesEventPattern = (pattern: unknown, event: unknown): boolean =>
  compileEventPattern(pattern)(event);
