import type * as z from '../zod';

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
