import { App, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { addNagChecks } from '../../infra/nag';
import { buildStacks } from '../../infra/stacks';

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the whole app, errors or warnings', () => {
    const app = new App({ context: { [BUNDLING_STACKS]: [] } });
    buildStacks(
      app,
      loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
    );
    app.synth();
    const { violations } = new AwsSolutionsChecks().validateScope(app);
    const findings = violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('finds nothing unacknowledged with the link-signing key named in config', () => {
    const app = new App({ context: { [BUNDLING_STACKS]: [], linkSigningSecret: 'precis/link-signing-key' } });
    buildStacks(
      app,
      loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
    );
    app.synth();
    const { violations } = new AwsSolutionsChecks().validateScope(app);
    expect(
      violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    ).toEqual([]);
  });

  it('fails the synth of `npx cdk synth` (infra/app.ts) on an unacknowledged finding', () => {
    const app = new App({ context: { [BUNDLING_STACKS]: [] } });
    new Queue(new Stack(app, 'Careless'), 'PlainQueue');
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
