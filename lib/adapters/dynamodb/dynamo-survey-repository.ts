import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RecordSurveyOutcome, StoredSurvey, SurveyRepository } from '../../ports/survey-repository';
import * as z from '../../zod';

/**
 * The Surveys table: pk `customerId`, sk `surveyKey`. An answer's key is `answeredAt#surveyId`
 * (one customer's history in time order, in one query); beside it, a claim item keyed
 * `id#surveyId` makes the survey id unique per customer and remembers the answer's fingerprint.
 * Answer keys start with a digit (the year), so every claim sorts after every answer.
 */
export const surveyKey = (answeredAt: string, surveyId: string) => `${answeredAt}#${surveyId}`;
const CLAIM_PREFIX = 'id#';
const claimKey = (surveyId: string) => `${CLAIM_PREFIX}${surveyId}`;

const SurveyItemSchema = z.object({
  customerId: z.string(),
  surveyKey: z.string(),
  surveyId: z.string(),
  answeredAt: z.string(),
  score: z.number(),
  orderId: z.optional(z.string()),
  comment: z.optional(z.string()),
  receivedAt: z.string(),
});

const ClaimItemSchema = z.object({
  customerId: z.string(),
  surveyKey: z.string(),
  surveyId: z.string(),
  answeredAt: z.string(),
  /** Removed by an erasure (it is derived from the comment): a later retry is then a duplicate. */
  fingerprint: z.optional(z.string()),
});

const AnyItemSchema = z.object({
  customerId: z.string(),
  surveyKey: z.string(),
  comment: z.optional(z.string()),
  fingerprint: z.optional(z.string()),
});

const hash = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('hex');

/** The two items of a recorded answer: the survey id's claim (with the fingerprint's hash) and the answer. */
export const surveyItems = (survey: StoredSurvey, fingerprint: string) => ({
  claim: {
    customerId: survey.customerId,
    surveyKey: claimKey(survey.surveyId),
    surveyId: survey.surveyId,
    answeredAt: survey.answeredAt,
    fingerprint: hash(fingerprint),
  },
  answer: { ...survey, surveyKey: surveyKey(survey.answeredAt, survey.surveyId) },
});

/** The key of a survey id's claim item. */
export const surveyClaimKey = (customerId: string, surveyId: string) => ({
  customerId,
  surveyKey: claimKey(surveyId),
});

export class DynamoSurveyRepository implements SurveyRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(survey: StoredSurvey, fingerprint: string): Promise<RecordSurveyOutcome> {
    const fingerprintHash = hash(fingerprint);
    const items = surveyItems(survey, fingerprint);
    try {
      const _out = await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: items.claim,
                ConditionExpression: 'attribute_not_exists(customerId)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: items.answer,
                ConditionExpression: 'attribute_not_exists(customerId)',
              },
            },
          ],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return { status: 'recorded' };
    } catch (err) {
      if (
        !(err instanceof TransactionCanceledException) ||
        err.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed'
      ) {
        throw err;
      }
      const claim = await this.findClaim(survey.customerId, survey.surveyId);
      if (!claim) throw new Error('a survey claim vanished after a failed condition', { cause: err });
      // Without a fingerprint the answer was erased: never report a conflict that would invite a resend.
      return claim.fingerprint === undefined || claim.fingerprint === fingerprintHash
        ? { status: 'duplicate', answeredAt: claim.answeredAt }
        : { status: 'conflict' };
    }
  }

  private async findClaim(customerId: string, surveyId: string) {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { customerId, surveyKey: claimKey(surveyId) },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return out.Item ? ClaimItemSchema.parse(out.Item) : undefined;
  }

  async history(customerId: string): Promise<StoredSurvey[]> {
    const items = await this.query(customerId, 'customerId = :c AND surveyKey < :claims', {
      ':claims': CLAIM_PREFIX,
    });
    return items.map((item) => {
      const { surveyKey: _key, ...survey } = SurveyItemSchema.parse(item);
      return survey;
    });
  }

  async eraseComments(customerId: string): Promise<number> {
    let erased = 0;
    for (const item of await this.query(customerId, 'customerId = :c', {})) {
      const { surveyKey: key, comment, fingerprint } = AnyItemSchema.parse(item);
      const attribute = comment !== undefined ? 'comment' : fingerprint !== undefined ? 'fingerprint' : '';
      if (!attribute) continue;
      try {
        const _out = await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { customerId, surveyKey: key },
            UpdateExpression: 'REMOVE #attribute',
            ConditionExpression: 'attribute_exists(customerId)',
            ExpressionAttributeNames: { '#attribute': attribute },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        if (attribute === 'comment') erased++;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err; // gone meanwhile
      }
    }
    return erased;
  }

  private async query(
    customerId: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: { ':c': customerId, ...values },
          ConsistentRead: true,
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}
