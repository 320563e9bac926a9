import type { Customer } from '../domain/customer';
import type { ProfileMetrics } from '../domain/profile-metrics';

/** What the model fit reads of each profile (a projection: a few hundred bytes, not the profile). */
export interface FitRow {
  customerId: string;
  metrics?: Pick<ProfileMetrics, 'orderCount' | 'totalSpend' | 'lastOrderAt' | 'ltvInputs'>;
}

/**
 * Whole-table reads for the nightly refit (never for a request path or an hourly job). Each read is
 * split into `totalSegments` disjoint segments that can run in parallel; together they return
 * every profile exactly once, page by page.
 */
export interface ProfileScan {
  fitRows(segment: number, totalSegments: number): AsyncIterable<FitRow[]>;
  profiles(segment: number, totalSegments: number): AsyncIterable<Customer[]>;
}
