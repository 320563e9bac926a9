import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SmsNumberDays } from '../../ports/sms-number-days';
import { legacyIdentityKey as identityKey } from '../crypto/hmac-identity-keys';

/**
 * The SMS pumping cap on the Identities table: one item per hashed number and local day
 * (`sms-day#<the number's identity key>#YYYY-MM-DD`), claimed with a conditional update by the first
 * customer texted; `expiresAt` (epoch seconds, three days after the date) lets the table's TTL drop it.
 */
export class DynamoSmsNumberDays implements SmsNumberDays {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(phone: string, localDate: string, customerId: string): Promise<boolean> {
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { identity: smsDayKey(phone, localDate) },
          UpdateExpression: 'SET customerId = :me, expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#identity) OR customerId = :me',
          ExpressionAttributeNames: { '#identity': 'identity' },
          ExpressionAttributeValues: {
            ':me': customerId,
            ':expires': Math.floor(Date.parse(`${localDate}T00:00:00Z`) / 1000) + 3 * 86_400,
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

export const smsDayKey = (phone: string, localDate: string): string =>
  `sms-day#${identityKey('phone', phone)}#${localDate}`;
