/** `/share/pset`: validates the form as TeraBox is assumed to, then creates the share. */
import { errno, ERRNO, json, type EmulatorRequest, type Reply } from '../exchange';
import { createdShareBody, oddWriteBody } from '../responses';
import { isAcceptablePath, type EmulatorState } from '../state';
import type { EmulatorFile, EmulatorSharePeriod } from '../types';
import type { RouteContext } from './context';
import { idList, jsonArrayField } from './form-fields';

const PERIODS: ReadonlySet<number> = new Set([0, 1, 7, 30]);
const PWD = /^[0-9a-z]{4}$/;

interface CreateForm {
  fsIds: string[];
  paths: string[];
  period: EmulatorSharePeriod;
  isPublic: boolean;
  pwd: string;
}

/** The create form, or the names of the fields that are wrong. */
function readCreateForm(body: string): CreateForm | { problems: string[] } {
  const form = new URLSearchParams(body);
  const problems: string[] = [];
  const fidField = jsonArrayField(form.get('fid_list'));
  const pathField = jsonArrayField(form.get('path_list'));
  const channels = jsonArrayField(form.get('channel_list'));
  const fsIds = fidField === undefined ? [] : fidField === 'invalid' ? undefined : idList(fidField);
  const paths = pathField === undefined ? [] : pathField === 'invalid' ? undefined : pathField;
  if (fsIds === undefined) problems.push('fid_list');
  if (paths === undefined || !paths.every((p) => typeof p === 'string' && isAcceptablePath(p))) problems.push('path_list');
  if (channels === 'invalid') problems.push('channel_list');
  const schannel = form.get('schannel') ?? '0';
  const period = Number(form.get('period') ?? '0');
  const pwd = form.get('pwd') ?? '';
  const publicField = form.get('public') ?? (schannel === '4' ? '0' : '1');
  if (schannel !== '0' && schannel !== '4') problems.push('schannel');
  if (!PERIODS.has(period)) problems.push('period');
  if (schannel === '4' && !PWD.test(pwd)) problems.push('pwd');
  if (publicField !== '0' && publicField !== '1') problems.push('public');
  // A private link is one with a password: public=0 without schannel=4 would be a link nobody can open.
  if (publicField === '0' && schannel !== '4') problems.push('public=0 needs schannel=4');
  if (problems.length === 0 && (fsIds as string[]).length === 0 && (paths as string[]).length === 0) problems.push('fid_list or path_list');
  if (problems.length > 0) return { problems };
  return {
    fsIds: fsIds as string[],
    paths: paths as string[],
    period: period as EmulatorSharePeriod,
    isPublic: publicField === '1',
    pwd: schannel === '4' ? pwd : '',
  };
}

/** The files named by fs id, then by path, each once; undefined when one does not exist. */
function filesOf(state: EmulatorState, form: CreateForm): EmulatorFile[] | undefined {
  const items: EmulatorFile[] = [];
  const found = [...form.fsIds.map((id) => state.fileByFsId(id)), ...form.paths.map((path) => state.fileAtPath(path))];
  for (const file of found) {
    if (!file) return undefined;
    if (!items.includes(file)) items.push(file);
  }
  return items;
}

export function pset(r: EmulatorRequest, { state, config, faults }: RouteContext): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  if (r.query.get('jsToken') !== state.jsToken) return errno(ERRNO.jsTokenInvalid, 'jsToken invalid');
  const form = readCreateForm(r.body);
  if ('problems' in form) return errno(ERRNO.badParam, `bad parameter: ${form.problems.join(', ')}`);
  const items = filesOf(state, form);
  if (!items) return errno(ERRNO.fileNotFound, 'file does not exist');
  const share = state.addShare({
    fsIds: items.map((f) => f.fsId),
    paths: items.map((f) => f.path),
    period: form.period,
    public: form.isPublic,
    pwd: form.pwd,
  });
  return json(oddWriteBody(config.psetBody) ?? createdShareBody(faults().shape ?? config.shape, share, config.linkHost));
}
