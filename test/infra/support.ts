import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { loadConfig } from '../../infra/config';
import { buildStacks } from '../../infra/stacks';

/** The three stacks' templates, synthesized without bundling and without a config file. */
export function synthStacks(context: Record<string, unknown> = {}): {
  data: Template;
  api: Template;
  messaging: Template;
} {
  const app = new App({ context: { [BUNDLING_STACKS]: [], ...context } });
  const [d, a, m] = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
  ) as [Stack, Stack, Stack];
  return { data: Template.fromStack(d), api: Template.fromStack(a), messaging: Template.fromStack(m) };
}

export interface Grant {
  actions: string[];
  resources: string;
}

/** The IAM statements of a function's role: actions and what they apply to. */
export function grants(template: Template, rolePrefix: string): Grant[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
  });
  return Object.values(policies).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map(
      (s) => ({ actions: [s.Action].flat().sort(), resources: JSON.stringify(s.Resource) }),
    ),
  );
}

/** Actions granted on one data-stack resource (by its construct id), stream reads left out. */
export function actionsOn(template: Template, rolePrefix: string, resource: string): string[] {
  return grants(template, rolePrefix)
    .filter((g) => new RegExp(`PrecisData.*GetAtt${resource}[0-9A-F]{8}Arn`).test(g.resources))
    .flatMap((g) => g.actions)
    .sort();
}

/** Every action a role has, on anything. */
export const allActions = (template: Template, rolePrefix: string): string[] =>
  grants(template, rolePrefix)
    .flatMap((g) => g.actions)
    .sort();

/** The logical id of the function whose handler is `entry` (from its `precis:entry` metadata). */
export function functionId(template: Template, entry: string): string {
  const found = Object.entries(
    template.toJSON().Resources as Record<string, { Metadata?: Record<string, string> }>,
  ).find(([, resource]) => resource.Metadata?.['precis:entry'] === entry);
  if (!found) throw new Error(`no function for ${entry}`);
  return found[0];
}
