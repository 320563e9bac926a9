import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES } from '../../../lib/cli/main';

const names = (program: Command): string[] => program.commands.map((command) => command.name()).sort();

describe('precis loads only the command it runs', () => {
  it.each(COMMAND_MODULES.map((module) => [module.commands.join(', '), module] as const))(
    'the module listed for %s registers exactly those commands',
    async (_, module) => {
      const program = new Command('precis');
      (await module.load())(program);
      expect(names(program)).toEqual([...module.commands].sort());
    },
  );

  it('a named command builds a program with that module only', async () => {
    expect(names(await buildProgram(['segments', '--json']))).toEqual(['model', 'segments']);
    expect(names(await buildProgram(['report']))).toEqual(['report']);
  });

  it('help, no command or an unknown one list every command', async () => {
    const every = COMMAND_MODULES.flatMap((module) => module.commands).sort();
    expect(names(await buildProgram(['--help']))).toEqual(every);
    expect(names(await buildProgram([]))).toEqual(every);
    expect(names(await buildProgram(['frobnicate']))).toEqual(every);
  });
});
