import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startLocalRuntime } from '../../../lib/local/runtime';
import type { CfnTemplate } from '../../../lib/local/template';

// The local runtime as a child process the chaos suite can `kill -9` (test/chaos/support/chaos-runtime.ts):
// the functions, pollers, queues, event bus and SES stand-in die with it; DynamoDB Local and the SES
// emulator belong to the test process and survive, as DynamoDB and SES do when a Lambda dies.
// Started with the path of a JSON file of its options; prints one `{"ready":…}` line when up, and
// answers each `settle` line on stdin with a `settled` line once nothing is in flight.

interface ChildOptions {
  templates: Record<string, CfnTemplate>;
  dynamoEndpoint: string;
  sesEndpoint: string;
  tablePrefix: string;
  adminKey: string;
  dataDir: string;
  secrets: Record<string, string>;
}

const options = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as ChildOptions;
const runtime = await startLocalRuntime({
  ...options,
  port: 0,
  localAwsPort: 0,
  runSchedules: false,
  batchingWindowCapMs: 0,
  log: () => {},
  env: { POWERTOOLS_LOG_LEVEL: 'ERROR', SIGNUP_ANSWER_FLOOR_MS: '0' },
});
process.stdout.write(
  `${JSON.stringify({
    ready: true,
    url: runtime.url,
    localAwsEndpoint: runtime.localAwsEndpoint,
    tableNames: runtime.tableNames,
  })}\n`,
);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'settle') {
    await runtime.settled();
    process.stdout.write('settled\n');
  }
}
// The test process went away (stdin closed): nothing else would stop this one.
process.exit(0);
