import type { TestProject } from 'vitest/node';
import { startDynamoLocal } from '../../lib/local/dynamo-local';
import { startSesLocal } from '../../lib/local/ses-local';

// Vitest global setup for the integration and e2e projects: one DynamoDB Local (in memory, free
// port) and one SES v2 emulator for the whole run. Suites share them and isolate themselves with
// a table prefix (see test/support/runtime.ts) and their own recipients.

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sesEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [dynamo, ses] = await Promise.all([startDynamoLocal(), startSesLocal({ port: 0 })]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), ses.stop()]);
  };
}
