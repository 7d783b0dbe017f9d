/** The TeraBox client: `createTeraboxClient` and everything a caller needs to handle its results. */
export {
  createTeraboxClient,
  type CancelSharesOptions,
  type CreateShareOptions,
  type LoginStatus,
  type TeraboxClient,
} from './client';
export {
  DEFAULT_CANCEL_BATCH_SIZE,
  DEFAULT_LIST_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_CANCEL_BATCH_SIZE,
  type TeraboxClientOptions,
} from './client-options';
export { buildCreateShareForm, VALID_PERIODS } from './create-share';
export type { TeraboxFile } from './file-list';
export {
  DEFAULT_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT_NAMES,
  SHARE_LIST_ENDPOINT_PATHS,
  SHARE_RECORD_ENDPOINT,
  type ListingSummary,
  type ListSharesOptions,
  type ShareListEndpoint,
} from './paginate';
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
  ALREADY_GONE_ERRNOS,
  AUTH_ERRNOS,
  ERRNO_TABLE,
  SPLIT_BATCH_ERRNOS,
  UNCONFIRMED_CANCEL_ERRNOS,
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
export { isNoPassword, normalizeShare, normalizeSharePage, type NormalizeContext } from './normalize';
export { extractSharePage } from './share-page';
export { parseShareLink } from './share-link';
export { Redactor, redactPatterns, REDACTED } from './redact';
export { RequestPacer, retryAfterMs, MAX_RETRY_AFTER_MS, type RequestPacerOptions } from './pacer';
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
