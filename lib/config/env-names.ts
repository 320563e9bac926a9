// Environment variable names, defined once: infra/ sets them on each function, lib/config reads them.
export const ENV = {
  customersTable: 'CUSTOMERS_TABLE',
  identitiesTable: 'IDENTITIES_TABLE',
  ordersTable: 'ORDERS_TABLE',
  orderIdsTable: 'ORDER_IDS_TABLE',
  reportingCurrency: 'REPORTING_CURRENCY',
  /** JSON object: units of the reporting currency per unit of each other accepted currency. */
  exchangeRates: 'EXCHANGE_RATES',
  defaultTimeZone: 'DEFAULT_TIME_ZONE',
  defaultLocale: 'DEFAULT_LOCALE',
  thankYouUrl: 'THANK_YOU_URL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  region: 'AWS_REGION',
  endpointDynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  endpointSesv2: 'AWS_ENDPOINT_URL_SESV2',
  endpointSns: 'AWS_ENDPOINT_URL_SNS',
  endpointEventbridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
export type Env = Record<string, string | undefined>;
