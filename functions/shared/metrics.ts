import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { ENV, type Env } from '../../lib/config/env-names';

export { METRIC } from '../../lib/config/metric-names';

interface MetricsOptions {
  namespace: string;
  serviceName: string;
}

/**
 * Powertools Metrics with one addition: counts with one more dimension (a channel, a skip reason:
 * a kind, never a person), each published at once as its own EMF line so one batch can count
 * several channels or reasons, and nothing at all when this instance is disabled.
 */
export class PrecisMetrics extends Metrics {
  readonly #options: MetricsOptions;

  constructor(options: MetricsOptions) {
    super(options);
    this.#options = options;
  }

  countBy(name: string, dimension: string, value: string, n = 1): void {
    if (this.isDisabled()) return;
    new Metrics({ ...this.#options, singleMetric: true })
      .addDimension(dimension, value)
      .addMetric(name, MetricUnit.Count, n);
  }
}
export type { PrecisMetrics as Metrics };

/**
 * One Powertools Metrics per function: namespace `Precis`, one `service` dimension (the function's
 * role), emitted as CloudWatch embedded metric format on stdout. `POWERTOOLS_METRICS_DISABLED=true`
 * turns the output off (the local runtime sets it, so EMF does not flood its console).
 */
export const metricsFor = (env: Env, serviceName: string): PrecisMetrics =>
  new PrecisMetrics({
    namespace: env[ENV.metricsNamespace] ?? 'Precis',
    serviceName: env[ENV.serviceName] ?? serviceName,
  });

/** Adds to a count published with the invocation's other metrics (see flushMetrics). */
export const count = (metrics: Metrics, name: string, value = 1): void => {
  metrics.addMetric(name, MetricUnit.Count, value);
};

/** A count with one more dimension, published at once (see PrecisMetrics.countBy). */
export const countBy = (
  metrics: PrecisMetrics,
  name: string,
  dimension: string,
  value: string,
  n = 1,
): void => metrics.countBy(name, dimension, value, n);

/** Publishes what the invocation counted (nothing, and no warning, when it counted nothing). */
export const flushMetrics = (metrics: Metrics): void => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};

/**
 * Middy: flush after every request, answered or failed. Powertools' own `logMetrics` does the same
 * but warns "No application metrics to publish" on every request that counted nothing (a 400).
 */
export const flushMetricsAfter = <E, R>(metrics: Metrics): MiddlewareObj<E, R> => ({
  after: async () => flushMetrics(metrics),
  onError: async () => flushMetrics(metrics),
});
