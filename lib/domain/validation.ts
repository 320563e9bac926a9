import * as z from '../zod';

/** One rejected field: where it is in the payload and why, as the API and CLI report it. */
export interface FieldError {
  path: string;
  message: string;
}

/** A payload that failed validation; maps to HTTP 400 `validation_failed` / CLI exit 2. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly code = 'validation_failed';
  constructor(readonly fields: FieldError[]) {
    super(`validation failed: ${fields.map((f) => `${f.path || '(body)'}: ${f.message}`).join('; ')}`);
  }
}

const pathOf = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** Flattens zod issues into field errors; unknown keys become one error per key. */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'unknown field' }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

/** Parses with a schema, turning failure into a ValidationError that names every field. */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return result.data;
}

/**
 * An ISO-8601 instant with a zone (an order placed, a survey answered): not after `latestMs` (now plus
 * the caller's clock skew), not before 1990. One rule and one wording for every API that takes one.
 */
export const pastInstantSchema = (latestMs: number) =>
  z.iso
    .datetime({
      offset: true,
      error: 'must be an ISO-8601 instant with a time zone, e.g. 2026-11-24T10:00:00Z',
    })
    .check(
      z.refine((at) => Date.parse(at) <= latestMs, 'must not be in the future'),
      z.refine((at) => Date.parse(at) >= Date.parse('1990-01-01T00:00:00Z'), 'must be after 1990'),
    );
