/**
 * Every TeraBox errno the client knows, with what it means and how the client reacts, in one
 * table. The sets the session, the retry policy and the cancel path use are derived from it, so a
 * new errno is classified here and nowhere else. Sources: /work/shared/terabox-api-notes.md (the
 * errno table and its "Second look"); [B] = seen on Baidu only, [T] = TeraBox clients (rclone,
 * seiya, OpenList), [?] = unconfirmed on the endpoints this client calls.
 */

/**
 * How the client reacts to an errno:
 * - `auth`: the ndus cookie is refused → TeraboxAuthError (refresh the cookie). -6 may carry a
 *   region header, which the session follows first.
 * - `verification`: a person must pass a check in a browser → TeraboxVerificationRequiredError,
 *   never retried.
 * - `token`: the jsToken was refused → reload /main and repeat once (any endpoint).
 * - `share-verify`: "verification needed" → the same reload-and-repeat, on share endpoints only.
 * - `transient`: rate limits and hiccups → retried with backoff (a create too: TeraBox refused).
 * - `cancel-split`: on a cancel batch, the answer may concern one id or the batch size → split.
 * - `cancel-gone`: on a single cancel id, the share does not exist → `already-gone`.
 * - `cancel-unconfirmed`: on a single cancel id, an answer that is not proof the share is gone
 *   → `unconfirmed` (the next listing checks it).
 * - `other`: surfaced as TeraboxApiError with its meaning.
 */
export type ErrnoClass = 'auth' | 'verification' | 'token' | 'share-verify' | 'transient' | 'rate-limit' | 'cancel-split' | 'cancel-gone' | 'cancel-unconfirmed' | 'other';

export interface ErrnoInfo {
  meaning: string;
  /** What the client does (several for cancel errnos that also split a batch). */
  classes: readonly ErrnoClass[];
  /** For the batch-size errnos: the most ids TeraBox takes at once, so a batch can be re-chunked. */
  batchLimit?: number;
}

/** The table (documented in lib/terabox/README.md, "errno classes"). */
export const ERRNO_TABLE: Readonly<Record<number, ErrnoInfo>> = Object.freeze({
  [-6]: { meaning: 'not logged in or the ndus cookie is invalid', classes: ['auth'] },
  104: { meaning: 'not authorised (auth failure)', classes: ['auth'] },
  9019: { meaning: 'TeraBox asks for a verification ("need verify")', classes: ['verification'] },
  400141: { meaning: 'TeraBox asks for a verification ("need verify")', classes: ['verification'] },
  132: { meaning: 'TeraBox asks for a verification', classes: ['verification'] },
  4000023: { meaning: 'jsToken invalid', classes: ['token'] },
  450016: { meaning: 'jsToken invalid', classes: ['token'] },
  // One OpenList fork spells the token errno this way [T].
  4500016: { meaning: 'jsToken invalid', classes: ['token'] },
  // Seen publicly only on other endpoints (someone else's share, transfer) [?]: kept reactive.
  4000020: { meaning: 'verification needed', classes: ['share-verify'] },
  400810: { meaning: 'verification needed', classes: ['share-verify'] },
  110: { meaning: 'share count exceeded (rate limited)', classes: ['transient', 'rate-limit'] },
  31034: { meaning: 'hit frequency limit', classes: ['transient', 'rate-limit'] },
  9001: { meaning: 'server busy (transient)', classes: ['transient'] },
  111: { meaning: 'an operation is already running (transient)', classes: ['transient'] },
  // On TeraBox -7 is "invalid file name" and -21 "cannot operate preference files" (rclone) [T];
  // on Baidu both mean "share deleted" [B]: not proof that a share is gone.
  [-7]: { meaning: 'share deleted, or invalid file name', classes: ['cancel-split', 'cancel-unconfirmed'] },
  [-21]: { meaning: 'share deleted, or cannot operate preference files', classes: ['cancel-split', 'cancel-unconfirmed'] },
  105: { meaning: 'bad or removed share link', classes: ['cancel-split', 'cancel-gone'] },
  [-24]: { meaning: 'some shares could not be cancelled', classes: ['cancel-split'] },
  [-33]: { meaning: 'more than 999 items in one operation', classes: ['cancel-split'], batchLimit: 999 },
  3: { meaning: 'at most 100 items at a time', classes: ['cancel-split'], batchLimit: 100 },
  31075: { meaning: 'at most 999 items at a time', classes: ['cancel-split'], batchLimit: 999 },
  2: { meaning: 'bad parameter', classes: ['cancel-split'] },
  [-9]: { meaning: 'file does not exist', classes: ['other'] },
  [-10]: { meaning: 'share-link limit reached', classes: ['other'] },
  [-12]: { meaning: 'wrong password', classes: ['other'] },
  9000: { meaning: 'TeraBox is not available in this region', classes: ['other'] },
});

function errnosOf(kind: ErrnoClass): ReadonlySet<number> {
  return new Set(
    Object.entries(ERRNO_TABLE)
      .filter(([, info]) => info.classes.includes(kind))
      .map(([errno]) => Number(errno)),
  );
}

/** The ndus cookie was refused (besides -6, which may name a region first). */
export const AUTH_ERRNOS = errnosOf('auth');
/** A person must complete a verification in a browser: never retried. */
export const VERIFICATION_ERRNOS = errnosOf('verification');
/** jsToken rejected: reload /main and repeat once, on any endpoint. */
export const TOKEN_ERRNOS = errnosOf('token');
/** "Verification needed" on share endpoints: reload /main and repeat once. */
export const SHARE_VERIFY_ERRNOS = errnosOf('share-verify');
/** TeraBox says the account goes too fast: the request pace slows down (pacer.ts). */
export const RATE_LIMIT_ERRNOS = errnosOf('rate-limit');
/** Worth repeating after a pause (DEFAULT_RETRY_POLICY.retryableErrnos). */
export const TRANSIENT_ERRNOS = errnosOf('transient');
/** A cancel batch refused with one of these is split to find the culprits (or re-chunked). */
export const SPLIT_BATCH_ERRNOS = errnosOf('cancel-split');
/** A single cancel id answered with one of these: the share does not exist. */
export const ALREADY_GONE_ERRNOS = errnosOf('cancel-gone');
/** A single cancel id answered with one of these: maybe gone, maybe not (`unconfirmed`). */
export const UNCONFIRMED_CANCEL_ERRNOS = errnosOf('cancel-unconfirmed');

/** The meaning of an errno, for messages. */
export function errnoMeaning(errno: number): string {
  return ERRNO_TABLE[errno]?.meaning ?? 'unknown errno';
}

/** The batch size an errno names as TeraBox's cap (3 → 100, 31075/-33 → 999), if it names one. */
export function errnoBatchLimit(errno: number): number | undefined {
  return ERRNO_TABLE[errno]?.batchLimit;
}
