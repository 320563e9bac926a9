import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CHANGE_ATTRIBUTE, type ChangeKind } from '../../domain/customer';
import type { PhoneCode } from '../../domain/phone-verification';
import type { ConsentStore, SuppressionEntry } from '../../ports/consent-store';
import type { IdentityKind } from '../../ports/customer-repository';
import type { IdentityTable } from './dynamo-customer-repository';

type Update = ConstructorParameters<typeof UpdateCommand>[0];

/**
 * Marks a Customers update as send bookkeeping (`change = sends`, see ChangeKind): neither the profile
 * stream nor the message triggers wake for it.
 */
function sends(input: Update): Update {
  return {
    ...input,
    UpdateExpression: /^SET /.test(input.UpdateExpression ?? '')
      ? input.UpdateExpression?.replace(/^SET /, 'SET #change = :change, ')
      : `SET #change = :change ${input.UpdateExpression ?? ''}`,
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#change': CHANGE_ATTRIBUTE },
    ExpressionAttributeValues: {
      ...input.ExpressionAttributeValues,
      ':change': 'sends' satisfies ChangeKind,
    },
  };
}

/**
 * Consent bookkeeping on the Customers item (nested updates, no version bump: these are not changes
 * the person made, and must not make a concurrent signup or confirmation fail) and on the
 * Identities item (the hashed address).
 */
export class DynamoConsentStore implements ConsentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { customers: string; identities?: IdentityTable },
  ) {}

  async recordConfirmationSent(customerId: string, requestedAt: string, at: string): Promise<void> {
    try {
      const _out = await this.db.send(
        new UpdateCommand(
          sends({
            TableName: this.tables.customers,
            Key: { customerId },
            UpdateExpression: 'SET consent.email.confirmationSentAt = :at',
            ConditionExpression:
              'consent.email.#status = :pending AND consent.email.requestedAt = :requested',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':at': at, ':pending': 'pending', ':requested': requestedAt },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        ),
      );
    } catch (err) {
      // Confirmed, renewed or gone in the meantime: nothing to record.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async recordPhoneCode(customerId: string, code: PhoneCode): Promise<boolean> {
    return this.conditional({
      TableName: this.tables.customers,
      Key: { customerId },
      UpdateExpression: 'SET phoneCode = :code',
      ConditionExpression: 'pendingPhone.requestedAt = :requested AND attribute_not_exists(erasedAt)',
      ExpressionAttributeValues: { ':code': code, ':requested': code.requestedAt },
      ReturnConsumedCapacity: 'INDEXES',
    });
  }

  async countPhoneCodeAttempt(customerId: string, requestedAt: string, max: number): Promise<boolean> {
    // Counted before the code is compared, atomically: parallel guesses cannot get past `max`.
    return this.conditional({
      TableName: this.tables.customers,
      Key: { customerId },
      UpdateExpression: 'SET phoneCode.attempts = phoneCode.attempts + :one',
      ConditionExpression: 'phoneCode.requestedAt = :requested AND phoneCode.attempts < :max',
      ExpressionAttributeValues: { ':one': 1, ':requested': requestedAt, ':max': max },
      ReturnConsumedCapacity: 'INDEXES',
    });
  }

  private async conditional(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      const _out = await this.db.send(new UpdateCommand(sends(input)));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async claimManageLinkSend(customerId: string, at: string, since: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand(
          sends({
            TableName: this.tables.customers,
            Key: { customerId },
            UpdateExpression: 'SET manageLinkSentAt = :at',
            ConditionExpression:
              'attribute_exists(customerId) AND (attribute_not_exists(manageLinkSentAt) OR manageLinkSentAt <= :since)',
            ExpressionAttributeValues: { ':at': at, ':since': since },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async suppress(customerId: string, channel: 'email' | 'sms', entry: SuppressionEntry): Promise<boolean> {
    // The map may not exist yet (a nested SET needs its parent): try the nested path, then the whole map.
    const attempts: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>[] = [
      {
        UpdateExpression: 'SET suppression.#channel = if_not_exists(suppression.#channel, :entry)',
        ConditionExpression: 'attribute_exists(customerId) AND attribute_exists(suppression)',
        ExpressionAttributeNames: { '#channel': channel },
        ExpressionAttributeValues: { ':entry': entry },
      },
      {
        UpdateExpression: 'SET suppression = :map',
        ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(suppression)',
        ExpressionAttributeValues: { ':map': { [channel]: entry } },
      },
    ];
    for (let round = 0; round < 2; round++) {
      for (const attempt of attempts) {
        try {
          const _out = await this.db.send(
            new UpdateCommand(
              sends({
                TableName: this.tables.customers,
                Key: { customerId },
                ...attempt,
                ReturnConsumedCapacity: 'INDEXES',
              }),
            ),
          );
          return true;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }
    }
    return false; // no such customer
  }

  async suppressIdentity(kind: IdentityKind, value: string, entry: SuppressionEntry): Promise<void> {
    const identities = this.tables.identities;
    if (!identities) throw new Error('this function was not given the identities table');
    // Under the newest key, whatever older items exist: look-ups read the mark from any of them.
    const [key] = await identities.keys.keysOf(kind, value);
    const _out = await this.db.send(
      new UpdateCommand({
        TableName: identities.table,
        Key: { identity: key },
        // Also for an address nobody claimed (a profile found by its email whose phone was never
        // an identity): the mark is there when someone signs up with it (a hash, no address).
        UpdateExpression: 'SET suppressed = if_not_exists(suppressed, :entry)',
        ExpressionAttributeValues: { ':entry': entry },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
  }
}
