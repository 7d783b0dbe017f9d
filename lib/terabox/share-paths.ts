/**
 * The paths of a list item: `typicalPath` (Baidu), `path`, `paths`, `path_list` (a string, a list,
 * or the JSON text of one) and `filelist[].path`; the deleted-file status text is recognised.
 */
import { isRecord, kindName, type Json } from './field-values';

/** The fields a list item may carry its paths in (besides `filelist[].path`). */
export const PATH_KEYS = ['typicalPath', 'typical_path', 'path', 'paths', 'path_list'] as const;
/** Baidu's `typicalPath` of a share whose file was deleted ("the shared file has been deleted"). */
export const DELETED_FILE_TEXT = '分享的文件已被删除';

/** What the path fields of an item say. */
export interface PathFacts {
  /** The absolute paths found (empty when none, or when any path-like text was not one). */
  paths: string[];
  /** A path field holds the deleted-file status text. */
  deletedText: boolean;
  problems: string[];
}

/** Collects the strings of one path field: a string, a list of strings, or the JSON text of one. */
function pathStrings(key: string, value: unknown, problems: string[]): string[] {
  if (typeof value === 'string') {
    if (value.length === 0) return [];
    if (value.charCodeAt(0) !== 0x5b) return [value]; // not '[': one path (the common case)
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push(`${key} is text starting with "[" that is not a JSON list`);
      return [];
    }
    return pathStrings(key, parsed, problems);
  }
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const p: unknown = value[i];
      if (typeof p === 'string') {
        if (p.length > 0) out.push(p);
      } else {
        problems.push(`${key}[${i}] is ${kindName(p)}, not a path`);
      }
    }
    return out;
  }
  problems.push(`${key} is ${kindName(value)}, neither a path nor a list of paths`);
  return [];
}

const NO_PROBLEMS: string[] = [];

/**
 * The paths of an item. Only absolute paths are paths: a path field holding anything else (the
 * deleted-file text, another status text) makes the share's paths unknown as a whole, since a
 * share whose paths are partly known could escape a path exemption it falls under.
 */
export function pathsOf(item: Json): PathFacts {
  // The common case, every share of a sweep: one absolute typicalPath and no other path field.
  const typical = item.typicalPath;
  if (
    typeof typical === 'string' &&
    typical.charCodeAt(0) === 0x2f &&
    item.typical_path == null &&
    item.path == null &&
    item.paths == null &&
    item.path_list == null &&
    item.filelist == null
  ) {
    return { paths: [typical], deletedText: false, problems: NO_PROBLEMS };
  }
  const problems: string[] = [];
  const found = new Set<string>();
  let deletedText = false;
  let nonPath = false;
  const add = (p: string): void => {
    if (p.charCodeAt(0) === 0x2f) found.add(p);
    else {
      nonPath = true;
      if (p.trim() === DELETED_FILE_TEXT) deletedText = true;
    }
  };
  for (const key of PATH_KEYS) {
    const value = item[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.length > 0 && value.charCodeAt(0) === 0x2f) found.add(value); // one absolute path
    else for (const p of pathStrings(key, value, problems)) add(p);
  }
  const fileList = item.filelist;
  if (fileList !== undefined && fileList !== null) {
    if (!Array.isArray(fileList)) problems.push(`filelist is ${kindName(fileList)}, not a list`);
    else
      fileList.forEach((f: unknown, i) => {
        if (!isRecord(f) || f.path === undefined || f.path === null) return;
        if (typeof f.path !== 'string') problems.push(`filelist[${i}].path is ${kindName(f.path)}, not a path`);
        else if (f.path.length > 0) add(f.path);
      });
  }
  return { paths: nonPath ? [] : [...found], deletedText, problems };
}
