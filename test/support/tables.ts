import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { inject } from 'vitest';
import { synthTemplates } from '../../infra/synth';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { CapacityRecorder } from '../../lib/adapters/dynamodb/capacity';
import { type Customer, CustomerSchema } from '../../lib/domain/customer';
import { buildLocalModel, ensureTables, tableName } from '../../lib/local/template';
import { uniquePrefix } from './runtime';

/** One stored profile, read strongly consistently and parsed as the app parses it. */
export async function readProfile(
  dynamo: DynamoDBClient,
  table: string,
  customerId: string,
): Promise<Customer> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: { customerId: { S: customerId } }, ConsistentRead: true }),
  );
  return CustomerSchema.parse(unmarshall(out.Item as Record<string, AttributeValue>));
}

/**
 * A signed-up customer made messageable without the confirmation round trip: email consent
 * `confirmed`, or (with `phone`) a verified number with SMS consent `opted_in`. A test's shortcut,
 * written as the stored item is, so the planner and the sender find them due.
 */
export async function grantConsent(
  dynamo: DynamoDBClient,
  table: string,
  customerId: string,
  consent: { email: true } | { phone: string },
): Promise<void> {
  const granted = (status: string) => ({
    M: { status: { S: status }, updatedAt: { S: '2026-01-01T00:00:00.000Z' }, source: { S: 'test' } },
  });
  await dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { customerId: { S: customerId } },
      ...('phone' in consent
        ? {
            UpdateExpression: 'SET phone = :p, consent.sms = :c',
            ExpressionAttributeValues: { ':p': { S: consent.phone }, ':c': granted('opted_in') },
          }
        : {
            UpdateExpression: 'SET consent.email = :c',
            ExpressionAttributeValues: { ':c': granted('confirmed') },
          }),
    }),
  );
}

/** Every Deliveries ledger row of one customer. */
export async function readLedger(
  dynamo: DynamoDBClient,
  table: string,
  customerId: string,
): Promise<Record<string, unknown>[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'customerId = :c',
      ExpressionAttributeValues: { ':c': { S: customerId } },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => unmarshall(item));
}

/** A document client on the run's DynamoDB Local that reports every call's capacity to `recorder`. */
export const meteredDb = (recorder: CapacityRecorder): DynamoDBDocumentClient =>
  dynamoDocumentClient(localEnv(), recorder);

/** The environment a function would get from the local runtime, for the run's DynamoDB Local. */
const localEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
  AWS_REGION: 'local',
  AWS_ACCESS_KEY_ID: 'local',
});

/**
 * The app's tables, created from the synthesized templates under a fresh prefix in the run's
 * DynamoDB Local (for contract tests that use the adapters without the runtime).
 */
export async function appTables(): Promise<{
  db: DynamoDBDocumentClient;
  nameOf: (construct: string) => string;
}> {
  const model = buildLocalModel(synthTemplates());
  const prefix = uniquePrefix();
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(client, model, prefix);
  client.destroy();
  const nameOf = (construct: string) => {
    const table = model.tables.find((t) => t.baseName === construct);
    if (!table) throw new Error(`no ${construct} table in the templates`);
    return tableName(table, prefix);
  };
  return { db: dynamoDocumentClient(localEnv()), nameOf };
}
