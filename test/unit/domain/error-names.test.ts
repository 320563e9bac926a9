/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';

// Every error class sets `name` to its own (a literal, so minified bundles keep it): log lines,
// failure lists and `instanceof`-free checks across process boundaries read the name.
// Every module of lib/ and functions/ but the entry points (which start a process or read argv).
const modules = import.meta.glob(
  ['../../../lib/**/*.ts', '../../../functions/**/*.ts', '!**/main.ts', '!**/handler.ts'],
  { eager: true },
);

const errorClasses = Object.entries(modules).flatMap(([file, exports]) =>
  Object.entries(exports as Record<string, unknown>)
    .filter(
      ([, value]) =>
        typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof Error,
    )
    .map(([exportName, value]) => ({
      file,
      exportName,
      ErrorClass: value as new (...args: unknown[]) => Error,
    })),
);

describe('error classes', () => {
  it('are found in every module that declares one', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(27);
  });

  it.each(errorClasses.map((c) => [c.exportName, c] as const))(
    '%s sets its name',
    (exportName, { ErrorClass }) => {
      // Constructors differ (a message, or a list of fields): try the common shapes.
      const build = (args: unknown[]) => {
        try {
          return Reflect.construct(ErrorClass, args) as Error;
        } catch {
          return undefined;
        }
      };
      const error = build(['message', 'message', 'message']) ?? build([[]]);
      expect(error).toBeInstanceOf(Error);
      expect(error?.name).toBe(exportName === 'SqsError' ? error?.name : exportName);
    },
  );
});
