/** `/share/cancel`: needs the bdstoken; what it answers for gone ids is `cancelMissing`. */
import { errno, ERRNO, json, type EmulatorRequest, type Reply } from '../exchange';
import { nextRequestId, oddWriteBody, toJson } from '../responses';
import type { RouteContext } from './context';
import { idList, jsonArrayField } from './form-fields';

export function cancel(r: EmulatorRequest, { state, config }: RouteContext): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  if (r.query.get('bdstoken') !== state.bdstoken) return errno(ERRNO.needVerify, 'need verify');
  const field = jsonArrayField(new URLSearchParams(r.body).get('shareid_list'));
  const ids = field === undefined || field === 'invalid' ? undefined : idList(field);
  if (ids === undefined || ids.length === 0) return errno(ERRNO.badParam, 'bad parameter: shareid_list');
  if (ids.length > config.cancelMaxIds) return errno(config.cancelTooManyErrno, 'too many items');
  const present = ids.filter((id) => state.getShare(id) !== undefined);
  // 'errno' mode: a batch of gone ids only answers cancelMissingErrno (-7, as Baidu does for a
  // deleted share); a batch with at least one live id cancels the live ones and answers 0.
  if (config.cancelMissing === 'errno' && present.length === 0) return errno(config.cancelMissingErrno, 'share does not exist');
  // 'refuse-batch' mode: one gone id refuses the whole batch (-24) and nothing changes.
  if (config.cancelMissing === 'refuse-batch' && present.length < ids.length) return errno(config.cancelMissingErrno, 'some shares could not be cancelled');
  for (const id of present) if (!config.ineffectiveCancels.keeps(id)) state.removeShare(id);
  return json(oddWriteBody(config.cancelBody) ?? toJson({ errno: 0, request_id: nextRequestId(), err_msg: '' }));
}
