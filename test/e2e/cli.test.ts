import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real `precis` binary (bin/precis.js, through tsx) in a child process: every command answers
// --help, and bad input ends with a non-zero exit code and exactly one line on stderr, never a stack
// trace — bad options and dates, a file that is not there, an unknown customer, and a local stack
// that is not running ("start it with npm start").

const BIN = join(process.cwd(), 'bin/precis.js');

let dir: string;
let closedPort: number;
let emptyCsv: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function precis(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          ...process.env,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          PRECIS_ADMIN_KEY: 'cli-audit-key',
          PORT: String(closedPort),
          SES_PORT: String(closedPort),
          LOCAL_AWS_PORT: String(closedPort),
          ...env,
        },
        timeout: 300_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'precis-cli-'));
  emptyCsv = join(dir, 'orders.csv');
  await writeFile(emptyCsv, 'customer_id,date,amount\nc1,not-a-date,10\n');
  // A port nothing listens on: the "local stack is not running" case.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COMMANDS = [
  ['start'],
  ['seed'],
  ['customer'],
  ['segments'],
  ['model', 'refit'],
  ['ltv', 'fit'],
  ['ltv', 'backtest'],
  ['planner'],
  ['outbox'],
  ['simulate'],
  ['report'],
  ['failures', 'list'],
  ['failures', 'redrive'],
];

describe('precis --help', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c]))(
    'precis %s --help describes its options',
    async (_, command) => {
      const run = await precis([...(command as string[]), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: precis ${(command as string[]).join(' ')}`));
      expect(run.stdout).toContain('--help');
    },
  );

  it('lists every command at the top level', async () => {
    const run = await precis(['--help']);
    expect(run.code).toBe(0);
    for (const [name] of COMMANDS) expect(run.stdout).toContain(`  ${name}`);
  });
});

const BAD_INPUT: [string, string[], RegExp][] = [
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['an unknown option', ['segments', '--colour'], /unknown option '--colour'/],
  ['a missing argument', ['customer'], /missing required argument/],
  ['seed without --demo', ['seed'], /precis seed --demo/],
  ['seed with a bad count', ['seed', '--demo', '--customers', 'many'], /--customers must be a whole number/],
  ['a bad planner date', ['planner', '--at', '2026-02-30T25:00'], /--at must be an ISO-8601 instant/],
  ['a bad simulate length', ['simulate', '--days', '0'], /--days must be a whole number/],
  ['simulate with neither --days nor an event', ['simulate'], /give --days N to simulate, or an event/],
  ['simulate an unknown event', ['simulate', 'explode', 'ana@example.com'], /the event must be one of/],
  ['simulate an event for nobody', ['simulate', 'bounce'], /give the email address or phone number/],
  ['simulate with the stack down, an event', ['simulate', 'bounce', 'ana@example.com'], /npm start/],
  [
    'a bad simulate start',
    ['simulate', '--days', '1', '--from', 'tomorrow'],
    /--from must be an ISO-8601 instant/,
  ],
  ['ltv fit without a file', ['ltv', 'fit'], /required option '--orders <file>'/],
  ['ltv fit on a missing file', ['ltv', 'fit', '--orders', '/nonexistent/orders.csv'], /not found/],
  [
    'ltv fit with a bad date',
    ['ltv', 'fit', '--orders', 'ORDERS', '--calibration-end', '31/12/2026'],
    /calibration-end|date/i,
  ],
  ['ltv fit on a bad row', ['ltv', 'fit', '--orders', 'ORDERS'], /line 2|date/i],
  ['ltv backtest without its end', ['ltv', 'backtest', '--orders', 'ORDERS'], /--calibration-end/],
  [
    'model refit with a bad timeout',
    ['model', 'refit', '--timeout', 'soon'],
    /--timeout must be a positive number/,
  ],
  ['a bad PORT', ['segments'], /PORT must be a port number/],
  ['no admin key', ['customer', 'ana@example.com'], /PRECIS_ADMIN_KEY is not set/],
  ['customer with the stack down', ['customer', 'ana@example.com'], /npm start/],
  ['segments with the stack down', ['segments'], /npm start/],
  ['model refit with the stack down', ['model', 'refit'], /npm start/],
  ['seed with the stack down', ['seed', '--demo', '--customers', '10'], /npm start/],
  ['planner with the stack down', ['planner'], /npm start/],
  ['outbox with the stack down', ['outbox'], /npm start/],
  ['simulate with the stack down', ['simulate', '--days', '1'], /npm start/],
  ['report without a campaign', ['report'], /missing required argument 'campaign'/],
  ['failures redrive without a choice', ['failures', 'redrive'], /give either --id <id> or --all/],
  ['failures with the stack down', ['failures', 'list'], /npm start/],
  ['report with the stack down', ['report', 'birthday'], /npm start/],
];

const ENV_FOR: Record<string, Record<string, string>> = {
  'a bad PORT': { PORT: 'eighty' },
  'no admin key': { PRECIS_ADMIN_KEY: '' },
};

describe('precis on bad input: a non-zero exit and one line, no stack trace', () => {
  it.each(BAD_INPUT)('%s', async (label, args, message) => {
    const run = await precis(
      args.map((a) => (a === 'ORDERS' ? emptyCsv : a)),
      ENV_FOR[label],
    );
    expect(run.code, run.stderr).not.toBe(0);
    expect(lines(run.stderr), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(/^precis: /);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
