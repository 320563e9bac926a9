import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONFIRMATION_LIMITS,
  confirmationAllowed,
  type SendLimits,
} from '../../domain/campaigns/confirmation';
import { mailboxOf } from '../../domain/email-address';
import { PHONE_CODE_LIMITS } from '../../domain/phone-verification';
import type { ConfirmationLimiter } from '../../ports/confirmation-limiter';
import * as z from '../../zod';
import type { IdentityTable } from './dynamo-customer-repository';

// The confirmation counter of a mailbox: one item in the Identities table, keyed by the keyed
// pseudonym of the mailbox (`mailbox#k:…`, never the address), holding the send times still inside
// the longest limit window and a version. A conditional write on the version makes two signups
// racing for one mailbox count as two, so the limit holds under concurrency. The verification code
// texts are counted the same way per number (`phone-code#k:…`), with their own limits.

/** What one counter counts: its key's name, the address it is keyed by, the limits. */
export interface SendCounter {
  name: 'mailbox' | 'phone-code';
  addressOf: (address: string) => string;
  limits: SendLimits;
}

export const MAILBOX_CONFIRMATIONS: SendCounter = {
  name: 'mailbox',
  addressOf: mailboxOf,
  limits: CONFIRMATION_LIMITS,
};
export const PHONE_CODES: SendCounter = {
  name: 'phone-code',
  addressOf: (phone) => phone,
  limits: PHONE_CODE_LIMITS,
};

const CounterSchema = z.object({
  sentAt: z._default(z.array(z.string()), []),
  version: z._default(z.number().check(z.int()), 0),
});

const ATTEMPTS = 5;

export class DynamoConfirmationLimiter implements ConfirmationLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly identities: IdentityTable,
    private readonly counter: SendCounter = MAILBOX_CONFIRMATIONS,
  ) {}

  async tryCount(address: string, at: Date): Promise<boolean> {
    const key = await this.identities.keys.counterKey(this.counter.name, this.counter.addressOf(address));
    for (let attempt = 1; ; attempt++) {
      const out = await this.db.send(
        new GetCommand({
          TableName: this.identities.table,
          Key: { identity: key },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      const stored = CounterSchema.parse(out.Item ?? {});
      const decision = confirmationAllowed(stored.sentAt, at, this.counter.limits);
      if (!decision.allowed) return false;
      try {
        const _out = await this.db.send(
          new UpdateCommand({
            TableName: this.identities.table,
            Key: { identity: key },
            UpdateExpression: 'SET sentAt = :next, #version = :version',
            ConditionExpression: out.Item ? '#version = :expected' : 'attribute_not_exists(#version)',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: {
              ':next': decision.next,
              ':version': stored.version + 1,
              ...(out.Item && { ':expected': stored.version }),
            },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        return true;
      } catch (err) {
        // Another confirmation for the same mailbox got there first: decide again on its count.
        if (!(err instanceof ConditionalCheckFailedException) || attempt >= ATTEMPTS) throw err;
      }
    }
  }
}
