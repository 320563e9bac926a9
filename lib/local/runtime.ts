import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { parseLinkSigningKeys } from '../adapters/secrets/secret-link-signer';
import { ENV } from '../config/env-names';
import { Activity, type InvocationCount } from './activity';
import { AsyncInvoker, DEFAULT_ASYNC_RETRY } from './async-invoke';
import { type DynamoLocal, startDynamoLocal } from './dynamo-local';
import { EventBus } from './event-bus';
import { FailureLog, type LocalFailure } from './failures';
import { failuresRoutes } from './failures-route';
import { type HttpRouteBinding, type LocalHttpServer, startHttpServer } from './http-server';
import type { IpRateLimit } from './ip-rate-limit';
import { type LocalFunction, loadFunction } from './lambda-host';
import { type LocalAwsServer, startLocalAws } from './local-aws';
import { MAX_OUTBOX_ENTRIES, readOutbox } from './outbox';
import type { ProviderEventSettings } from './provider-events';
import { providerEventsRoute } from './provider-events-route';
import { ProviderEventsStandIn } from './provider-events-stand-in';
import { ProviderThrottle } from './provider-throttle';
import { QueuePoller } from './queue-poller';
import { type Clock, LocalScheduler } from './scheduler';
import { LocalSecrets } from './secrets';
import { type SesLocal, startSesLocal } from './ses-local';
import { type SesStandIn, startSesStandIn } from './ses-stand-in';
import { SharedClock } from './shared-clock';
import { clockRoute } from './simulated-clock';
import { type SmsMessage, SmsSink } from './sms-sink';
import { LocalQueue, SqsService } from './sqs';
import { FileCheckpoints, MemoryCheckpoints, StreamPoller } from './stream-poller';
import {
  buildLocalModel,
  type CfnTemplate,
  ensureTables,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalModel,
  resolveEnvironment,
} from './template';

// The local cloud: the same handlers as in AWS, wired exactly as the synthesized templates say.
//
// Ports (all bound to 127.0.0.1):
//   API (HTTP API routes, GET /health, optional static files)  port option, default 3000 (PORT)
//   local AWS: End User Messaging SMS, EventBridge, SQS         localAwsPort, default 4566 (LOCAL_AWS_PORT)
//     GET /messages · POST /clear · POST /opt-out · GET /events · GET /queues
//   on the API port, local only (admin key): GET /local/outbox?limit=N (emails with HTML, texts),
//     POST /local/clock {from, to} (fires the schedules through a span of simulated time)
//   SES (the stand-in, ses-stand-in.ts: SES's checks in front of  sesPort, default 8005 (SES_PORT)
//     the SES v2 emulator on a free port), web inbox at /, JSON at /store
//   DynamoDB Local (Java)                                       a free port unless dynamoEndpoint is given
// Port 0 picks a free port for any of them (tests do).
//
// Start order: HTTP port bound (GET /health → 503) → DynamoDB → tables → SES, SMS/EventBridge →
// handlers (createHandler once per function) → stream pollers → schedules → routes; only then
// /health answers 200.

export interface StartLocalRuntimeOptions {
  templates: Record<string, CfnTemplate>;
  adminKey: string;
  /** Per-IP limit on the public routes (npm start: DEFAULT_PUBLIC_RATE_LIMIT); absent = none. */
  publicRateLimit?: IpRateLimit;
  /** Use this DynamoDB (e.g. the test run's); otherwise one is started and stopped with the runtime. */
  dynamoEndpoint?: string;
  /** Keeps DynamoDB data, stream checkpoints and failures.jsonl here; undefined = in memory. */
  dataDir?: string;
  tablePrefix?: string;
  port?: number;
  localAwsPort?: number;
  /**
   * Use this SES emulator (behind the stand-in); otherwise one is started. The stand-in listens
   * on sesPort: default 8005, or a free port when sesEndpoint is given.
   */
  sesEndpoint?: string;
  sesPort?: number;
  /** The started SES emulator's account MaxSendRate (GetAccount); default DEFAULT_LOCAL_MAX_SEND_RATE. */
  sesMaxSendRate?: number;
  /**
   * The share (0–1) of SES SendEmail and SMS SendTextMessage calls answered as throttled (429
   * TooManyRequestsException / ThrottlingException), nothing sent; default 0. `throttleRandom` decides each call.
   */
  throttleShare?: number;
  throttleRandom?: () => number;
  /**
   * Publish SES's `Email Sent` events for configuration sets whose event destination matches
   * SEND (default true); false for a test that wants no such events.
   */
  sesSendEvents?: boolean;
  /**
   * Deliver End User Messaging SMS's TEXT_QUEUED event of each accepted text to
   * the functions subscribed to its configuration set's SNS event destination (default true).
   */
  smsEvents?: boolean;
  /**
   * What the providers say after they took a message (provider-events-stand-in.ts): delivery, delays,
   * opens, clicks, bounces and complaints of emails, carrier receipts and STOP replies of texts, at
   * these rates and delays. Default none (tests that want them say so; `npm start` turns them on);
   * `POST /local/provider-events` injects one either way.
   */
  providerEvents?: ProviderEventSettings;
  /**
   * Secrets Manager values by secret name (e.g. `LinkSigningKey`); a secret not given gets a
   * generated value, kept in dataDir/secrets.json when there is a data folder.
   */
  secrets?: Record<string, string>;
  /** Extra environment for every function; overrides everything else. */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Where `precis:entry` paths resolve; default the repository root. */
  rootDir?: string;
  staticDir?: string;
  /** Fire schedules in real time (default true); the scheduler is available either way. */
  runSchedules?: boolean;
  clock?: Clock;
  /** Called as soon as the API port is bound, while /health still says 503. */
  onListening?: (url: string) => void;
  pollIntervalMs?: number;
  /**
   * Caps MaximumBatchingWindowInSeconds of every event source mapping (e.g. 0 in tests that
   * don't care about batching, so each stream hop takes milliseconds, not the template's window).
   */
  batchingWindowCapMs?: number;
}

export interface LocalRuntime {
  url: string;
  dynamoEndpoint: string;
  sesEndpoint: string;
  localAwsEndpoint: string;
  /** Construct id (e.g. `Customers`) → local table name (with the prefix). */
  tableNames: Record<string, string>;
  /** Function name → the loaded function (for direct invocation in tests and tools). */
  functions: ReadonlyMap<string, LocalFunction>;
  scheduler: LocalScheduler;
  /**
   * The one clock the scheduler and every in-process function read (see shared-clock.ts): tests
   * move it to a planned instant (`clock.set`) so the sender's send-time guard agrees with the plan.
   */
  clock: SharedClock;
  /**
   * Resolves when streams are drained and no invocation, delivery or retry is pending. With
   * `ignoreHidden`, a queue message that no receive could take now (delayed, or waiting out a
   * visibility timeout) does not count: what a simulated clock waits for, since those wait on
   * real time. By default a message delayed for over a minute and never received (deferred to a
   * send window hours away) does not count either (queue-poller.ts, PARKED_AFTER_MS), so what a
   * caller waits for does not depend on the hour of day; `includeParked` waits for those too.
   */
  settled(timeoutMs?: number, options?: { ignoreHidden?: boolean; includeParked?: boolean }): Promise<void>;
  /** Batches and events that exhausted their retries, oldest first. */
  failures(): LocalFailure[];
  /** Every function's invocations since the start (HTTP, streams, queues, topics, rules, schedules). */
  invocations(): Record<string, InvocationCount>;
  smsMessages(): SmsMessage[];
  /** The SES and SMS stand-ins' throttle switch (`share`) and its counts of send calls and throttles. */
  throttle: ProviderThrottle;
  /** The providers' later events (deliveries, opens, bounces, STOP replies…): planned, and injected. */
  providerEvents: ProviderEventsStandIn;
  /** Idempotent; stops only what this runtime started. */
  stop(): Promise<void>;
}

/** The event SNS invokes a subscribed Lambda function with, for one message. */
const snsLambdaEvent = (topicArn: string, message: string, at: Date) => {
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: null,
          Message: message,
          Timestamp: at.toISOString(),
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  } as const;
};

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

export const startLocalRuntime = async (options: StartLocalRuntimeOptions): Promise<LocalRuntime> => {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.tablePrefix ?? '';
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const stop of stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'Stopping the local runtime failed');
  };

  // Handlers whose SDK clients fall back to the default credential chain would otherwise probe
  // ~/.aws and the instance metadata endpoint; the local emulators accept any credentials.
  process.env.AWS_REGION ??= LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  // DynamoDB Local answers InternalServerError or ThrottlingException when the machine is busy: every
  // SDK client in this process retries those with back-off 8 times (the SDK's default is 3).
  process.env.AWS_MAX_ATTEMPTS ??= '8';

  const clock = new SharedClock(options.clock);
  clock.install();
  stoppers.push(async () => clock.uninstall());

  try {
    const model: LocalModel = buildLocalModel(options.templates);
    for (const note of model.notes) log(`[runtime] not emulated: ${note}`);
    const activity = new Activity();
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    // Failure records also go to their on-failure destination when it is a local queue, where
    // they can be read back as in AWS (queues are created further down).
    let queues = new Map<string, LocalQueue>();
    const failures = new FailureLog(
      options.dataDir ? join(options.dataDir, 'failures.jsonl') : undefined,
      log,
      (failure) => {
        const destination = 'destination' in failure ? failure.destination : undefined;
        const [type, key] = destination?.split(' ') ?? [];
        if (type !== 'AWS::SQS::Queue' || !key) return;
        try {
          queues.get(key)?.send({ body: JSON.stringify(failure) });
        } catch (error) {
          log(`[runtime] could not deliver a failure record to ${key}: ${String(error)}`);
        }
      },
    );

    const http: LocalHttpServer = await startHttpServer({
      port: options.port ?? 3000,
      adminKey: options.adminKey,
      ...(options.staticDir ? { staticDir: options.staticDir } : {}),
      ...(options.publicRateLimit ? { publicRateLimit: options.publicRateLimit } : {}),
      log,
    });
    stoppers.push(() => http.stop());
    options.onListening?.(http.url);

    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      const dynamo: DynamoLocal = await startDynamoLocal(
        options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {},
      );
      stoppers.push(() => dynamo.stop());
      dynamoEndpoint = dynamo.endpoint;
    }
    const clientConfig = {
      endpoint: dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const dynamoClient = new DynamoDBClient(clientConfig);
    const streamsClient = new DynamoDBStreamsClient(clientConfig);
    stoppers.push(async () => {
      dynamoClient.destroy();
      streamsClient.destroy();
    });
    const tables = await ensureTables(dynamoClient, model, prefix);
    const streamArns = new Map<string, string>();
    for (const [key, table] of tables) if (table.streamArn) streamArns.set(key, table.streamArn);

    let sesUpstream = options.sesEndpoint;
    if (!sesUpstream) {
      const ses: SesLocal = await startSesLocal({
        port: 0,
        ...(options.sesMaxSendRate ? { maxSendRate: options.sesMaxSendRate } : {}),
      });
      stoppers.push(() => ses.stop());
      sesUpstream = ses.endpoint;
    }

    const throttle = new ProviderThrottle(options.throttleShare ?? 0, options.throttleRandom);
    const sms = new SmsSink(
      throttle,
      () => clock.now(),
      options.dataDir ? join(options.dataDir, 'sms-messages.jsonl') : undefined,
    );
    const secrets = new LocalSecrets(
      options.dataDir ? join(options.dataDir, 'secrets.json') : undefined,
      options.secrets,
    );
    let bus: EventBus | undefined;
    let sqs: SqsService | undefined;
    const providerEvents = new ProviderEventsStandIn({
      ...(options.providerEvents ? { settings: options.providerEvents } : {}),
      clock,
      bus: () => bus,
      destinations: model.sesEventDestinations,
      sms,
      log,
    });
    stoppers.push(async () => providerEvents.stop());
    sms.onAccept((message) => providerEvents.textAccepted(message));
    // What the senders' SES client talks to: SES's request checks, then the emulator.
    const sesStandIn: SesStandIn = await startSesStandIn({
      port: options.sesPort ?? (options.sesEndpoint ? 0 : 8005),
      upstream: sesUpstream,
      destinations: model.sesEventDestinations,
      bus: () => bus,
      publishEvents: options.sesSendEvents ?? true,
      now: () => clock.now(),
      throttle,
      onAccepted: (accepted) => providerEvents.emailAccepted(accepted),
      log,
    });
    stoppers.push(() => sesStandIn.stop());
    const sesEndpoint = sesStandIn.endpoint;
    const localAws: LocalAwsServer = await startLocalAws({
      port: options.localAwsPort ?? 4566,
      sms,
      bus: () => bus,
      sqs: () => sqs,
      secrets,
      log,
    });
    stoppers.push(() => localAws.stop());

    queues = new Map(
      model.queues.map((queue) => [
        queue.id.key,
        new LocalQueue(queue, `${localAws.endpoint}/${LOCAL_ACCOUNT}/${queue.name}`, (from, message) =>
          failures.record({
            kind: 'queue',
            at: new Date().toISOString(),
            queue: from.name,
            deadLetterQueue: from.deadLetter?.queue.name ?? '?',
            messageId: message.messageId,
            receiveCount: message.receiveCount,
          }),
        ),
      ]),
    );
    for (const queue of model.queues) {
      const deadLetter = queue.redrive ? queues.get(queue.redrive.deadLetterQueueKey) : undefined;
      const local = queues.get(queue.id.key);
      if (local && deadLetter && queue.redrive) {
        local.deadLetter = { queue: deadLetter, maxReceiveCount: queue.redrive.maxReceiveCount };
      }
    }
    sqs = new SqsService([...queues.values()]);

    const naming = {
      tablePrefix: prefix,
      streamArns,
      localAwsEndpoint: localAws.endpoint,
      apiEndpoint: http.url,
    };
    const overrides: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SESV2: sesEndpoint,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: localAws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: localAws.endpoint,
      AWS_ENDPOINT_URL_SQS: localAws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: localAws.endpoint,
      PRECIS_ADMIN_KEY: options.adminKey,
      // One container serves every concurrent invocation here, so one sender holds the whole rate.
      [ENV.sendRateInstances]: '1',
    };
    const rootDir = options.rootDir ?? REPO_ROOT;
    // One at a time: each import runs with that function's environment in process.env.
    const loaded: LocalFunction[] = [];
    const envByEntry = new Map<string, Record<string, string>>();
    for (const fn of model.functions) {
      const env = { ...resolveEnvironment(model, fn, naming), ...overrides, ...options.env };
      envByEntry.set(fn.entry, env);
      loaded.push(await loadFunction(fn, { rootDir, env, activity, log }));
    }
    const byKey = new Map(loaded.map((fn) => [fn.key, fn]));
    const byName = new Map(loaded.map((fn) => [fn.name, fn]));
    const fnFor = (key: string): LocalFunction => {
      const fn = byKey.get(key);
      if (!fn) throw new Error(`Function ${key} is not loaded`);
      return fn;
    };

    const invoker = new AsyncInvoker({ activity, failures });
    stoppers.push(() => invoker.stop());
    if (options.smsEvents ?? true) {
      // As End User Messaging publishes to the SNS topic, and SNS invokes each subscribed function
      // asynchronously with the record as the message.
      sms.publishEventsTo((records, configurationSet) => {
        for (const destination of model.smsEventDestinations) {
          if (destination.configurationSet !== configurationSet) continue;
          for (const record of records) {
            const types = destination.eventTypes;
            if (!types.includes(record.eventType) && !types.includes('TEXT_ALL') && !types.includes('ALL'))
              continue;
            const event = snsLambdaEvent(destination.topicArn, JSON.stringify(record), clock.now());
            for (const key of destination.functionKeys) {
              void invoker.invoke({
                fn: fnFor(key),
                event,
                source: `topic ${destination.topicArn}`,
                eventId: event.Records[0].Sns.MessageId,
                settings: model.asyncConfigs.get(key) ?? DEFAULT_ASYNC_RETRY,
              });
            }
          }
        }
      });
    }
    bus = new EventBus({
      rules: model.rules,
      busNames: model.buses.map((b) => b.name),
      functions: byKey,
      queues,
      asyncConfigs: model.asyncConfigs,
      invoker,
      log,
    });

    const checkpoints = options.dataDir
      ? new FileCheckpoints(join(options.dataDir, 'stream-checkpoints.json'))
      : new MemoryCheckpoints();
    const capWindow = <T extends { maxBatchingWindowSeconds: number }>(mapping: T): T =>
      capBatchingWindow(mapping, options.batchingWindowCapMs);
    const pollers = model.streamMappings
      .filter((mapping) => mapping.enabled)
      .map(capWindow)
      .map((mapping) => {
        const streamArn = streamArns.get(mapping.tableKey);
        if (!streamArn)
          throw new Error(`EventSourceMapping ${mapping.id.key}: table ${mapping.tableKey} has no stream`);
        return new StreamPoller({
          mapping,
          fn: fnFor(mapping.functionKey),
          streamArn,
          client: streamsClient,
          checkpoints,
          failures,
          log,
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        });
      });
    const queuePollers = model.queueMappings
      .filter((mapping) => mapping.enabled)
      .map(capWindow)
      .map((mapping) => {
        const queue = queues.get(mapping.queueKey);
        if (!queue)
          throw new Error(`EventSourceMapping ${mapping.id.key}: queue ${mapping.queueKey} is not loaded`);
        return new QueuePoller({ mapping, queue, fn: fnFor(mapping.functionKey), log });
      });
    const consumers: (StreamPoller | QueuePoller)[] = [...pollers, ...queuePollers];
    stoppers.push(async () => {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
    });
    for (const consumer of consumers) consumer.start();

    const scheduler = new LocalScheduler({
      schedules: model.schedules.map((schedule) => ({ model: schedule, fn: fnFor(schedule.functionKey) })),
      invoker,
      asyncConfigs: model.asyncConfigs,
      clock: { now: () => clock.nowMs() },
      log,
    });
    stoppers.push(() => scheduler.stop());
    if (options.runSchedules ?? true) scheduler.start();

    const settled: LocalRuntime['settled'] = async (timeoutMs = 300_000, settleOptions = {}) => {
      const startedAt = performance.now();
      const wokenFor = new Map<StreamPoller | QueuePoller, number>();
      for (;;) {
        // The providers' events due by now go out first (their invocations then count as busy).
        providerEvents.pump();
        // Quiet must be observed after the call and after the last invocation ended, so a
        // write made by a handler a moment ago is seen by the poller of the table it wrote.
        const threshold = Math.max(startedAt, activity.lastEndAt);
        const busyPollers = consumers.filter((poller) => {
          const quiet =
            poller instanceof QueuePoller
              ? poller.quietSince(settleOptions.ignoreHidden, settleOptions.includeParked)
              : poller.quietSince();
          return quiet === undefined || quiet <= threshold;
        });
        for (const poller of busyPollers) {
          // Poll now rather than after the interval, once per threshold.
          if (wokenFor.get(poller) === threshold) continue;
          wokenFor.set(poller, threshold);
          poller.wake();
        }
        if (!activity.busy && busyPollers.length === 0) return;
        if (performance.now() - startedAt > timeoutMs) {
          const what = [
            ...(activity.busy ? ['invocations in flight'] : []),
            ...busyPollers.map((poller) => poller.name),
          ];
          throw new Error(`settled() timed out after ${timeoutMs} ms; still busy: ${what.join(', ')}`);
        }
        await sleep(10);
      }
    };

    const corsByApi = new Map(model.apis.map((api) => [api.id.key, api.cors]));
    const bindings: HttpRouteBinding[] = model.routes.map((route) => {
      const cors = corsByApi.get(route.apiKey);
      const fn = fnFor(route.functionKey);
      const bound = route.routeKey === PLANNER_RUNS_ROUTE ? asOfPlannedInstant(fn, clock, settled) : fn;
      return { route, fn: bound, ...(cors ? { cors } : {}) };
    });
    http.setRoutes(bindings);
    http.setLocalRoutes({
      'GET /local/outbox': (query) =>
        readOutbox(sesEndpoint as string, sms.list(), outboxLimit(query.get('limit')), query.getAll('to')),
      'GET /local/bulk-target': async () => bulkTarget(dynamoEndpoint as string, envByEntry, secrets),
      'POST /local/clock': clockRoute(scheduler, settled, clock),
      'POST /local/provider-events': providerEventsRoute(providerEvents),
      ...failuresRoutes(
        () => [...queues.values()],
        () => failures.list(),
      ),
    });
    http.setReady(true);

    const tableNames: Record<string, string> = {};
    for (const table of model.tables) {
      const ensured = tables.get(table.id.key);
      if (ensured) tableNames[table.baseName] = ensured.name;
    }

    let stopping: Promise<void> | undefined;
    return {
      url: http.url,
      dynamoEndpoint,
      sesEndpoint,
      localAwsEndpoint: localAws.endpoint,
      tableNames,
      functions: byName,
      scheduler,
      clock,
      settled,
      failures: () => failures.list(),
      invocations: () => activity.invocations(),
      smsMessages: () => sms.list(),
      throttle,
      providerEvents,
      stop: () => {
        stopping ??= (async () => {
          http.setReady(false);
          await stopAll();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll().catch((stopError: unknown) =>
      log(`[runtime] cleanup after a failed start: ${String(stopError)}`),
    );
    throw error;
  }
};

/**
 * Where the demo loader may write in bulk (lib/demo/bulk-load.ts): this DynamoDB Local, the tables
 * the ingest functions write, and the order rules they apply — read from those functions' own
 * environment, so the loader and the API cannot disagree — the pseudonym keys of the Identities table
 * included (an admin route: the same keys are in .precis/secrets.json on this machine).
 */
const bulkTarget = (
  dynamoEndpoint: string,
  envByEntry: ReadonlyMap<string, Record<string, string>>,
  secrets: LocalSecrets,
) => {
  const orders = envByEntry.get('functions/orders-api/handler.ts') ?? {};
  const surveys = envByEntry.get('functions/surveys-api/handler.ts') ?? {};
  return {
    dynamoEndpoint,
    tables: {
      customers: orders[ENV.customersTable],
      identities: orders[ENV.identitiesTable],
      orders: orders[ENV.ordersTable],
      orderIds: orders[ENV.orderIdsTable],
      surveys: surveys[ENV.surveysTable],
    },
    reportingCurrency: orders[ENV.reportingCurrency],
    exchangeRates: orders[ENV.exchangeRates],
    identityKeys: parseLinkSigningKeys(secrets.value(orders[ENV.identityKeySecret] as string)),
    identityLegacyLookup: orders[ENV.identityLegacyLookup] !== 'false',
  };
};

/** The admin route of a planner pass "as of" an instant (`{"at": ISO}`; functions/campaign-planner). */
const PLANNER_RUNS_ROUTE = 'POST /planner/runs';

/** How long the clock stays at a planner pass's instant after it answered, for the runtime to settle. */
const AS_OF_SETTLE_MS = 300_000;

/**
 * A planner pass "as of" an instant, run with the shared clock moved to that instant, and held there
 * (running) until the runtime has settled — the sender's send-time guard then checks the messages
 * the pass queued against the planned time, not the wall clock. The answer waits for the settling,
 * so the caller never sees the clock still moved: a signup made right after the answer is stamped,
 * and its links signed, on the real clock. A pass without `at` runs on the clock as it is.
 */
function asOfPlannedInstant(
  fn: LocalFunction,
  clock: SharedClock,
  settled: LocalRuntime['settled'],
): LocalFunction {
  return {
    ...fn,
    invoke: (event) => {
      const at = plannedInstant(event);
      if (!at) return fn.invoke(event);
      return clock.asOf(at, async () => {
        const answer = await fn.invoke(event);
        await settled(AS_OF_SETTLE_MS, { ignoreHidden: true });
        return answer;
      });
    },
  };
}

/** `at` of a POST /planner/runs event's JSON body, when it is a valid instant. */
function plannedInstant(event: unknown): Date | undefined {
  const { body, isBase64Encoded } = (event ?? {}) as { body?: string; isBase64Encoded?: boolean };
  if (!body) return undefined;
  try {
    const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
    const at = (JSON.parse(text) as { at?: unknown }).at;
    const time = typeof at === 'string' ? Date.parse(at) : Number.NaN;
    return Number.isNaN(time) ? undefined : new Date(time);
  } catch {
    return undefined;
  }
}

/** `?limit=` of the outbox: 1..MAX_OUTBOX_ENTRIES, default 20. */
const outboxLimit = (raw: string | null): number => {
  const n = Number(raw ?? 20);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_OUTBOX_ENTRIES) : 20;
};

/** A mapping with its batching window lowered to at most `capMs` (tests and the demo need no wait). */
export function capBatchingWindow<T extends { maxBatchingWindowSeconds: number }>(
  mapping: T,
  capMs: number | undefined,
): T {
  if (capMs === undefined) return mapping;
  return { ...mapping, maxBatchingWindowSeconds: Math.min(mapping.maxBatchingWindowSeconds, capMs / 1000) };
}
