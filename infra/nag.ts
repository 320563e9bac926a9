import { type App, type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag's AwsSolutions pack as a CDK validation plugin (cdk-nag 3: `Validations`, not an Aspect):
 * `npx cdk synth` and `cdk deploy` fail on any finding, error or warning, that is not acknowledged
 * with a reason in the code next to the resource it concerns. The local runtime's in-process synth
 * (infra/synth.ts) leaves it out; test/infra/nag.test.ts runs the same pack over the whole app.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** Acknowledges one finding (`AwsSolutions-IAM5[Resource::…]` names one of a rule's findings) on a construct and its children. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag names a resource's attribute in a finding: `<LogicalId.Attr>` in its own stack. */
export function nagAttribute(element: CfnElement, attribute: string): string {
  return `<${Stack.of(element).getLogicalId(element)}.${attribute}>`;
}

/**
 * How cdk-nag names a resource's attribute read from another stack: the export CDK creates for the
 * reference (`Stack.exportValue` makes the same export an automatic reference would, and returns it).
 */
export function nagExportedAttribute(stack: Stack, value: string): string {
  const imported = stack.resolve(stack.exportValue(value)) as { 'Fn::ImportValue'?: unknown };
  const name = imported['Fn::ImportValue'];
  if (typeof name !== 'string') throw new Error('expected an export name');
  return name;
}

/**
 * A grant on a table with global secondary indexes (`table.grant(fn, …)`) also covers
 * `<table arn>/index/*`: acknowledged once, next to the table, for every function granted on it.
 */
export function acknowledgeIndexGrants(table: Table): void {
  const stack = Stack.of(table);
  const reason =
    `CDK grants on the ${table.node.id} table include its own indexes (<table arn>/index/*); ` +
    'the actions stay exactly the ones granted, and no other table is matched.';
  const cfnTable = table.node.defaultChild as CfnElement;
  for (const arn of [nagAttribute(cfnTable, 'Arn'), nagExportedAttribute(stack, table.tableArn)]) {
    acknowledge(stack.node.root, `AwsSolutions-IAM5[Resource::${arn}/index/*]`, reason);
  }
}

/**
 * A stack's pseudo parameters as cdk-nag writes them in a finding: `<AWS::Region>` and so on, or the
 * value itself when the stack is pinned to a region (config `region`), which also fixes the partition.
 */
export function nagPseudo(stack: Stack): { partition: string; region: string; account: string } {
  const named = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
  return {
    partition: named(stack.partition, 'Partition'),
    region: named(stack.region, 'Region'),
    account: named(stack.account, 'AccountId'),
  };
}
