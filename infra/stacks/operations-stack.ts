import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import type { PrecisConfig } from '../config';
import { Operations } from '../constructs/operations';

export interface OperationsStackProps extends StackProps {
  config: PrecisConfig;
  /** The stacks to watch (every function, failure queue, stream consumer and API in them). */
  watch: IConstruct[];
}

/** Alarms, the operator's SNS topic and the CloudWatch dashboard, deployed after the stacks they watch. */
export class OperationsStack extends Stack {
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    this.operations = new Operations(this, 'Operations', { config: props.config, watch: props.watch });
  }
}
