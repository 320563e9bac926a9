import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledCli } from '../../../bin/cli-build.js';

// bin/precis.js runs the CLI as compiled JavaScript, rebuilt only when a source file changed.

const cacheDir = await mkdtemp(join(tmpdir(), 'precis-cli-build-'));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

describe('the compiled CLI', () => {
  it('is built on first use, then reused while its sources are unchanged', async () => {
    const first = await compiledCli({ cacheDir });
    expect(first.built).toBe(true);
    const again = await compiledCli({ cacheDir });
    expect(again).toEqual({ entry: first.entry, built: false });
  });

  it('runs the commands from JavaScript, with the same command list as the TypeScript', async () => {
    const { entry } = await compiledCli({ cacheDir });
    expect(await readFile(entry, 'utf8')).not.toContain(': Promise<');
    const compiled = (await import(entry)) as typeof import('../../../lib/cli/main');
    const program = await compiled.buildProgram(['--help']);
    expect(program.commands.map((command) => command.name())).toEqual(
      compiled.COMMAND_MODULES.flatMap((module) => module.commands),
    );
  });

  it('is rebuilt after one of its source files changes', async () => {
    const before = await compiledCli({ cacheDir });
    const source = join(process.cwd(), 'lib/cli/commands/report.ts');
    const now = new Date();
    await utimes(source, now, now);
    const after = await compiledCli({ cacheDir });
    expect(after.built).toBe(true);
    expect(after.entry).not.toBe(before.entry);
  });
});
