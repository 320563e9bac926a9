import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void;

/**
 * Which module registers which top-level commands. A call loads only the module of the command it
 * names (so `precis segments` never loads the LTV fitter or the demo generator); `--help`, no
 * command or an unknown one load them all. test/unit/cli/main.test.ts checks this list against
 * what the modules register.
 */
export const COMMAND_MODULES: readonly { commands: readonly string[]; load: () => Promise<Register> }[] = [
  { commands: ['start'], load: async () => (await import('./commands/start')).registerStart },
  { commands: ['seed'], load: async () => (await import('./commands/seed')).registerSeed },
  { commands: ['ltv'], load: async () => (await import('./commands/ltv')).registerLtv },
  { commands: ['customer'], load: async () => (await import('./commands/customer')).registerCustomer },
  {
    commands: ['segments', 'model'],
    load: async () => (await import('./commands/segments')).registerSegments,
  },
  {
    commands: ['planner', 'outbox', 'simulate', 'campaigns'],
    load: async () => (await import('./commands/campaigns')).registerCampaigns,
  },
  { commands: ['report'], load: async () => (await import('./commands/report')).registerReport },
  { commands: ['failures'], load: async () => (await import('./commands/failures')).registerFailures },
];

// The `precis` CLI: each command module registers its subcommands; errors are one line, exit non-zero.
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('precis')
    .description('Precis: precision marketing in your own AWS account')
    // Commander's own errors (unknown option or command, missing argument) as one line, like ours.
    .configureOutput({
      outputError: (message, write) =>
        write(`precis: ${message.replace(/^error: /, '').trim()} (add --help for usage)\n`),
    })
    .exitOverride()
    // A subcommand's options are its own (`precis segments members X --json`), not its parent's.
    .enablePositionalOptions();
  const named = COMMAND_MODULES.find((module) => module.commands.includes(argv[0] ?? ''));
  const registers = await Promise.all((named ? [named] : COMMAND_MODULES).map((module) => module.load()));
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`precis: ${err instanceof Error ? err.message : String(err)}`);
    // A refused input (e.g. a campaign that does not validate) exits 2, like a validation failure.
    const code = (err as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
