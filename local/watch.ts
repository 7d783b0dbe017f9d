/**
 * `npm start -- --watch`: after the first run the local stack keeps going.
 *
 * - New share requests come from standard input (JSON lines, one request a line, as in
 *   samples/requests.jsonl) and from an inbox folder: every `*.json` / `*.jsonl` file dropped
 *   there is validated, sent, and renamed to `<name>.done` (or `<name>.rejected` when invalid).
 *   Requests go through the request queue to create-shares at once.
 * - An enforcing sweep of every account served (one after the other) runs every `intervalMs`, its
 *   cancel batches through cancel-shares. With several accounts, a request must name its account.
 * - The stack's settings are printed, so that the CLI can be pointed at it from another terminal.
 * - Ctrl-C (SIGINT) or SIGTERM stops cleanly: nothing new starts, the cancel batch in flight
 *   finishes, and the shares cancelled by an interrupted sweep are printed (the local tables live
 *   in memory: this output is their only lasting record); a second signal exits at once.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseShareRequestLines, type ShareRequestMessage } from '../lib/contracts/share-request';
import type { LocalAccount, LocalStack } from './local-stack';

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
  interruptedSweep?: { runId: string; accountId: string; cancelled: string[]; notSent: number };
}

/** Runs the watch loop on `stack` until stopped; resolves once everything it started has ended. */
export async function watchLocalStack(stack: LocalStack, options: WatchOptions): Promise<WatchOutcome> {
  const { out } = options;
  await mkdir(options.inbox, { recursive: true });
  out(watchBanner(stack, options));
  const session = new WatchSession(stack, options);
  const lines = createInterface({ input: options.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() !== '') session.submit(line, 'stdin');
  });
  const sweepTimer = setInterval(() => session.sweep(), options.intervalMs);
  const inboxTimer = setInterval(() => session.pollInbox(), options.pollMs ?? 1000);
  const removeSignalHandlers = await waitForStop(options, session);
  clearInterval(sweepTimer);
  clearInterval(inboxTimer);
  lines.close();
  await session.settled();
  removeSignalHandlers();
  const cut = session.outcome.interruptedSweep;
  if (cut !== undefined) {
    out(`sweep ${cut.runId}${accountLabel(stack, cut.accountId)} stopped during its cancels: ${cut.cancelled.length} shares cancelled before the stop, ${cut.notSent} cancel message(s) not processed:\n`);
    for (const id of cut.cancelled) out(`  cancelled ${id}\n`);
  }
  out('stopped\n');
  return session.outcome;
}

/** What the watch prints first: where requests come from, and how to point the CLI at the stack. */
function watchBanner(stack: LocalStack, options: WatchOptions): string {
  const env = stack.cliEnvironment();
  return [
    '',
    `Watching: requests from stdin (JSON lines) and from ${options.inbox}/*.json[l]; an enforcing sweep every ${Math.round(options.intervalMs / 1000)} s.`,
    'Point the CLI at this stack from another terminal:',
    ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
    '  npx share-lifecycle shares list        # or: policies list, runs list, requesters list, sweep --dry-run, ...',
    ...stack.accounts.slice(1).map((a) => `  npx share-lifecycle runs list --account ${a.accountId}   # ${a.displayName}: its runs, shares and records`),
    `The digests of grace notices (local SES): ${stack.notices.ses.url} in a browser, ${stack.notices.ses.url}/store as JSON.`,
    'Ctrl-C stops.',
    '',
  ].join('\n');
}

/**
 * Resolves on the first stop (SIGINT/SIGTERM, or `options.signal`); a second signal exits at
 * once. Returns the function that removes the signal handlers (kept while the work in flight ends).
 */
async function waitForStop(options: WatchOptions, session: WatchSession): Promise<() => void> {
  const { out } = options;
  let stopHandlers = (): void => undefined;
  await new Promise<void>((resolve) => {
    const stop = (signal?: NodeJS.Signals): void => {
      if (session.stopping.signal.aborted) {
        // A second interrupt: the user does not want to wait for the batch in flight.
        out(`${signal ?? 'stop'} again: exiting at once\n`);
        process.exit(130);
      }
      if (signal !== undefined) session.outcome.stoppedBy = signal;
      session.stopping.abort();
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
  return stopHandlers;
}

/** The work of one watch: requests, sweeps and inbox polls, run one after the other. */
class WatchSession {
  /** Aborted on the first stop: no task starts after it, and a cancel drain stops after its batch. */
  readonly stopping = new AbortController();
  readonly outcome: WatchOutcome = {};
  // One thing at a time: requests and sweeps share the account, as the deployed stack's reserved
  // concurrency and the sweep lease make them take turns.
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stack: LocalStack,
    private readonly options: WatchOptions,
  ) {}

  /** The tasks queued so far, ended. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Validates requests and queues their sending; false (and nothing queued) when one is invalid. */
  submit(text: string, source: string): boolean {
    const parsed = parseShareRequestLines(text);
    if (!parsed.ok) {
      this.options.out(`${source}: not sent:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return false;
    }
    this.serial(() => this.create(parsed.requests));
    return true;
  }

  sweep(): void {
    this.serial(() => this.sweepOnce());
  }

  pollInbox(): void {
    this.serial(() => this.readInbox());
  }

  private serial(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => this.options.out(`error: ${error instanceof Error ? error.message : String(error)}\n`));
  }

  private async create(requests: ShareRequestMessage[]): Promise<void> {
    const { stack, options } = this;
    await stack.send(requests);
    await stack.drainRequests();
    for (const r of requests) {
      const record = await stack.storesOf(r.account).shareRecords.get(r.requestId);
      options.out(`request ${r.requestId}${accountLabel(stack, r.account)}: ${record?.status ?? 'not recorded'}${record?.link ? ` ${record.link}` : ''}${record?.error ? ` (${record.error})` : ''}\n`);
    }
  }

  /** An enforcing sweep of every account the stack serves, one after the other (as the state machine's Map). */
  private async sweepOnce(): Promise<void> {
    for (const account of this.stack.accounts) {
      if (this.stopping.signal.aborted) return;
      const cut = await this.sweepAccount(account.accountId, account.stores);
      if (cut) return;
    }
  }

  /** One account's sweep and its cancels; true when the stop cut its cancels short. */
  private async sweepAccount(accountId: string, stores: LocalAccount['stores']): Promise<boolean> {
    const { stack, stopping } = this;
    const report = await stack.sweep({ trigger: 'local-watch', accountId });
    const drained = await stack.drainCancels(undefined, stopping.signal);
    if (drained.remaining > 0 && stopping.signal.aborted) {
      this.outcome.interruptedSweep = { runId: report.runId, accountId, cancelled: await cancelledBy(stores, report.runId), notSent: drained.remaining };
      return true;
    }
    const g = report.guardrail;
    const mailed = await stack.notices.deliver();
    this.options.out(
      `sweep ${report.runId}${accountLabel(stack, accountId)}: ${report.status}, ${report.inventory.shares} shares, ${report.cancelled.length} cancelled in ${drained.batches} batch(es)` +
        `${mailed.mails.length > 0 ? `, ${mailed.mails.length} digest(s) mailed` : ''}` +
        `${g?.tripped ? ' (guardrail TRIPPED: nothing cancelled)' : ''}${report.errors.length > 0 ? `; errors: ${report.errors.join('; ')}` : ''}\n`,
    );
    return false;
  }

  /** Sends every request file in the inbox, then renames it `.done` (or `.rejected`). */
  private async readInbox(): Promise<void> {
    const { inbox } = this.options;
    if (this.stopping.signal.aborted) return;
    let names: string[];
    try {
      names = (await readdir(inbox)).filter((n) => REQUEST_FILE.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(inbox, name);
      const ok = this.submit(await readFile(file, 'utf8'), file);
      await rename(file, `${file}.${ok ? 'done' : 'rejected'}`);
    }
  }
}

/** ` (account ID)` after a request or a sweep, when the stack serves several accounts. */
function accountLabel(stack: LocalStack, accountId: string | undefined): string {
  return accountId !== undefined && stack.accounts.length > 1 ? ` (account ${accountId})` : '';
}

/** The shares a run's cancels removed (or found gone), from its audit trail. */
async function cancelledBy(stores: LocalAccount['stores'], runId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of stores.runs.listAudit(runId)) {
    if (entry.outcome === 'cancelled' || entry.outcome === 'already-gone' || entry.outcome === 'unconfirmed') ids.push(String(entry.shareId));
  }
  return ids.sort();
}
