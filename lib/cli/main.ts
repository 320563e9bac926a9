import { Command, CommanderError } from 'commander';
import { registerCampaigns } from './commands/campaigns';
import { registerCustomer } from './commands/customer';
import { registerLtv } from './commands/ltv';
import { registerReport } from './commands/report';
import { registerSeed } from './commands/seed';
import { registerSegments } from './commands/segments';
import { registerStart } from './commands/start';

// The `precis` CLI: each command module registers its subcommands; errors are one line, exit non-zero.
export function buildProgram(): Command {
  const program = new Command('precis')
    .description('Precis: precision marketing in your own AWS account')
    // Commander's own errors (unknown option or command, missing argument) as one line, like ours.
    .configureOutput({
      outputError: (message, write) =>
        write(`precis: ${message.replace(/^error: /, '').trim()} (add --help for usage)\n`),
    })
    .exitOverride();
  registerStart(program);
  registerSeed(program);
  registerLtv(program);
  registerCustomer(program);
  registerSegments(program);
  registerCampaigns(program);
  registerReport(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`precis: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
