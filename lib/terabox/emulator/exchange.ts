/**
 * The emulator's HTTP plumbing: the request a route sees, the reply it returns, and the few
 * node:http chores (reading a bounded body, parsing the Cookie header, writing a reply).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errnoBody } from './responses';

/** errno values the emulator answers with (see /work/shared/terabox-api-notes.md). */
export const ERRNO = {
  ok: 0,
  notLoggedIn: -6,
  shareGone: -7,
  fileNotFound: -9,
  badParam: 2,
  tooManyItems: -33,
  someNotCancelled: -24,
  jsTokenInvalid: 4000023,
  needVerify: 4000020,
} as const;

const MAX_BODY_BYTES = 1024 * 1024;

export interface Reply {
  status: number;
  /** An array value sends the header once per entry (Set-Cookie). */
  headers: Record<string, string | string[]>;
  body: string;
}

/** One API request as the routes see it. */
export interface EmulatorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  ndus: string | undefined;
  cookies: Map<string, string>;
  body: string;
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const HTML_TYPE = { 'Content-Type': 'text/html; charset=utf-8' };

export const json = (body: string, headers: Record<string, string | string[]> = {}): Reply => ({ status: 200, headers: { ...JSON_TYPE, ...headers }, body });
export const html = (status: number, body: string, headers: Record<string, string | string[]> = {}): Reply => ({
  status,
  headers: { ...HTML_TYPE, ...headers },
  body,
});
export const errno = (code: number, message: string, headers: Record<string, string> = {}): Reply => json(errnoBody(code, message), headers);

export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(Buffer.byteLength(reply.body)) });
  res.end(reply.body);
}

/** The body as text, or undefined when larger than MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The cookies of a Cookie header (the first value of a repeated name wins, as servers commonly do). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (name !== '' && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}
