import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type DynamoLocal, startDynamoLocal } from './dynamo-local';
import { DEFAULT_PUBLIC_RATE_LIMIT } from './ip-rate-limit';
import { type ProviderEventSettings, ProviderEventSettingsSchema } from './provider-events';
import { type LocalRuntime, REPO_ROOT, startLocalRuntime } from './runtime';
import type { CfnTemplate } from './template';
import { loadTemplatesFromDir } from './template-files';

// `npm start`: the whole pipeline on this machine, wired from the synthesized CDK templates.
//
//   npm start                          data kept in .precis/ (git-ignored)
//   npm start -- --in-memory           nothing kept
//   npm start -- --data-dir DIR        data kept in DIR
//   npm start -- --templates cdk.out   use already-synthesized templates instead of infra/synth
//   npm start -- --static-dir DIR      serve DIR under / (default: web/, the dashboard, built when missing or stale)
//   npm start -- --demo [--customers N] [--seed S]   load the demo population once healthy (precis seed --demo)
//
// `precis start` takes the same flags (lib/cli/commands/start.ts calls runLocal).
//
// Environment: PORT (API, default 3000), DYNAMO_PORT (8000), LOCAL_AWS_PORT (SNS/EventBridge, 4566), SES_PORT (8005),
// PRECIS_ADMIN_KEY (x-api-key for admin routes; generated and printed when unset).

const USAGE =
  'Usage: npm start -- [--in-memory | --data-dir DIR] [--templates DIR|FILE] [--static-dir DIR]\n' +
  '                    [--demo [--customers N] [--seed S]]\n' +
  'Env: PORT (3000), DYNAMO_PORT (8000), LOCAL_AWS_PORT (4566), SES_PORT (8005), PRECIS_ADMIN_KEY,\n' +
  '     PRECIS_THROTTLE_SHARE (0: the share of SES/SNS sends answered as throttled),\n' +
  "     PRECIS_PROVIDER_EVENTS (`off`, or JSON rates and delays of the providers' later events)";

/**
 * PRECIS_PROVIDER_EVENTS: the providers' later events (deliveries, opens, clicks, bounces, STOP
 * replies; provider-events.ts): unset = the default rates, `off` = none, or JSON settings such as
 * `{"email":{"bounce":0.05},"delays":{"open":[5,60]}}` (merged with the defaults).
 */
const providerEvents = (): ProviderEventSettings | undefined => {
  const raw = process.env.PRECIS_PROVIDER_EVENTS;
  if (raw === 'off') return undefined;
  let json: unknown = {};
  if (raw !== undefined && raw !== '') {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error('PRECIS_PROVIDER_EVENTS is neither `off` nor JSON');
    }
  }
  const parsed = ProviderEventSettingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`PRECIS_PROVIDER_EVENTS: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
};

/** PRECIS_THROTTLE_SHARE: the share (0–1) of sends the SES and SMS stand-ins answer as throttled. */
const throttleShare = (): number => {
  const raw = process.env.PRECIS_THROTTLE_SHARE;
  if (raw === undefined || raw === '') return 0;
  const share = Number(raw);
  if (!(share >= 0 && share <= 1))
    throw new Error(`PRECIS_THROTTLE_SHARE=${raw} is not a number from 0 to 1`);
  return share;
};

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
  // Synthesized in-process (no bundling), so a change to infra/ shows up on the next start; reused
  // from the last start while none of the files the app is built from changed (synth-cache.ts).
  const { cachedSynthTemplates } = await import('./synth-cache');
  const { templates } = await cachedSynthTemplates(async () =>
    (await import('../../infra/synth')).synthTemplates(),
  );
  return templates;
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

/** The flags of `npm start` and `precis start`. */
export interface LocalStartOptions {
  inMemory?: boolean;
  dataDir?: string;
  templates?: string;
  staticDir?: string;
  demo?: boolean;
  /** Demo population size (default 3000). */
  customers?: number;
  /** Demo population seed (default 1). */
  seed?: number;
}

const parseCount = (flag: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min)
    throw new Error(`${flag} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      templates: { type: 'string' },
      'static-dir': { type: 'string' },
      demo: { type: 'boolean', default: false },
      customers: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  await runLocal({
    inMemory: values['in-memory'],
    ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    ...(values.templates !== undefined && { templates: values.templates }),
    ...(values['static-dir'] !== undefined && { staticDir: values['static-dir'] }),
    demo: values.demo,
    customers: parseCount('--customers', values.customers, 3000, 1),
    seed: parseCount('--seed', values.seed, 1, 0),
  });
};

/** Runs the local runtime in the foreground until SIGINT/SIGTERM (which exit the process). */
export const runLocal = async (values: LocalStartOptions): Promise<void> => {
  if (values.inMemory && values.dataDir) throw new Error('Use either --in-memory or --data-dir, not both');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const generatedKey = !process.env.PRECIS_ADMIN_KEY;
  const adminKey = process.env.PRECIS_ADMIN_KEY || randomBytes(24).toString('base64url');
  const dataDir = values.inMemory ? undefined : resolve(values.dataDir ?? join(REPO_ROOT, '.precis'));
  const staticDir = values.staticDir ?? (await defaultStaticDir());
  const settingsOfProviderEvents = providerEvents();

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
    // The public form and pages, limited per client address as the WAF rule does in AWS.
    publicRateLimit: DEFAULT_PUBLIC_RATE_LIMIT,
    throttleShare: throttleShare(),
    ...(settingsOfProviderEvents ? { providerEvents: settingsOfProviderEvents } : {}),
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
    `  Providers  ${settingsOfProviderEvents ? `deliveries, opens, clicks, bounces, complaints, SMS receipts and STOP replies simulated (PRECIS_PROVIDER_EVENTS=off: none)` : 'no later events (PRECIS_PROVIDER_EVENTS=off)'}`,
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
  // A failed demo load is reported, and the runtime stays up (the data so far is there).
  if (values.demo) {
    await seedForDemo(runtime, adminKey, values.customers ?? 3000, values.seed ?? 1).catch((error: unknown) =>
      console.error(`demo data: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
};

/** web/ (the dashboard build), built first when missing or older than its sources; undefined without dashboard/. */
const defaultStaticDir = async (): Promise<string | undefined> => {
  const web = join(REPO_ROOT, 'web');
  const { dashboardIsStale, buildDashboard } = await import('./dashboard-build');
  if (!dashboardIsStale(web)) return existsSync(web) ? web : undefined;
  const started = performance.now();
  await buildDashboard(web);
  console.log(`Dashboard built into web/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return web;
};

const seedForDemo = async (runtime: LocalRuntime, adminKey: string, customers: number, seed: number) => {
  const { seedDemo, formatSeedResult } = await import('../demo/seed');
  console.log(`Loading the demo population (${customers} customers, seed ${seed})…`);
  let lastPhase = '';
  const result = await seedDemo({
    url: runtime.url,
    adminKey,
    customers,
    seed,
    onProgress: ({ phase, total }) => {
      if (phase === lastPhase) return;
      lastPhase = phase;
      console.log(
        phase === 'refit' ? '  refitting the model…' : `  ${phase}: ${total.toLocaleString('en-GB')}…`,
      );
    },
  });
  console.log(`${formatSeedResult(result)}\n  Dashboard  ${runtime.url}/`);
};

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry)
  main().catch((error: unknown) => {
    // One clear line (e.g. how to install Java), the cause on a second, and the stack only for
    // errors that are not ours (a bug rather than a setup problem).
    console.error(`precis local runtime: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof Error && error.cause) {
      console.error(
        `  caused by: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`,
      );
    }
    if (error instanceof Error && !('code' in error) && error.stack) console.error(error.stack);
    process.exit(1);
  });
