/**
 * How a failed TeraBox create is handled (`CreateShareDeps.classifyFailure`). The rule that
 * matters: anything that may have reached TeraBox is `uncertain`, because the share may exist
 * although its answer was lost, and a blind repeat would make a second one.
 *
 * | error | kind | why |
 * |---|---|---|
 * | TeraboxAuthError | auth | the session was refused: TeraBox did nothing |
 * | TeraboxVerificationRequiredError | auth | TeraBox wants a person to verify the session (9019, 400141, 132): it did nothing; the request waits like on an auth failure |
 * | TeraboxValidationError | permanent | the client refused the input before sending |
 * | TeraboxApiError errno -9, 2, -10 | permanent | missing file, bad parameter, share-link limit: a repeat gets the same answer |
 * | other TeraboxApiError | transient | an errno answer is a refusal (110 rate limit, token and verification errnos, unknown ones) |
 * | TeraboxNetworkError | transient if the request never left (refused, DNS), else uncertain | |
 * | TeraboxHttpError 4xx | transient | refused before handling (429 and proxy refusals) |
 * | TeraboxHttpError 5xx, TeraboxTimeoutError, TeraboxResponseError, TeraboxAbortedError | uncertain | handled, maybe, and the answer was lost or unreadable |
 * | TeraboxCredentialsError | transient | the secret could not be read: nothing was sent |
 * | anything else | uncertain | unknown means "may have happened" |
 *
 * -10 (share-link limit) is permanent by decision: the account needs a cleanup first, and a
 * `failed` record with the reason (plus the ShareRequestRejected event) tells the requester so;
 * resending under a new request id works once the sweep or an operator freed links.
 */
import type { CreateFailure } from '../../lib/app/create-share';
import { TeraboxCredentialsError } from '../../lib/config/terabox-credentials';
import { redactPatterns } from '../../lib/shared/credentials';
import { truncate } from '../../lib/shared/text';
import {
  TeraboxAbortedError,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxHttpError,
  TeraboxNetworkError,
  TeraboxResponseError,
  TeraboxTimeoutError,
  TeraboxValidationError,
  TeraboxVerificationRequiredError,
} from '../../lib/terabox';

/** errnos of `/share/pset` that no repeat can fix. */
export const PERMANENT_CREATE_ERRNOS: ReadonlySet<number> = new Set([-9, 2, -10]);

const MAX_REASON = 500;

/** A short, credential-free description of an error: `Name: message`. */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
  const clean = redactPatterns(text);
  return truncate(clean, MAX_REASON);
}

/** Classifies an error thrown by a TeraBox create (see the module comment). */
export function classifyTeraboxCreateFailure(error: unknown): CreateFailure {
  const reason = describeFailure(error);
  const kind = ((): CreateFailure['kind'] => {
    if (error instanceof TeraboxAuthError || error instanceof TeraboxVerificationRequiredError) return 'auth';
    if (error instanceof TeraboxValidationError) return 'permanent';
    if (error instanceof TeraboxApiError) return PERMANENT_CREATE_ERRNOS.has(error.errno) ? 'permanent' : 'transient';
    if (error instanceof TeraboxNetworkError) return error.mayHaveReachedServer ? 'uncertain' : 'transient';
    if (error instanceof TeraboxHttpError) return error.status >= 400 && error.status < 500 ? 'transient' : 'uncertain';
    if (error instanceof TeraboxCredentialsError) return 'transient';
    if (error instanceof TeraboxTimeoutError || error instanceof TeraboxResponseError || error instanceof TeraboxAbortedError) return 'uncertain';
    return 'uncertain';
  })();
  return { kind, reason };
}
