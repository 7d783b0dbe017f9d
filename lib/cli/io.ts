/**
 * The CLI's view of the outside world (streams, environment, terminal) and its error types.
 * Everything goes through `CliIo`, so that tests can run commands in-process with captured
 * output as well as in a child process.
 */
import type { Readable } from 'node:stream';

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
}

let pipeGuarded = false;

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
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    env: process.env,
    stdin: process.stdin,
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
