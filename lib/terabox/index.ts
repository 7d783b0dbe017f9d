/** The TeraBox client: `createTeraboxClient` and everything a caller needs to handle its results. */
export {
  createTeraboxClient,
  buildCreateShareForm,
  ALREADY_GONE_ERRNOS,
  SPLIT_BATCH_ERRNOS,
  UNCONFIRMED_CANCEL_ERRNOS,
  DEFAULT_CANCEL_BATCH_SIZE,
  DEFAULT_LIST_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT_NAMES,
  SHARE_LIST_ENDPOINT_PATHS,
  SHARE_RECORD_ENDPOINT,
  type ListingSummary,
  type ShareListEndpoint,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_CANCEL_BATCH_SIZE,
  VALID_PERIODS,
  type CancelSharesOptions,
  type CreateShareOptions,
  type ListSharesOptions,
  type LoginStatus,
  type TeraboxClient,
  type TeraboxClientOptions,
  type TeraboxFile,
} from './client';
export {
  KNOWN_ERRNOS,
  TeraboxAbortedError,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxCreateUnconfirmedError,
  TeraboxError,
  TeraboxHttpError,
  TeraboxNetworkError,
  TeraboxResponseError,
  TeraboxTimeoutError,
  TeraboxValidationError,
  TeraboxVerificationRequiredError,
  type ResponseProblem,
} from './errors';
export {
  AUTH_ERRNOS,
  ERRNO_TABLE,
  VERIFICATION_ERRNOS,
  errnoBatchLimit,
  errnoMeaning,
  type ErrnoClass,
  type ErrnoInfo,
} from './errnos';
export { newBrowserId, parseSetCookie } from './cookies';
export type { FetchInit, FetchLike, FetchResponseLike } from './http';
export { globalFetch } from './http';
export { parseJsonLossless, toDecimalId, jsonNumberArray } from './json';
export { extractSharePage, isNoPassword, normalizeShare, normalizeSharePage, parseShareLink, type NormalizeContext } from './normalize';
export { Redactor, redactPatterns, REDACTED } from './redact';
export { DEFAULT_RETRY_POLICY, TRANSIENT_ERRNOS, backoffDelayMs, isRetryableError, isSafeToRepeatCreate, type RetryPolicy } from './retry';
export {
  COMMON_PARAMS,
  DEFAULT_BASE_URL,
  SHARE_VERIFY_ERRNOS,
  TOKEN_ERRNOS,
  defaultRegionUrl,
  extractPageTokens,
  type JsTokenSource,
  type SessionTokenReport,
  type TeraboxCredentials,
  type TeraboxLogEvent,
  type TeraboxLogger,
} from './session';
