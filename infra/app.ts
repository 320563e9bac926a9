import { App } from 'aws-cdk-lib';
import { loadConfig } from './config';
import { buildStacks } from './stacks';

// The only CDK entry point (`npx cdk synth`, `npx cdk deploy --all`).
const app = new App();
buildStacks(
  app,
  loadConfig((key) => app.node.tryGetContext(key)),
);
