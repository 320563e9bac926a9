import { RetentionDays } from 'aws-cdk-lib/aws-logs';

// CloudWatch accepts only certain retention periods: take the shortest one that keeps at least `days`.
const ALLOWED = Object.values(RetentionDays)
  .filter((value): value is number => typeof value === 'number' && value > 0)
  .sort((a, b) => a - b);

export function logRetentionOf(days: number): RetentionDays {
  return (ALLOWED.find((allowed) => allowed >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}
