/**
 * Turns zod issues into short, one-line messages that name the field ("fsIds[2]: must be ...").
 *
 * Messages are built from the issue's path and our own wording; zod's default texts are used
 * only as a fallback. Input values are never echoed (a path can be 1024 characters, and the
 * same formatter must be safe for settings).
 */
import type * as z from 'zod';
import { truncate } from '../shared/text';

/** Formats a zod path as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const name = truncate(String(segment), 64);
      out += out === '' ? name : `.${name}`;
    }
  }
  return out;
}

/** One line per problem; unknown keys become one line each. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], maxLines = Number.POSITIVE_INFINITY): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = where === '' ? truncate(key, 64) : `${where}.${truncate(key, 64)}`;
        lines.push(`${field}: unknown field`);
      }
    } else {
      lines.push(where === '' ? issue.message : `${where}: ${issue.message}`);
    }
  }
  return capLines(lines, maxLines);
}

/** Keeps at most `max` lines and says how many were left out. */
export function capLines(lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  kept.push(`…and ${lines.length - max} more problem(s)`);
  return kept;
}
