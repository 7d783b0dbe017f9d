/**
 * The glue between commander and the command implementations: every action gets a `Run` (the
 * streams and a `CliContext` built from the global options) and returns its exit code; the
 * context is closed whatever happens.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliContext, type ContextDeps, type GlobalOptions } from './context';
import { UsageError, readStream, type CliIo } from './io';
import { stripByteOrderMark } from '../shared/text';

export interface Run {
  io: CliIo;
  context: CliContext;
}

/** Wraps a command implementation for `command.action(...)`. */
export type CommandRunner = <A extends unknown[]>(fn: (run: Run, ...args: A) => Promise<number>) => (...args: unknown[]) => Promise<void>;

/** Where the exit code of the action that ran is kept (commander ignores action results). */
export interface ExitCodeHolder {
  code: number;
}

/** Builds the runner used by every command of one `main` call. */
export function commandRunner(io: CliIo, holder: ExitCodeHolder, deps: ContextDeps = {}): CommandRunner {
  return <A extends unknown[]>(fn: (run: Run, ...args: A) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      // commander passes the positional arguments, the options, then the command itself.
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const context = new CliContext(
        io,
        { ...(globals.stack !== undefined ? { stack: globals.stack } : {}), ...(globals.account !== undefined ? { account: globals.account } : {}) },
        deps,
      );
      try {
        holder.code = await fn({ io, context }, ...(args.slice(0, -1) as A));
      } finally {
        context.close();
      }
    };
}

/** Largest input file read (a policy or request file far beyond this is a mistake). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** Reads a file argument, or stdin for `-`. A missing or unreadable file is a usage error (exit 2). */
export async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') return stripByteOrderMark(await readStream(io.stdin));
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new UsageError(`${file} is a directory, not a file`);
    if (info.size > MAX_INPUT_BYTES) throw new UsageError(`${file} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    return stripByteOrderMark(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}
