import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type DynamoLocal, startDynamoLocal } from './dynamo-local';
import { type LocalRuntime, REPO_ROOT, startLocalRuntime } from './runtime';
import type { CfnTemplate } from './template';
import { loadTemplatesFromDir } from './template-files';

// `npm start`: the whole pipeline on this machine, wired from the synthesized CDK templates.
//
//   npm start                          data kept in .precis/ (git-ignored)
//   npm start -- --in-memory           nothing kept
//   npm start -- --data-dir DIR        data kept in DIR
//   npm start -- --templates cdk.out   use already-synthesized templates instead of infra/synth
//   npm start -- --static-dir DIR      serve DIR under / (default: web/ when it exists)
//
// Environment: PORT (API, default 3000), DYNAMO_PORT (8000), LOCAL_AWS_PORT (SNS/EventBridge, 4566), SES_PORT (8005),
// PRECIS_ADMIN_KEY (x-api-key for admin routes; generated and printed when unset).

const USAGE =
  'Usage: npm start -- [--in-memory | --data-dir DIR] [--templates DIR|FILE] [--static-dir DIR]\n' +
  'Env: PORT (3000), DYNAMO_PORT (8000), LOCAL_AWS_PORT (4566), SES_PORT (8005), PRECIS_ADMIN_KEY';

const portFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${name}=${raw} is not a port number`);
  return port;
};

const loadTemplates = async (path: string | undefined): Promise<Record<string, CfnTemplate>> => {
  if (path) return loadTemplatesFromDir(resolve(path));
  // Synthesized in-process (no bundling), so a change to infra/ shows up on the next start.
  const { synthTemplates } = await import('../../infra/synth');
  return synthTemplates();
};

/** Starts the runtime on an already running DynamoDB Local, stopping that if the start fails. */
const startRuntime = async (
  dynamo: DynamoLocal,
  options: Omit<Parameters<typeof startLocalRuntime>[0], 'dynamoEndpoint'>,
) => {
  try {
    return await startLocalRuntime({ ...options, dynamoEndpoint: dynamo.endpoint });
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      templates: { type: 'string' },
      'static-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values['in-memory'] && values['data-dir'])
    throw new Error('Use either --in-memory or --data-dir, not both');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const generatedKey = !process.env.PRECIS_ADMIN_KEY;
  const adminKey = process.env.PRECIS_ADMIN_KEY || randomBytes(24).toString('base64url');
  const dataDir = values['in-memory'] ? undefined : resolve(values['data-dir'] ?? join(REPO_ROOT, '.precis'));
  const defaultStatic = join(REPO_ROOT, 'web');
  const staticDir = values['static-dir'] ?? (existsSync(defaultStatic) ? defaultStatic : undefined);

  let runtime: LocalRuntime | undefined;
  let dynamo: DynamoLocal | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the local runtime…`);
    // The runtime may still be starting; the start's own cleanup and the exit hooks cover that.
    (async () => {
      await runtime?.stop();
      await dynamo?.stop();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Stopping failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  // Java boots in its own process while the CDK app synthesizes here: the two dominate start-up.
  let spawned: () => void = () => {};
  const javaSpawned = new Promise<void>((resolvePromise) => {
    spawned = resolvePromise;
  });
  const starting = startDynamoLocal({
    ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
    // A fixed port, so the AWS CLI and other tools can look at the tables.
    port: portFrom('DYNAMO_PORT', 8000),
    onSpawn: spawned,
  });
  await Promise.race([javaSpawned, starting]);
  let templates: Record<string, CfnTemplate>;
  try {
    templates = await loadTemplates(values.templates);
  } catch (error) {
    await starting.then((started) => started.stop());
    throw error;
  }
  dynamo = await starting;
  runtime = await startRuntime(dynamo, {
    templates,
    adminKey,
    ...(dataDir ? { dataDir } : {}),
    ...(staticDir ? { staticDir } : {}),
    port: portFrom('PORT', 3000),
    localAwsPort: portFrom('LOCAL_AWS_PORT', 4566),
    sesPort: portFrom('SES_PORT', 8005),
  });
  if (stopping) return;

  const lines = [
    '',
    `Precis local runtime ready in ${process.uptime().toFixed(1)} s`,
    `  API        ${runtime.url}    health: ${runtime.url}/health`,
    `  SES inbox  ${runtime.sesEndpoint}`,
    `  SMS sink   ${runtime.localAwsEndpoint}/messages    (EventBridge PutEvents on ${runtime.localAwsEndpoint})`,
    `  DynamoDB   ${runtime.dynamoEndpoint}`,
    `  Data       ${dataDir ?? 'in memory (nothing is kept)'}`,
    ...(staticDir ? [`  Static     ${staticDir} under ${runtime.url}/`] : []),
    ...(generatedKey
      ? [
          `  Admin key  ${adminKey}    (generated for this run: send it as x-api-key; set PRECIS_ADMIN_KEY to fix one)`,
        ]
      : ['  Admin key  from PRECIS_ADMIN_KEY (send it as x-api-key)']),
    '  Stop with Ctrl-C.',
    '',
  ];
  console.log(lines.join('\n'));
};

main().catch((error: unknown) => {
  // One clear line (e.g. how to install Java), the cause on a second, and the stack only for
  // errors that are not ours (a bug rather than a setup problem).
  console.error(`precis local runtime: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.cause) {
    console.error(`  caused by: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`);
  }
  if (error instanceof Error && !('code' in error) && error.stack) console.error(error.stack);
  process.exit(1);
});
