/**
 * Metric names shared by the functions (which publish them) and the stack (whose alarms and
 * dashboard read them): one list, here, because runtime code may not import the CDK app.
 */

/** The product's metric namespace (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'TeraboxShareLifecycle';

/** Custom metric names the functions publish and the stack's alarms and dashboard read (infra: `PRODUCT_METRICS`). */
export const METRIC_NAMES = {
  guardrailTripped: 'GuardrailTripped',
  authFailures: 'TeraboxAuthFailures',
  sharesCancelled: 'SharesCancelled',
  apiShapeChanged: 'ApiShapeChanged',
  cancelsIneffective: 'CancelsIneffective',
  cancelsGivenUp: 'CancelsGivenUp',
  createdSharesMissing: 'CreatedSharesMissing',
  verificationRequired: 'TeraboxVerificationRequired',
  /** Digests SES refused or that could not be sent (the notices stay undelivered; the next run sends them again). */
  noticeSendFailures: 'NoticeSendFailures',
  /** Digests SES accepted, and the marks they carried (their grace started). */
  noticeDigestsSent: 'NoticeDigestsSent',
  noticesDelivered: 'NoticesDelivered',
  /** Marks with no address to send them to (no directory entry and no fallback). */
  noticesUnaddressed: 'NoticesUnaddressed',
} as const;
