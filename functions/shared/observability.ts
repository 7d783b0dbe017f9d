/**
 * Powertools Logger and Metrics, set up the same way for every function: the service name is the
 * function's name (`create-shares`, `sweep-shares`, `cancel-shares`), the metrics namespace is the
 * product's. The alarms in infra/ select metrics by namespace, name and the `service` dimension
 * Powertools adds by default, so no other dimension is added to a product metric's stored copy;
 * the auth metrics are also sent once more with an `account` dimension (`countAccountMetric`), so
 * that an alarm can name the account whose cookie must be refreshed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, LogLevel } from '@aws-lambda-powertools/logger/types';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Env } from '../../lib/config/env';

import { METRICS_NAMESPACE } from '../../lib/contracts/metric-names';

export { METRICS_NAMESPACE, METRIC_NAMES } from '../../lib/contracts/metric-names';

export { MetricUnit };

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

const LOG_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']);

/**
 * The Logger and Metrics of one function. `serviceName` is the function name; the log level comes
 * from `LOG_LEVEL` (INFO when unset or unknown), the namespace from `POWERTOOLS_METRICS_NAMESPACE`
 * (the product namespace when unset).
 */
export function createObservability(serviceName: string, env: Env = process.env): Observability {
  const level = (env.LOG_LEVEL ?? '').trim().toUpperCase();
  const logLevel = (LOG_LEVELS.has(level) ? level : 'INFO') as LogLevel;
  const namespace = (env.POWERTOOLS_METRICS_NAMESPACE ?? '').trim() || METRICS_NAMESPACE;
  return {
    logger: new Logger({ serviceName, logLevel }),
    metrics: new Metrics({ serviceName, namespace }),
  };
}

/** Adds 1 (or `value`) to a product counter; published when the invocation ends. */
export function countMetric(metrics: Metrics, name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** The dimension naming the TeraBox account of a per-account metric. */
export const ACCOUNT_DIMENSION = 'account';

/**
 * Adds 1 to a product counter twice: the stored, dimensionless one (the existing alarms select
 * it) and a single metric published at once with the `account` dimension (per-account alarms).
 */
export function countAccountMetric(metrics: Metrics, name: string, accountId: string): void {
  countMetric(metrics, name);
  const single = metrics.singleMetric();
  single.addDimension(ACCOUNT_DIMENSION, accountId);
  single.addMetric(name, MetricUnit.Count, 1);
}

/**
 * An error as log attributes: its name, its (already redacted, for TeraBox errors) message, and
 * the names of its causes. Never the stack of a cause (a third-party cause could quote a request),
 * never a message body.
 */
export function errorAttributes(error: unknown): LogAttributes {
  if (!(error instanceof Error)) return { errorName: typeof error, errorMessage: String(error).slice(0, 500) };
  const causes: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    causes.push(cause.name);
    cause = cause.cause;
  }
  const attributes: LogAttributes = { errorName: error.name, errorMessage: error.message.slice(0, 1000) };
  if (causes.length > 0) attributes.errorCauses = causes;
  return attributes;
}

/** The use cases' small log port (`UseCaseLog` in lib/app/create-share.ts) on a Powertools Logger. */
export function useCaseLog(logger: Logger): {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
} {
  return {
    info: (message, attributes) => logger.info(message, (attributes ?? {}) as LogAttributes),
    warn: (message, attributes) => logger.warn(message, (attributes ?? {}) as LogAttributes),
    error: (message, attributes) => logger.error(message, (attributes ?? {}) as LogAttributes),
  };
}

/** The sweep's metrics port (`SweepMetrics` in lib/app/sweep.ts) on Powertools Metrics. */
export function useCaseMetrics(metrics: Metrics): { add(name: string, value: number, unit: 'Count' | 'Milliseconds'): void } {
  return { add: (name, value, unit) => metrics.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value) };
}
