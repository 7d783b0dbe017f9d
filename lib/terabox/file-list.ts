/** A folder listing (`/api/list`, pages of 100 by name): the query of a page and the entries it holds. */
import { TeraboxResponseError } from './errors';
import { isRecord, toNumber } from './field-values';
import { toDecimalId } from './json';

export const LIST_FILES_ENDPOINT = '/api/list';
/** Entries asked for per page; a shorter page is the last one. */
export const FILE_PAGE_SIZE = 100;

export interface TeraboxFile {
  fsId: string;
  path: string;
  name: string;
  isDir: boolean;
  size?: number;
  raw: Record<string, unknown>;
}

export function fileListQuery(dir: string, page: number): Record<string, string> {
  return { dir, page: String(page), num: String(FILE_PAGE_SIZE), order: 'name', desc: '0' };
}

/** The entries of one answer; throws TeraboxResponseError('shape') when the list or an entry is unusable. */
export function readFilePage(body: Record<string, unknown>, page: number): TeraboxFile[] {
  const endpoint = LIST_FILES_ENDPOINT;
  const list: unknown = body.list ?? [];
  if (!Array.isArray(list)) throw new TeraboxResponseError('shape', 'list is not an array', { endpoint });
  return list.map((item: unknown, i): TeraboxFile => {
    const fsId = isRecord(item) ? toDecimalId(item.fs_id) : undefined;
    if (!isRecord(item) || !fsId || typeof item.path !== 'string') {
      throw new TeraboxResponseError('shape', `entry #${i} of page ${page} has no usable fs_id or path`, { endpoint });
    }
    const size = toNumber(item.size);
    return {
      fsId,
      path: item.path,
      name: typeof item.server_filename === 'string' ? item.server_filename : item.path.split('/').pop() ?? '',
      isDir: toNumber(item.isdir) === 1 || item.isdir === true,
      ...(size !== undefined ? { size } : {}),
      raw: item,
    };
  });
}
