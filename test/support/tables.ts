import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
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
