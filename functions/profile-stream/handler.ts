import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { CustomerSchema } from '../../lib/domain/customer';
import { systemClock } from '../../lib/ports/clock';
import { refreshDerivedKeys } from '../../lib/use-cases/refresh-derived-keys';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/** Composition root of the Customers stream consumer: keeps each profile's derived keys current. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.customersTable]);
  const logger = loggerFor(env, 'profile-stream');
  const customers = new DynamoCustomerRepository(dynamoDocumentClient(env), {
    customers: config[ENV.customersTable],
  });
  return streamHandler(logger, async (record) => {
    const { newImage } = images(record);
    if (!newImage) return; // a removed profile has nothing to derive
    await refreshDerivedKeys({ customers, clock: systemClock }, CustomerSchema.parse(newImage));
  });
}

export const handler = lambdaEntry(createHandler);
