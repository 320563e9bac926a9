import { randomUUID } from 'node:crypto';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import type { OrderRules } from '../../lib/domain/order';
import { systemClock } from '../../lib/ports/clock';
import type { OrderDeps } from '../../lib/use-cases/place-order';
import { identityTable } from './identities';

/** What every order entry point (HTTP and EventBridge) is built from. */
export function orderDeps(env: Env): { deps: OrderDeps; rules: () => OrderRules } {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.identitiesTable,
    ENV.ordersTable,
    ENV.orderIdsTable,
    ENV.reportingCurrency,
    ENV.exchangeRates,
    ENV.defaultTimeZone,
    ENV.defaultLocale,
  ]);
  const exchangeRates = parseRates(config[ENV.exchangeRates]);
  const db = dynamoDocumentClient(env);
  const deps: OrderDeps = {
    customers: new DynamoCustomerRepository(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
    orders: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
    clock: systemClock,
    newCustomerId: () => `cus_${randomUUID()}`,
    defaults: { timeZone: config[ENV.defaultTimeZone], locale: config[ENV.defaultLocale] },
  };
  const rules = () => ({
    now: deps.clock.now().toISOString(),
    reportingCurrency: config[ENV.reportingCurrency],
    exchangeRates,
  });
  return { deps, rules };
}

function parseRates(json: string): Record<string, number> {
  const rates: unknown = JSON.parse(json);
  const valid =
    typeof rates === 'object' &&
    rates !== null &&
    Object.values(rates).every((rate) => typeof rate === 'number' && rate > 0);
  if (!valid) throw new ConfigError(`${ENV.exchangeRates} must be a JSON object of positive numbers`);
  return rates as Record<string, number>;
}
