/**
 * Powertools Logger and Metrics for handlers run on this machine (the local run, the CLI's local
 * sweep, tests): the logger is silent unless LOG_LEVEL asks otherwise, and the metrics are counted
 * in memory instead of being printed as CloudWatch EMF lines, so the report can show them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';

/** Metrics that are summed per name and never published. */
export class RecordingMetrics extends Metrics {
  readonly totals = new Map<string, number>();

  constructor(serviceName: string, logger: Logger) {
    super({ serviceName, namespace: 'TeraboxShareLifecycle', logger });
  }

  override addMetric(name: string, _unit: MetricUnit, value: number): this {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    return this;
  }

  override publishStoredMetrics(): this {
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

const LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']);

/** A logger (SILENT unless `logLevel` names a level) and recording metrics for one local function. */
export function localObservability(serviceName: string, logLevel?: string): { logger: Logger; metrics: RecordingMetrics } {
  const level = (logLevel ?? '').trim().toUpperCase();
  const logger = new Logger({ serviceName, logLevel: (LEVELS.has(level) ? level : 'SILENT') as LogLevel });
  return { logger, metrics: new RecordingMetrics(serviceName, logger) };
}
