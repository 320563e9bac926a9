import { App } from 'aws-cdk-lib';
import { loadConfig } from './config';
import { addNagChecks } from './nag';
import { buildStacks } from './stacks';

// The only CDK entry point (`npx cdk synth`, `npx cdk deploy --all`). cdk-nag's AwsSolutions checks
// run on every synth here: an unacknowledged finding fails it.
const app = new App();
buildStacks(
  app,
  loadConfig((key) => app.node.tryGetContext(key)),
);
addNagChecks(app);
