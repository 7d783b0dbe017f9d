/**
 * The common runtime of the Lambda functions (see each file for details):
 * - observability.ts: `createObservability(functionName)` (Powertools Logger + Metrics),
 *   `METRICS_NAMESPACE`, `METRIC_NAMES`, `countMetric`, `errorAttributes` (an error as safe log fields),
 *   `useCaseLog` / `useCaseMetrics` (the use cases' log and metrics ports on Powertools);
 * - runtime.ts: `buildRuntime(config, overrides?)` → `Runtime` (stores, TeraBox gateway,
 *   credentials, events, cancel queue, logger, metrics, clock), built lazily, once per cold start;
 * - account-runtimes.ts: `AccountRuntimes` (one runtime per TeraBox account, from the registry), `AccountUnavailableError`;
 * - terabox-gateway.ts: `ReconnectingTeraboxGateway` (client rebuilt after an auth failure);
 * - handler.ts: `withObservability`, `sqsBatchHandler`, `lazyHandler`, `receiveCount`;
 * - terabox-failures.ts: `classifyTeraboxCreateFailure`, `describeFailure` (credential-free error text);
 * - record-outcome.ts: `recordFields`, `runRecordUseCase`, `settleRecord` (an SQS record's outcome → log line, done or retry).
 */
export * from './observability';
export * from './runtime';
export * from './account-runtimes';
export * from './terabox-gateway';
export * from './handler';
export * from './terabox-failures';
export * from './record-outcome';
