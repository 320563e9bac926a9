import type { Context } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { DynamoProfileScan } from '../../lib/adapters/dynamodb/dynamo-profile-scan';
import { DynamoSegmentMembers } from '../../lib/adapters/dynamodb/dynamo-segment-members';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge/eventbridge-publisher';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { type RefitDeps, refitModel } from '../../lib/use-cases/refit-model';
import * as z from '../../lib/zod';
import { type HttpResult, isHttpRequest } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { scoringDeps } from '../shared/scoring-deps';
import { refitRequestsHandler } from './refit-requests';

/** What the invocation returns (and logs): counts and the version, never a customer. */
export interface RefitResult {
  version: number;
  asOfDay: string;
  ltv: string;
  profiles: number;
  buyers: number;
  repeatBuyers: number;
  triples: number;
  written: number;
}

/**
 * The time the refit runs as of: the schedule's input (`<aws.scheduler.scheduled-time>`), or the
 * EventBridge event's `time`; so a late, retried or simulated (`precis simulate`) run fits as of its day.
 */
const RefitEventSchema = z.catchall(
  z.partial(z.object({ time: z.iso.datetime({ offset: true }) })),
  z.unknown(),
);

/**
 * The nightly model refit (EventBridge Scheduler, 03:00 UTC; also on `ModelRefitRequested` from
 * `POST /model/refit`). It always refits from the whole table, as of the event's time (default
 * now). See lib/use-cases/refit-model.ts for the map/reduce and its limits.
 */
export function refitHandler(
  deps: RefitDeps,
  logger: ReturnType<typeof loggerFor>,
): (event: unknown, context?: Context) => Promise<RefitResult> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const trigger = (event as { 'detail-type'?: unknown } | undefined)?.['detail-type'];
    const time = RefitEventSchema.parse(event ?? {}).time;
    const at = time === undefined ? undefined : new Date(time);
    // `POST /model/refit {"reindexMembers": true}` (precis segments reindex): the one-off backfill.
    const reindexMembers =
      (event as { detail?: { reindexMembers?: unknown } } | undefined)?.detail?.reindexMembers === true;
    const outcome = await refitModel({ ...deps, ...(at && { clock: { now: () => at } }), reindexMembers });
    if (outcome.ltv.status === 'kept_previous') {
      logger.warn('LTV parameters not refitted: keeping the previous ones', {
        reason: outcome.ltv.reason,
        keptFromVersion: outcome.ltv.fromVersion,
        repeatBuyers: outcome.repeatBuyers,
      });
    }
    const result: RefitResult = {
      version: outcome.version,
      asOfDay: outcome.asOfDay,
      ltv: outcome.ltv.status,
      profiles: outcome.profiles,
      buyers: outcome.buyers,
      repeatBuyers: outcome.repeatBuyers,
      triples: outcome.triples,
      written: outcome.rescored.written,
    };
    logger.info('model refitted', {
      ...result,
      trigger: typeof trigger === 'string' ? trigger : 'invoke',
      gammaGamma: outcome.gammaGamma,
      stale: outcome.rescored.stale,
      unchanged: outcome.rescored.unchanged,
      memberships: outcome.memberships,
      millis: outcome.millis,
    });
    return result;
  };
}

/**
 * One function owns refitting: the nightly schedule, `ModelRefitRequested` from the bus, and the
 * `POST /model/refit` request that puts that event there (refit-requests.ts), told apart by shape.
 */
export function createHandler(
  env: Env,
): (event: unknown, context?: Context) => Promise<RefitResult | HttpResult> {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.ordersTable,
    ENV.orderIdsTable,
    ENV.eventBusName,
    ENV.segmentMembersTable,
  ]);
  const db = dynamoDocumentClient(env);
  const { modelRepository, rules, settings, indexShards } = scoringDeps(env, db);
  const deps: RefitDeps = {
    scan: new DynamoProfileScan(db, config[ENV.customersTable]),
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    models: modelRepository,
    clock: systemClock,
    rules,
    settings,
    indexShards,
    members: new DynamoSegmentMembers(db, config[ENV.segmentMembersTable], indexShards),
    // Reads order histories only (the model choice's sample); the id table is named because the adapter takes both.
    orderHistories: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
  };
  const logger = loggerFor(env, 'model-refit');
  const refit = refitHandler(deps, logger);
  const requests = refitRequestsHandler(
    {
      models: modelRepository,
      events: new EventBridgePublisher(eventBridgeClient(env), config[ENV.eventBusName]),
      clock: systemClock,
    },
    logger,
  );
  return (event, context) =>
    isHttpRequest(event) ? requests(event, context as Context) : refit(event, context);
}

export const handler = lambdaEntry(createHandler);
