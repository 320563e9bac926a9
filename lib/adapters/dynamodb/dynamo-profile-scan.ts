import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Customer, CustomerSchema } from '../../domain/customer';
import { LtvInputsSchema } from '../../domain/profile-metrics';
import type { FitRow, ProfileScan } from '../../ports/profile-scan';
import * as z from '../../zod';

const FitRowSchema = z.object({
  customerId: z.string(),
  metrics: z.optional(
    z.object({
      orderCount: z.int().check(z.nonnegative()),
      totalSpend: z.number(),
      lastOrderAt: z.nullable(z.string()),
      ltvInputs: z.nullable(LtvInputsSchema),
    }),
  ),
});

/**
 * Parallel scans of the Customers table for the nightly refit. The fit pass reads only
 * `customerId` and four metrics (ProjectionExpression): capacity is charged on the item size read
 * either way, but the function's memory and network carry a few hundred bytes per profile.
 */
export class DynamoProfileScan implements ProfileScan {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly pageSize = 1000,
  ) {}

  async *fitRows(segment: number, totalSegments: number): AsyncIterable<FitRow[]> {
    const projection = {
      ProjectionExpression: 'customerId, #m.orderCount, #m.totalSpend, #m.lastOrderAt, #m.ltvInputs',
      ExpressionAttributeNames: { '#m': 'metrics' },
    };
    for await (const items of this.scan(segment, totalSegments, projection)) {
      yield items.map((item) => FitRowSchema.parse(item) as FitRow);
    }
  }

  async *profiles(segment: number, totalSegments: number): AsyncIterable<Customer[]> {
    for await (const items of this.scan(segment, totalSegments, {})) {
      yield items.map((item) => CustomerSchema.parse(item));
    }
  }

  private async *scan(
    segment: number,
    totalSegments: number,
    projection: { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> },
  ): AsyncIterable<Record<string, unknown>[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          Segment: segment,
          TotalSegments: totalSegments,
          Limit: this.pageSize,
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'INDEXES',
          ...projection,
        }),
      );
      yield out.Items ?? [];
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}
