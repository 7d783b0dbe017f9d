/** What the TeraBox client tells its logger (session.ts emits, redacted). */
/** A log event; every string in it has been redacted. */
export interface TeraboxLogEvent {
  event: 'request' | 'retry' | 'token-refresh' | 'region-switch' | 'auth-failure' | 'list-page' | 'pace';
  method?: string;
  endpoint?: string;
  /** The request URL with credentials masked. */
  url?: string;
  status?: number;
  errno?: number;
  durationMs?: number;
  attempt?: number;
  delayMs?: number;
  page?: number;
  count?: number;
  from?: string;
  to?: string;
  error?: string;
  message?: string;
  /** `pace`: how many times slower than configured the requests now go. */
  slowFactor?: number;
}

export type TeraboxLogger = (event: TeraboxLogEvent) => void;
