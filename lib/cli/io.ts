/**
 * The CLI's view of the outside world (streams, environment, terminal) and its error types.
 * Everything goes through `CliIo`, so that tests can run commands in-process with captured
 * output as well as in a child process.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';

/** Exit codes: 0 success, 1 the operation failed or found problems, 2 usage or configuration. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal: progress lines are shown only then. */
  errIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
  stdin: Readable;
  /**
   * Resolves when stdout can take more (a slow reader of a pipe holds it back). Long outputs wait
   * for it between chunks, so that memory holds one chunk rather than the whole output twice.
   */
  drain?(): Promise<void>;
  /** Resolves once everything written so far has been handed to the operating system. */
  flush?(): Promise<void>;
  /**
   * Calls `listener` on the first interrupt (SIGINT, SIGTERM) while subscribed, instead of the
   * process dying at once; a second interrupt ends the process at once (exit 130). Returns the
   * unsubscribe. Absent: interrupts are not the command's business (in-process tests).
   */
  onInterrupt?(listener: (signal: NodeJS.Signals) => void): () => void;
}

/** The exit code of a run stopped by an interrupt (128 + SIGINT's number, as shells report it). */
export const EXIT_INTERRUPTED = 130;

let pipeGuarded = false;

/** Resolves once `stream` has handed everything written to it so far to the operating system. */
function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  // Write callbacks run in order: the empty write's runs after every earlier write's.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** The real process streams. */
export function processIo(): CliIo {
  if (!pipeGuarded) {
    pipeGuarded = true;
    // `share-lifecycle shares list | head`: the reader left, so there is nobody to tell anything to.
    // Without this, Node reports the EPIPE as an unhandled error with a stack trace.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
    }
  }
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    env: process.env,
    stdin: process.stdin,
    drain: async () => {
      if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
    },
    flush: async () => {
      await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    },
    onInterrupt: (listener) => {
      let interrupts = 0;
      const handler = (signal: NodeJS.Signals): void => {
        interrupts += 1;
        if (interrupts > 1) {
          process.stderr.write(`share-lifecycle: ${signal} again: stopped at once\n`);
          process.exit(EXIT_INTERRUPTED);
        }
        listener(signal);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/**
 * An error the user can act on: printed as one line (`share-lifecycle: <message>`) with its exit
 * code, never with a stack trace. `details` are printed as indented lines below it (one per invalid
 * item, for example).
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wrong arguments or settings: exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string, details: readonly string[] = []) {
    super(message, EXIT.usage, details);
  }
}

/**
 * Progress on stderr, only on a terminal and never with --json: one line rewritten in place
 * (`\r` + clear to end of line), then finished with a newline.
 */
export class Progress {
  private active = false;
  private lastWrite = 0;

  constructor(
    private readonly io: CliIo,
    private readonly enabled: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  static for(io: CliIo, options: { json?: boolean; quiet?: boolean }): Progress {
    return new Progress(io, io.errIsTty && options.json !== true && options.quiet !== true);
  }

  /** Shows `text`, at most every 100 ms unless `force` (a terminal cannot show faster anyway). */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = this.now();
    if (!force && this.active && now - this.lastWrite < 100) return;
    this.lastWrite = now;
    this.active = true;
    this.io.err(`\r\x1b[2K${text}`);
  }

  /** Ends the progress line, optionally leaving a final text on it. */
  done(text?: string): void {
    if (!this.enabled) return;
    if (text !== undefined) this.io.err(`\r\x1b[2K${text}\n`);
    else if (this.active) this.io.err('\r\x1b[2K');
    this.active = false;
  }
}

/** Reads a whole stream as UTF-8 (for `-` = stdin). */
export async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON for --json output: two-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Bytes (about) written to stdout before `writeOut` waits for the reader. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes `pieces` to stdout in chunks of about 64 KiB, waiting for a slow reader between chunks.
 * Resolves when the last chunk has been accepted (`main` flushes before the process ends).
 */
export async function writeOut(io: CliIo, pieces: Iterable<string>): Promise<void> {
  for (const chunk of chunked(pieces)) {
    io.out(chunk);
    await io.drain?.();
  }
}

/** `pieces` joined into strings of about CHUNK_CHARS (a write per piece would cost more than the JSON). */
function* chunked(pieces: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Prints `value` as `toJson` does, piece by piece: an output of any size (a million shares) is
 * never one string, and a slow reader holds the writer back instead of the output piling up.
 */
export function printJson(io: CliIo, value: unknown): Promise<void> {
  return writeOut(io, jsonPieces(value));
}

/** Writes `toJson(value)` to `file`, streamed; an unwritable file is a usage error (exit 2). */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  try {
    await pipeline(Readable.from(chunked(jsonPieces(value))), createWriteStream(file));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot write ${file}: ${typeof code === 'string' ? code : (error as Error).message}`);
  }
}

/** `toJson(value)` as a sequence of strings (their concatenation is exactly `toJson(value)`). */
export function* jsonPieces(value: unknown): Generator<string> {
  yield* pieces(value, '', 0);
  yield '\n';
}

/** Containers nested deeper than this are stringified whole (they are small: one share, one entry). */
const MAX_SPLIT_DEPTH = 3;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function* pieces(value: unknown, indent: string, depth: number): Generator<string> {
  const split = depth < MAX_SPLIT_DEPTH && (Array.isArray(value) || isPlainObject(value));
  if (!split) {
    // Within a container, JSON.stringify's own indentation needs the container's added.
    const text = JSON.stringify(value, null, 2) as string | undefined;
    yield text === undefined ? 'null' : indent === '' ? text : text.replace(/\n/g, `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i += 1) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      const element: unknown = value[i];
      if (omitted(element)) yield 'null';
      else yield* pieces(element, inner, depth + 1);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !omitted(v));
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, v] of entries) {
    yield `${first ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* pieces(v, inner, depth + 1);
  }
  yield `\n${indent}}`;
}
