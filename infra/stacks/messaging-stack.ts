import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import { PrecisFunction } from '../constructs/precis-function';
import { StreamConsumer } from '../constructs/stream-consumer';

export interface MessagingStackProps extends StackProps {
  logRetention: RetentionDays;
  customers: ITable;
}

/** Stream consumers (and, with the campaigns, the schedules, queues and senders). */
export class MessagingStack extends Stack {
  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const profileStream = new PrecisFunction(this, 'ProfileStream', {
      role: 'profile-stream',
      logRetention: props.logRetention,
      environment: { [ENV.customersTable]: props.customers.tableName },
    });
    // Writes derived keys only; the event source grants the stream reads.
    props.customers.grant(profileStream, 'dynamodb:UpdateItem');
    new StreamConsumer(this, 'ProfileStreamConsumer', { table: props.customers, fn: profileStream });
  }
}
