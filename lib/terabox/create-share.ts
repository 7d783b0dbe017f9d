/**
 * A share create (`/share/pset`) on both sides of the request: the form built from a validated
 * input, and the created share read from TeraBox's answer.
 */
import type { CreatedShare, CreateShareInput, SharePeriod } from '../app/ports';
import { TeraboxCreateUnconfirmedError, TeraboxValidationError } from './errors';
import { jsonNumberArray, toDecimalId } from './json';
import { isRecord, toEpochMs } from './field-values';
import { parseShareLink } from './share-link';
import { unstatedErrno } from './session';

export const CREATE_SHARE_ENDPOINT = '/share/pset';
export const VALID_PERIODS: readonly SharePeriod[] = [0, 1, 7, 30];

/** The validated fs ids and paths of a create input; problems are added to `problems`. */
function createTargets(input: CreateShareInput, problems: string[]): { fsIds: string[]; paths: string[] } {
  const fsIdsIn: unknown = input.fsIds;
  const pathsIn: unknown = input.paths;
  const fsIds: string[] = [];
  const paths: string[] = [];
  if (fsIdsIn !== undefined) {
    if (!Array.isArray(fsIdsIn)) problems.push('fsIds must be a list');
    else
      fsIdsIn.forEach((v: unknown, i) => {
        const id = toDecimalId(v);
        if (id) fsIds.push(id);
        else problems.push(`fsIds[${i}] is not a positive integer id`);
      });
  }
  if (pathsIn !== undefined) {
    if (!Array.isArray(pathsIn)) problems.push('paths must be a list');
    else
      pathsIn.forEach((p: unknown, i) => {
        // eslint-disable-next-line no-control-regex
        if (typeof p !== 'string' || !p.startsWith('/') || /[\u0000-\u001f]/.test(p) || p.length > 4096) {
          problems.push(`paths[${i}] must be an absolute path (starting with /)`);
        } else paths.push(p);
      });
  }
  if (problems.length === 0 && fsIds.length + paths.length === 0) problems.push('give at least one fs id or path to share');
  return { fsIds, paths };
}

/** The form fields of a create, validated. Throws TeraboxValidationError listing every problem. */
export function buildCreateShareForm(input: CreateShareInput): Record<string, string> {
  const problems: string[] = [];
  if (!isRecord(input)) throw new TeraboxValidationError(['the create input is not an object']);
  const { fsIds, paths } = createTargets(input, problems);
  const period: unknown = input.period;
  if (!VALID_PERIODS.includes(period as SharePeriod)) problems.push('period must be 0 (permanent), 1, 7 or 30 days');
  const password: unknown = input.password;
  if (password !== undefined && (typeof password !== 'string' || !/^[0-9a-z]{4}$/.test(password))) {
    problems.push('password must be exactly 4 characters of 0-9 and a-z');
  }
  if (problems.length > 0) throw new TeraboxValidationError(problems);
  const withPassword = typeof password === 'string';
  return {
    ...(fsIds.length > 0 ? { fid_list: jsonNumberArray(fsIds) } : {}),
    ...(paths.length > 0 ? { path_list: JSON.stringify(paths) } : {}),
    // schannel 4 + pwd + public 0 makes a private link; schannel 0 + public 1 a public one.
    // A public link sends `pwd: ''`, as seiya's maintained client does (an extra empty param is
    // harmless in every client seen; a missing one is untested against TeraBox).
    schannel: withPassword ? '4' : '0',
    channel_list: '[]',
    period: String(period),
    public: withPassword ? '0' : '1',
    pwd: withPassword ? password : '',
  };
}

/**
 * The share a create answer describes. Throws TeraboxCreateUnconfirmedError when the answer
 * states no errno or carries no link: the share may or may not exist.
 */
export function readCreatedShare(body: Record<string, unknown>, input: CreateShareInput, origin: string): CreatedShare {
  const endpoint = CREATE_SHARE_ENDPOINT;
  const unstated = unstatedErrno(body);
  if (unstated !== undefined) throw new TeraboxCreateUnconfirmedError(`the answer states no errno (${unstated})`, { endpoint });
  const link = [body.link, body.shorturl, body.shortlink, body.shortUrl, isRecord(body.data) ? body.data.shorturl : undefined]
    .map((v) => parseShareLink(v, origin))
    .find((l) => l !== undefined);
  if (!link) throw new TeraboxCreateUnconfirmedError('errno 0 but no link in the answer', { endpoint });
  const shareId = toDecimalId(body.shareid ?? body.share_id ?? body.shareId);
  const createdAtMs = toEpochMs(body.ctime);
  return {
    ...(shareId ? { shareId } : {}),
    shortUrl: link.shortUrl,
    link: link.link,
    period: input.period,
    ...(input.password !== undefined ? { password: input.password } : {}),
    ...(createdAtMs !== undefined ? { createdAtMs } : {}),
  };
}
