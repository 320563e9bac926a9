import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { inject } from 'vitest';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { CapacityRecorder } from '../../lib/adapters/dynamodb/capacity';
import { type Customer, CustomerSchema } from '../../lib/domain/customer';

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
  dynamoDocumentClient(
    { AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'), AWS_REGION: 'local', AWS_ACCESS_KEY_ID: 'local' },
    recorder,
  );
