import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, type Env } from '../../config/env-names';
import type { CapacityRecorder } from '../dynamodb/capacity';
import { observeCapacity } from './capacity-observer';
import { traced } from './tracer';

// Clients are built once per container from the env; locally the runtime sets the endpoints.
const credentialsFor = (env: Env) =>
  env.AWS_ACCESS_KEY_ID === 'local' ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;

/** `recorder`: where this client's consumed capacity goes (tests, benches); default the observers. */
export function dynamoDocumentClient(env: Env, recorder?: CapacityRecorder): DynamoDBDocumentClient {
  const endpoint = env[ENV.endpointDynamodb];
  const credentials = credentialsFor(env);
  const client = new DynamoDBClient({
    ...(env[ENV.region] ? { region: env[ENV.region] } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  observeCapacity(client, recorder);
  return DynamoDBDocumentClient.from(traced(client), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

export function eventBridgeClient(env: Env): EventBridgeClient {
  const endpoint = env[ENV.endpointEventbridge];
  const credentials = credentialsFor(env);
  return traced(
    new EventBridgeClient({
      ...(env[ENV.region] ? { region: env[ENV.region] } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    }),
  );
}

const clientConfig = (env: Env, endpoint: string | undefined) => {
  const credentials = credentialsFor(env);
  return {
    ...(env[ENV.region] ? { region: env[ENV.region] } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
};

export const sqsClient = (env: Env): SQSClient =>
  traced(new SQSClient(clientConfig(env, env[ENV.endpointSqs])));
/**
 * `sending`: a client whose calls send a message makes one attempt only. The SDK would retry a
 * send after a timeout or a reset connection, which may send it twice; and a throttled send is the
 * sender's to put back on the queue with a back-off, not the SDK's to retry at once against a
 * provider that just said "slow down". Reads (GetAccount, the opted-out check) keep the retries.
 */
type ClientUse = { sending?: boolean };
const attempts = (use: ClientUse) => (use.sending ? { maxAttempts: 1 } : {});
export const sesClient = (env: Env, use: ClientUse = {}): SESv2Client =>
  traced(new SESv2Client({ ...clientConfig(env, env[ENV.endpointSesv2]), ...attempts(use) }));
export const smsVoiceClient = (env: Env, use: ClientUse = {}): PinpointSMSVoiceV2Client =>
  traced(new PinpointSMSVoiceV2Client({ ...clientConfig(env, env[ENV.endpointSmsVoice]), ...attempts(use) }));
export const secretsManagerClient = (env: Env): SecretsManagerClient =>
  traced(new SecretsManagerClient(clientConfig(env, env[ENV.endpointSecretsManager])));
