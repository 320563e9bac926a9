import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  SCORING_MODEL_ID,
  type ScoringModel,
  ScoringModelSchema,
  SEGMENT_SUMMARY_ID,
} from '../../domain/scoring-model';
import { type SegmentSummary, SegmentSummarySchema } from '../../domain/segment-summary';
import { type ModelRepository, ModelVersionTakenError } from '../../ports/model-repository';

/**
 * The Models table: pk `modelId`, sk `version` (a number). Each scoring model version is its own
 * item (`ltv`, 1, 2, …), never overwritten; version 0 holds a copy of the current one, so scoring
 * reads the current model with one GetItem. Segment summaries are kept the same way under
 * `segment-summary`. Items are a few kilobytes: the model stores parameters and cut points, not data.
 */
export const CURRENT_VERSION = 0;

export class DynamoModelRepository implements ModelRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async current(): Promise<ScoringModel | undefined> {
    const item = await this.getItem(SCORING_MODEL_ID);
    return item ? ScoringModelSchema.parse(item) : undefined;
  }

  async save(model: ScoringModel): Promise<void> {
    try {
      const _out = await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...model, modelId: SCORING_MODEL_ID },
                ConditionExpression: 'attribute_not_exists(modelId)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...model,
                  modelId: SCORING_MODEL_ID,
                  version: CURRENT_VERSION,
                  current: model.version,
                },
              },
            },
          ],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        throw new ModelVersionTakenError(`model version ${model.version} is already stored`, { cause: err });
      }
      throw err;
    }
  }

  async latestSummary(): Promise<SegmentSummary | undefined> {
    const item = await this.getItem(SEGMENT_SUMMARY_ID);
    return item ? SegmentSummarySchema.parse(item) : undefined;
  }

  async saveSummary(summary: SegmentSummary): Promise<void> {
    for (const version of [summary.modelVersion, CURRENT_VERSION]) {
      const _out = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...summary, modelId: SEGMENT_SUMMARY_ID, version },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    }
  }

  private async getItem(modelId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { modelId, version: CURRENT_VERSION },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    if (!out.Item) return undefined;
    // The copy's version is 0; the version it copies is `current`.
    const { modelId: _id, current, ...rest } = out.Item;
    return { ...rest, version: current };
  }
}
