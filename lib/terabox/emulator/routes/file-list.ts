/** `/api/list`: one page of a folder; checks a jsToken only when one is sent. */
import { errno, ERRNO, json, type EmulatorRequest, type Reply } from '../exchange';
import { fileListBody } from '../responses';
import { isAcceptablePath } from '../state';
import type { RouteContext } from './context';
import { pageParam } from './form-fields';

const MAX_DIR_PAGE = 1000;

export function apiList(r: EmulatorRequest, { state }: RouteContext): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  const token = r.query.get('jsToken');
  if (token !== null && token !== state.jsToken) return errno(ERRNO.jsTokenInvalid, 'jsToken invalid');
  const dir = r.query.get('dir') || '/';
  const page = pageParam(r.query, ['page'], 1);
  const num = pageParam(r.query, ['num'], MAX_DIR_PAGE);
  if (!isAcceptablePath(dir) || page === undefined || num === undefined) return errno(ERRNO.badParam, 'bad parameter');
  const limit = Math.min(num, MAX_DIR_PAGE);
  const files = state.listDir(dir, (page - 1) * limit, limit);
  if (files === undefined) return errno(ERRNO.fileNotFound, 'directory does not exist');
  return json(fileListBody(files));
}
