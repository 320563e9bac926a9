import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Campaign, CampaignSchema, type CampaignStatus } from '../../domain/campaigns/campaign';
import { definitionOf, type VersionedCampaign } from '../../domain/campaigns/campaign-versions';
import type {
  CampaignHistory,
  CampaignStore,
  CampaignVersionRecord,
  ChangeMeta,
  SaveResult,
} from '../../ports/campaign-store';

/**
 * The Campaigns table (pk `pk`, sk `sk`, both strings):
 * - heads: pk `heads`, sk the campaign id — current `version`, `status`, a copy of the current
 *   `definition` (JSON), `updatedAt`, `updatedBy`. All heads share one partition, so the catalog
 *   reads every campaign with one Query whatever the number of versions (tens to hundreds of small
 *   items: far from a partition's limits, read at most once a minute per warm function).
 * - versions: pk `campaign#<id>`, sk `v#000001`… — the definition as saved, `at`, `by`; put once
 *   (attribute_not_exists), never updated.
 * Every save is one transaction: the new version item and the head, conditional on the head's
 * expected version (or on there being no head), so of two editors starting from version 3 one saves
 * version 4 and the other gets `conflict`.
 */
const HEADS = 'heads';
const versionsPk = (id: string) => `campaign#${id}`;
const versionSk = (version: number) => `v#${String(version).padStart(6, '0')}`;

const parseDefinition = (json: string, status: CampaignStatus): Campaign =>
  CampaignSchema.parse({ ...(JSON.parse(json) as object), status });

export class DynamoCampaignStore implements CampaignStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(): Promise<VersionedCampaign[]> {
    const campaigns: VersionedCampaign[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': HEADS },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) campaigns.push(headOf(item));
    }
    return campaigns;
  }

  async history(id: string): Promise<CampaignHistory | undefined> {
    const head = await this.head(id);
    if (!head) return undefined;
    const versions: CampaignVersionRecord[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': versionsPk(id) },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        versions.push({
          version: item.version as number,
          campaign: parseDefinition(item.definition as string, head.status),
          at: item.at as string,
          by: item.by as string,
        });
      }
    }
    return { current: head, versions };
  }

  async create(campaign: Campaign, meta: ChangeMeta): Promise<SaveResult> {
    const definition = JSON.stringify(definitionOf(campaign));
    return this.transact(campaign.id, [
      this.versionPut(campaign.id, 1, definition, meta),
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: HEADS,
            sk: campaign.id,
            version: 1,
            status: campaign.status,
            definition,
            updatedAt: meta.at,
            updatedBy: meta.by,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  }

  async update(campaign: Campaign, expectedVersion: number, meta: ChangeMeta): Promise<SaveResult> {
    const definition = JSON.stringify(definitionOf(campaign));
    const version = expectedVersion + 1;
    return this.transact(campaign.id, [
      this.versionPut(campaign.id, version, definition, meta),
      {
        Update: {
          TableName: this.table,
          Key: { pk: HEADS, sk: campaign.id },
          UpdateExpression:
            'SET #version = :version, #definition = :definition, updatedAt = :at, updatedBy = :by',
          ConditionExpression: '#version = :expected',
          // Both are DynamoDB reserved words.
          ExpressionAttributeNames: { '#version': 'version', '#definition': 'definition' },
          ExpressionAttributeValues: {
            ':version': version,
            ':definition': definition,
            ':at': meta.at,
            ':by': meta.by,
            ':expected': expectedVersion,
          },
        },
      },
    ]);
  }

  async setStatus(
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    meta: ChangeMeta,
  ): Promise<SaveResult> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: HEADS, sk: id },
          UpdateExpression: 'SET #status = :to, updatedAt = :at, updatedBy = :by',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':at': meta.at, ':by': meta.by },
          ReturnValues: 'ALL_NEW',
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return { status: 'saved', version: out.Attributes?.version as number };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      return this.notSaved(id);
    }
  }

  private versionPut(id: string, version: number, definition: string, meta: ChangeMeta) {
    return {
      Put: {
        TableName: this.table,
        Item: { pk: versionsPk(id), sk: versionSk(version), version, definition, at: meta.at, by: meta.by },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private async transact(
    id: string,
    items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
  ): Promise<SaveResult> {
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'INDEXES' }),
      );
      const version = (items[0]?.Put?.Item?.version as number) ?? 0;
      return { status: 'saved', version };
    } catch (err) {
      const conditional =
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed');
      if (!conditional) throw err;
      return this.notSaved(id);
    }
  }

  private async notSaved(id: string): Promise<SaveResult> {
    const head = await this.head(id);
    return head ? { status: 'conflict', currentVersion: head.version } : { status: 'missing' };
  }

  private async head(id: string): Promise<CampaignHistory['current'] | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: HEADS, sk: id },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return out.Item ? headOf(out.Item) : undefined;
  }
}

function headOf(item: Record<string, unknown>): CampaignHistory['current'] {
  const campaign = parseDefinition(item.definition as string, item.status as CampaignStatus);
  return {
    ...campaign,
    version: item.version as number,
    updatedAt: item.updatedAt as string,
    updatedBy: item.updatedBy as string,
  };
}
