/**
 * `npm start -- --watch`: after the first run the local stack keeps going.
 *
 * - New share requests come from standard input (JSON lines, one request a line, as in
 *   samples/requests.jsonl) and from an inbox folder: every `*.json` / `*.jsonl` file dropped
 *   there is validated, sent, and renamed to `<name>.done` (or `<name>.rejected` when invalid).
 *   Requests go through the request queue to create-shares at once.
 * - A sweep runs in enforce mode every `intervalMs`, its cancel batches through cancel-shares.
 * - The stack's settings are printed, so that the CLI can be pointed at it from another terminal.
 * - Ctrl-C (SIGINT) or SIGTERM stops cleanly: nothing new starts, the cancel batch in flight
 *   finishes, and the shares cancelled by an interrupted sweep are printed (the local tables live
 *   in memory: this output is their only lasting record); a second signal exits at once.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseShareRequestLines } from '../lib/contracts/share-request';
import type { LocalStack } from './local-stack';

export interface WatchOptions {
  intervalMs: number;
  /** Folder polled for request files (created if missing). */
  inbox: string;
  stdin: Readable;
  out: (text: string) => void;
  /** Stops the loop as an interrupt does (in addition to SIGINT/SIGTERM when `handleSignals`). */
  signal?: AbortSignal;
  handleSignals?: boolean;
  /** How often the inbox is looked at (default 1 s). */
  pollMs?: number;
}

const REQUEST_FILE = /\.(json|jsonl)$/;

/** How the watch loop ended. */
export interface WatchOutcome {
  /** The SIGINT/SIGTERM that stopped it; undefined when stopped through `signal`. */
  stoppedBy?: NodeJS.Signals;
  /** The sweep whose cancels the stop cut short, and what it had cancelled by then. */
  interruptedSweep?: { runId: string; cancelled: string[]; notSent: number };
}

/** Runs the watch loop on `stack` until stopped; resolves once everything it started has ended. */
export async function watchLocalStack(stack: LocalStack, options: WatchOptions): Promise<WatchOutcome> {
  const { out } = options;
  await mkdir(options.inbox, { recursive: true });
  const env = stack.cliEnvironment();
  out(
    [
      '',
      `Watching: requests from stdin (JSON lines) and from ${options.inbox}/*.json[l]; an enforcing sweep every ${Math.round(options.intervalMs / 1000)} s.`,
      'Point the CLI at this stack from another terminal:',
      ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
      '  npx share-lifecycle shares list        # or: policies list, runs list, sweep --dry-run, ...',
      'Ctrl-C stops.',
      '',
    ].join('\n'),
  );

  // One thing at a time: requests and sweeps share the account, as the deployed stack's reserved
  // concurrency and the sweep lease make them take turns.
  let chain: Promise<void> = Promise.resolve();
  const serial = (task: () => Promise<void>): void => {
    chain = chain.then(task).catch((error: unknown) => out(`error: ${error instanceof Error ? error.message : String(error)}\n`));
  };

  const submit = (text: string, source: string): boolean => {
    const parsed = parseShareRequestLines(text);
    if (!parsed.ok) {
      out(`${source}: not sent:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return false;
    }
    serial(async () => {
      await stack.send(parsed.requests);
      await stack.drainRequests();
      for (const r of parsed.requests) {
        const record = await stack.dynamo.stores.shareRecords.get(r.requestId);
        out(`request ${r.requestId}: ${record?.status ?? 'not recorded'}${record?.link ? ` ${record.link}` : ''}${record?.error ? ` (${record.error})` : ''}\n`);
      }
    });
    return true;
  };

  // Aborted on the first stop: no task starts after it, and a cancel drain stops after its batch.
  const stopping = new AbortController();
  const outcome: WatchOutcome = {};

  const sweep = (): void =>
    serial(async () => {
      if (stopping.signal.aborted) return;
      const report = await stack.sweep({ trigger: 'local-watch' });
      const drained = await stack.drainCancels(undefined, stopping.signal);
      if (drained.remaining > 0 && stopping.signal.aborted) {
        outcome.interruptedSweep = { runId: report.runId, cancelled: await cancelledBy(stack, report.runId), notSent: drained.remaining };
        return;
      }
      const g = report.guardrail;
      out(
        `sweep ${report.runId}: ${report.status}, ${report.inventory.shares} shares, ${report.cancelled.length} cancelled in ${drained.batches} batch(es)` +
          `${g?.tripped ? ' (guardrail TRIPPED: nothing cancelled)' : ''}${report.errors.length > 0 ? `; errors: ${report.errors.join('; ')}` : ''}\n`,
      );
    });

  const pollInbox = (): void =>
    serial(async () => {
      if (stopping.signal.aborted) return;
      let names: string[];
      try {
        names = (await readdir(options.inbox)).filter((n) => REQUEST_FILE.test(n)).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const file = join(options.inbox, name);
        const ok = submit(await readFile(file, 'utf8'), file);
        await rename(file, `${file}.${ok ? 'done' : 'rejected'}`);
      }
    });

  const lines = createInterface({ input: options.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() !== '') submit(line, 'stdin');
  });

  let stopHandlers = (): void => undefined;
  const sweepTimer = setInterval(sweep, options.intervalMs);
  const inboxTimer = setInterval(pollInbox, options.pollMs ?? 1000);
  await new Promise<void>((resolve) => {
    const stop = (signal?: NodeJS.Signals): void => {
      if (stopping.signal.aborted) {
        // A second interrupt: the user does not want to wait for the batch in flight.
        out(`${signal ?? 'stop'} again: exiting at once\n`);
        process.exit(130);
      }
      if (signal !== undefined) outcome.stoppedBy = signal;
      stopping.abort();
      options.signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => stop();
    if (options.handleSignals !== false) {
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      stopHandlers = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      };
    }
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  clearInterval(sweepTimer);
  clearInterval(inboxTimer);
  lines.close();
  await chain;
  stopHandlers();
  const cut = outcome.interruptedSweep;
  if (cut !== undefined) {
    out(`sweep ${cut.runId} stopped during its cancels: ${cut.cancelled.length} shares cancelled before the stop, ${cut.notSent} cancel message(s) not processed:\n`);
    for (const id of cut.cancelled) out(`  cancelled ${id}\n`);
  }
  out('stopped\n');
  return outcome;
}

/** The shares a run's cancels removed (or found gone), from its audit trail. */
async function cancelledBy(stack: LocalStack, runId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of stack.dynamo.stores.runs.listAudit(runId)) {
    if (entry.outcome === 'cancelled' || entry.outcome === 'already-gone' || entry.outcome === 'unconfirmed') ids.push(String(entry.shareId));
  }
  return ids.sort();
}
