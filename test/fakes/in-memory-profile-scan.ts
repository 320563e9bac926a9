import type { FitRow, ProfileScan } from '../../lib/ports/profile-scan';
import type { InMemoryCustomerRepository } from './in-memory-customer-repository';

/** Scans the in-memory customers: segment i gets every profile whose position ≡ i mod total. */
export class InMemoryProfileScan implements ProfileScan {
  /** Profiles read per pass (fit, profiles), to check each pass reads each profile once. */
  readonly reads = { fitRows: 0, profiles: 0 };

  constructor(
    private readonly customers: InMemoryCustomerRepository,
    private readonly pageSize = 100,
  ) {}

  async *fitRows(segment: number, totalSegments: number): AsyncIterable<FitRow[]> {
    for (const page of this.pages(segment, totalSegments)) {
      this.reads.fitRows += page.length;
      yield page.map(({ customerId, metrics }) => ({
        customerId,
        ...(metrics && {
          metrics: {
            orderCount: metrics.orderCount,
            totalSpend: metrics.totalSpend,
            lastOrderAt: metrics.lastOrderAt,
            ltvInputs: metrics.ltvInputs,
          },
        }),
      }));
    }
  }

  async *profiles(segment: number, totalSegments: number) {
    for (const page of this.pages(segment, totalSegments)) {
      this.reads.profiles += page.length;
      yield page.map((customer) => structuredClone(customer));
    }
  }

  private *pages(segment: number, totalSegments: number) {
    const mine = [...this.customers.customers.values()].filter((_, i) => i % totalSegments === segment);
    for (let i = 0; i < mine.length; i += this.pageSize) yield mine.slice(i, i + this.pageSize);
  }
}
