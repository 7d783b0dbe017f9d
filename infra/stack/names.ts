/** Names the stack shares with the functions, the CLI and the tests (re-exported by share-lifecycle-stack.ts). */
import { Duration } from 'aws-cdk-lib';

/** Namespace of the product's custom metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'TeraboxShareLifecycle';

/**
 * Custom metric names the alarms and the dashboard read. Powertools Metrics adds the dimension
 * `service` (= `POWERTOOLS_SERVICE_NAME`, the function's name) to every metric, so the alarms
 * select the metric by that dimension too; a metric published with other dimensions is not seen.
 */
export const PRODUCT_METRICS = {
  guardrailTripped: 'GuardrailTripped',
  authFailures: 'TeraboxAuthFailures',
  sharesCancelled: 'SharesCancelled',
  apiShapeChanged: 'ApiShapeChanged',
  cancelsIneffective: 'CancelsIneffective',
  cancelsGivenUp: 'CancelsGivenUp',
  createdSharesMissing: 'CreatedSharesMissing',
  verificationRequired: 'TeraboxVerificationRequired',
} as const;

/** The placeholder the secret is deployed with; the operator replaces `ndus` after deploying. */
export const SECRET_PLACEHOLDER = { ndus: 'REPLACE_ME', baseUrl: 'https://www.terabox.com' } as const;

/** The function names: folders under functions/ and Powertools service names. */
export const FUNCTION_NAMES = ['create-shares', 'sweep-shares', 'cancel-shares'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Stable CfnOutput keys; the CLI reads them with `--stack NAME`. */
export const OUTPUT_KEYS = {
  requestQueueUrl: 'RequestQueueUrl',
  cancelQueueUrl: 'CancelQueueUrl',
  policiesTableName: 'PoliciesTableName',
  sharesTableName: 'SharesTableName',
  inventoryTableName: 'InventoryTableName',
  runsTableName: 'RunsTableName',
  secretName: 'SecretName',
  eventBusName: 'EventBusName',
  alarmTopicArn: 'AlarmTopicArn',
  sweepFunctionName: 'SweepFunctionName',
} as const;

// Timeouts. A create or a cancel batch makes at most a handful of TeraBox calls with bounded
// retries; the sweep lists up to 100,000 shares (1,000 pages) and gets the Lambda maximum.
export const CREATE_TIMEOUT = Duration.minutes(2);
export const CANCEL_TIMEOUT = Duration.minutes(2);
export const SWEEP_TIMEOUT = Duration.minutes(15);
