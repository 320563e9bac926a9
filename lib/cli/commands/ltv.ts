import type { Command } from 'commander';

// Placeholder until the LTV commands land (owned by the LTV work).
export function registerLtv(program: Command): void {
  program.command('ltv').description('lifetime-value model: fit and backtest');
}
