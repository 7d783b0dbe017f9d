/** Names the stack shares with the functions, the CLI and the tests (re-exported by share-lifecycle-stack.ts). */
import { Duration } from 'aws-cdk-lib';

/**
 * The product's metric namespace and custom metric names, and the stack's output keys: one list
 * each, defined beside the runtime code that uses them (runtime code may not import the CDK app).
 * Powertools Metrics adds the dimension `service` (the function's name) to every metric, so the
 * alarms select a metric by that dimension too.
 */
export { METRICS_NAMESPACE, METRIC_NAMES as PRODUCT_METRICS } from '../../lib/contracts/metric-names';
export { STACK_OUTPUT_KEYS as OUTPUT_KEYS } from '../../lib/config/stack-outputs';

/** The placeholder the secret is deployed with; the operator replaces `ndus` after deploying. */
export const SECRET_PLACEHOLDER = { ndus: 'REPLACE_ME', baseUrl: 'https://www.terabox.com' } as const;

/** The function names: folders under functions/ and Powertools service names. */
export const FUNCTION_NAMES = ['create-shares', 'sweep-shares', 'cancel-shares'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];


// Timeouts. A create or a cancel batch makes at most a handful of TeraBox calls with bounded
// retries; the sweep lists up to 100,000 shares (1,000 pages) and gets the Lambda maximum.
export const CREATE_TIMEOUT = Duration.minutes(2);
export const CANCEL_TIMEOUT = Duration.minutes(2);
export const SWEEP_TIMEOUT = Duration.minutes(15);
/** The longest a sweep execution may run (all its chunks and retries): a loop guard beside the handler's chunk cap. */
export const SWEEP_EXECUTION_TIMEOUT = Duration.hours(12);
