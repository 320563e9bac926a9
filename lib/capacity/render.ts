import { type CapacityPlan, capacityPlan, type MeasuredUnits, type Workload } from './model';

// The capacity model as text: a plan for one workload, and docs/capacity.md's scenarios.

const UNITS_SOURCE = 'bench/results/units.json';

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const usd = (v: number) => `$${v < 100 ? v.toFixed(2) : int(v)}`;

export function planText(measured: MeasuredUnits, plan: CapacityPlan): string {
  const w = plan.workload;
  const lines = [
    `workload: ${int(w.customers)} customers, peak ${int(w.ordersPerSecond)} orders/s, ${int(w.ordersPerDay)} orders/day, ${int(w.signupsPerDay)} signups/day, ${int(w.messagesPerDay)} messages/day sent within ${w.sendHours} h`,
    `measured units per event (AWS units, ${UNITS_SOURCE}): ${Object.entries(measured)
      .map(([event, u]) => `${event} ${u.write} W + ${u.read} R`)
      .join(', ')}`,
    ...(plan.missing.length > 0 ? [`not measured yet (counted as 0): ${plan.missing.join(', ')}`] : []),
    '',
    'at the peak order rate',
    `  DynamoDB            ${int(plan.peak.writeUnitsPerSecond)} write + ${int(plan.peak.readUnitsPerSecond)} read units/s`,
    ...plan.peak.byTarget.map(
      (t) =>
        `    ${t.target.padEnd(24)} ${int(t.write).padStart(10)} W/s ${int(t.read).padStart(10)} R/s  ≥ ${int(t.partitions)} partitions`,
    ),
    `  stream shards       ≈ ${int(plan.peak.streamShards)} (Orders and Customers; one Lambda per shard and consumer)`,
    `  API requests        ${int(plan.peak.apiRequestsPerSecond)}/s`,
    `  Lambda concurrency  ≈ ${int(plan.peak.lambdaConcurrency)} at the API (the order's HTTP time measured locally stands in for the Lambda's duration)`,
    `  messages            ${plan.peak.messagesPerSecond.toFixed(1)}/s through SES/SNS in the send window`,
    '',
    'a month',
    `  DynamoDB            ${int(plan.monthly.writeUnits)} write + ${int(plan.monthly.readUnits)} read units, ${plan.monthly.storageGb.toFixed(1)} GB`,
    `  Lambda invocations  ${int(plan.monthly.lambdaInvocations)}`,
    `  cost (us-east-1)    ${usd(plan.monthly.usd.total)}: DynamoDB writes ${usd(plan.monthly.usd.dynamoWrites)}, reads ${usd(plan.monthly.usd.dynamoReads)}, storage ${usd(plan.monthly.usd.storage)}; Lambda requests ${usd(plan.monthly.usd.lambda)}; API ${usd(plan.monthly.usd.api)}; SES ${usd(plan.monthly.usd.ses)} (not included: Lambda duration, SNS SMS, data transfer, the nightly refit's profile rewrites and the campaign counters' writes, which no bench feeds the model yet)`,
    '',
    'limits, in the order this workload reaches them (headroom < 1: exceeded)',
    ...plan.limits.map(
      (l) =>
        `  ${l.headroom.toFixed(l.headroom < 10 ? 2 : 0).padStart(8)}×  ${l.what}: reached at ${int(l.reachedAt)} ${l.unit}; quota ${l.quota}. ${l.remedy}`,
    ),
    '',
  ];
  return lines.join('\n');
}

export function capacityMarkdown(measured: MeasuredUnits): string {
  const scenarios: [string, Workload][] = [
    ['10^5 customers', { customers: 1e5, ordersPerSecond: 10, messagesPerDay: 1e4 }],
    ['10^7 customers', { customers: 1e7, ordersPerSecond: 1_000, messagesPerDay: 1e6 }],
    ['10^8 customers', { customers: 1e8, ordersPerSecond: 20_000, messagesPerDay: 1e7 }],
    ['Double 11 peak', { customers: 1e8, ordersPerSecond: 544_000, messagesPerDay: 1e7 }],
    [
      'Double 11 peak, indexShards 1,000',
      { customers: 1e8, ordersPerSecond: 544_000, messagesPerDay: 1e7, indexShards: 1_000 },
    ],
  ];
  return [
    '# Capacity',
    '',
    'What an AWS account needs to run Precis, computed by `npm run capacity` from the DynamoDB capacity units',
    'the benchmarks measured per event (`bench/results/units.json`, written by `npm run bench -- orders`,',
    '`signup` and `campaigns`), AWS on-demand prices in us-east-1 and default quotas (sources in',
    '`lib/capacity/model.ts`). Regenerate this page with `npm run capacity -- --markdown > docs/capacity.md`',
    'after a bench changes the units; `test/unit/capacity/model.test.ts` fails when it is stale.',
    '',
    ...scenarios.flatMap(([title, workload]) => [
      `## ${title}`,
      '',
      '```text',
      planText(measured, capacityPlan(measured, workload)).trimEnd(),
      '```',
      '',
    ]),
  ].join('\n');
}
