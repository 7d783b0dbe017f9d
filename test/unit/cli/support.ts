/** An in-memory CliIo for running the CLI in-process. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../../lib/cli/io';

export function memoryIo(options: { env?: Record<string, string>; stdin?: string; tty?: boolean } = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      errIsTty: options.tty === true,
      env: options.env ?? {},
      stdin: Readable.from([options.stdin ?? '']),
    },
    out: () => out,
    err: () => err,
  };
}
