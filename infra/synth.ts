import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { loadConfig, type PrecisConfig } from './config';
import { REPO_ROOT } from './constructs/precis-function';
import { buildStacks } from './stacks';

export type CfnTemplate = Record<string, unknown> & { Resources?: Record<string, unknown> };

/**
 * Synthesizes the app in-process without bundling (fast, offline) and returns each stack's template:
 * the local runtime creates its tables and wiring from these, so local and cloud cannot drift.
 */
export function synthTemplates(overrides: Partial<PrecisConfig> = {}): Record<string, CfnTemplate> {
  const outdir = mkdtempSync(join(tmpdir(), 'precis-synth-'));
  try {
    // The same feature flags and context as `npx cdk synth`, which reads them from cdk.json.
    const { context } = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: object };
    const app = new App({ outdir, context: { ...context, [BUNDLING_STACKS]: [] } });
    // The local runtime serves its own dashboard with the admin key: no PrecisDashboard stack (its
    // Cognito-authorized copies of the read routes have nothing to emulate) unless asked for. No
    // public edge either (CloudFront and WAF have no local stand-in; the local server limits per
    // address itself), so no origin check in the functions and no region pinned.
    const loaded = loadConfig((key) => app.node.tryGetContext(key));
    const config: PrecisConfig = {
      ...loaded,
      dashboard: { enabled: false },
      publicEdge: { ...loaded.publicEdge, enabled: false },
      region: undefined,
      ...overrides,
    };
    const stacks: Stack[] = buildStacks(app, config);
    const assembly = app.synth();
    return Object.fromEntries(
      stacks.map((stack) => [stack.stackName, assembly.getStackByName(stack.stackName).template]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
