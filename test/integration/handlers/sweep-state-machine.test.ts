/**
 * The sweep state machine as deployed (the synthesized definition, run by aws-local-stepfunctions)
 * with every Task bound to the real sweep handler, over DynamoDB Local and the TeraBox emulator:
 * a listing in many chunks plans exactly what a one-invocation sweep plans, a crashed chunk
 * resumes, a list moved between chunks reconciles or cancels nothing, and two executions at once
 * never both act.
 */
import type { SweepAccountResult, SweepStepEvent, SweepStepState } from '../../../lib/contracts/sweep-steps';
import type { NewEmulatorShare } from '../../../lib/terabox/emulator';
import { runSweepMachine, type SweepStepHandler } from '../../support/sweep-state-machine';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, publicLinksPolicy, sweepWorld, type SweepWorld } from './sweep-shares-support';

const tables = useTestTables('sfn');

/** 30,000 public /Public/ links, newest first by id; every seventh is 40 days old (breaks the 30-day policy). */
const SHARES: NewEmulatorShare[] = Array.from({ length: 30_000 }, (_, i) =>
  anEmulatorShare(String(50_000_000_000 + i), `/Public/f-${i}.pdf`, i % 7 === 3 ? 40 : 4),
);
const BREAKING = new Set(SHARES.filter((_, i) => i % 7 === 3).map((s) => s.shareId!));
// 300 pages of 100, 40 pages a chunk: 8 chunks.
const ENV = { MAX_CANCELLATIONS_PER_RUN: '100000', SWEEP_PAGES_PER_CHUNK: '40', TERABOX_LIST_CONCURRENCY: '4' };

const opened: SweepWorld[] = [];
/** A smaller account for the tests of failures: 6,000 shares, 60 pages, 8 pages a chunk (8 chunks). */
const SMALL = SHARES.slice(0, 6_000);
const SMALL_ENV = { SWEEP_PAGES_PER_CHUNK: '8' };

async function world(shares: NewEmulatorShare[] = SHARES, env: Record<string, string> = {}): Promise<SweepWorld> {
  const w = await sweepWorld(tables, { shares, policies: [publicLinksPolicy()], env: { ...ENV, ...env } });
  opened.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
  jest.restoreAllMocks();
});

/** The real handler for every Task, with `before` called ahead of each step (to change the world there). */
function realHandler(w: SweepWorld, before?: (event: SweepStepEvent, calls: number) => void | Promise<void>): { handler: SweepStepHandler; events: SweepStepEvent[] } {
  const events: SweepStepEvent[] = [];
  const handler: SweepStepHandler = async (event) => {
    events.push(event);
    await before?.(event, events.filter((e) => e.step === event.step).length);
    return w.invokeStep(event);
  };
  return { handler, events };
}

const stepsOf = (events: SweepStepEvent[]): string[] => events.map((e) => e.step);
/** The one account's result of a succeeded execution. */
const resultOf = (outcome: { status: string; output?: unknown }): SweepAccountResult | undefined =>
  outcome.status === 'succeeded' ? (outcome.output as { accounts: SweepAccountResult[] }).accounts[0] : undefined;

describe('the sweep state machine on the real handler', () => {
  jest.setTimeout(240_000);

  it('lists 30,000 shares in 8 chunks and cancels exactly what one invocation cancels', async () => {
    const oneShot = await world();
    const direct = await oneShot.invoke({ trigger: 'schedule' });
    const expected = oneShot.queuedShareIds().sort();
    expect(direct.status).toBe('completed');
    expect(expected).toEqual([...BREAKING].sort());

    const w = await world();
    const { handler, events } = realHandler(w);
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(outcome).toMatchObject({ status: 'succeeded', output: { accounts: [expect.objectContaining({ accountId: w.accountId, status: 'completed' })], anyFailed: false } });
    expect(stepsOf(events)).toEqual(['accounts', 'start', ...Array<string>(8).fill('list'), 'evaluate']);
    expect(w.queuedShareIds().sort()).toEqual(expected);
    const run = (await w.stores.runs.listRuns({ limit: 5 })).find((r) => r.runId === resultOf(outcome)?.runId);
    expect(run).toMatchObject({ status: 'completed', counts: expect.objectContaining({ inventory: 30_000, enqueued: BREAKING.size }) });
    expect((await w.stores.inventory.loadAll()).size).toBe(30_000);
    // One list call per page, plus the re-read of each chunk's boundary page (7 continuations).
    expect(w.emulator.state.counts['/share/teratransfer/sharelist']).toBe(300 + 7);
    expect(await w.stores.lease.current()).toBeUndefined();
  });

  it('resumes after a chunk invocation that crashed (the state machine retries it)', async () => {
    const w = await world(SMALL, SMALL_ENV);
    const { handler, events } = realHandler(w, (event, calls) => {
      if (event.step === 'list' && calls === 3) throw Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Runtime.ExitError' });
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'succeeded', output: { accounts: [expect.objectContaining({ accountId: w.accountId, status: 'completed' })], anyFailed: false } });
    expect(stepsOf(events).filter((s) => s === 'list')).toHaveLength(9); // 8 chunks and the retried one
    expect(w.queuedShareIds().sort()).toEqual(SMALL.filter((s) => BREAKING.has(s.shareId!)).map((s) => s.shareId!).sort());
  });

  it('a list moved between chunks by creates and cancels is reconciled: only listed breaking shares are cancelled', async () => {
    const w = await world(SMALL, SMALL_ENV);
    let created = 0;
    const { handler } = realHandler(w, (event) => {
      if (event.step !== 'list' || event.state.listing.chunks === 0) return;
      // People create 3 shares and cancel 5 older ones (on pages already read) between two chunks.
      for (let k = 0; k < 3; k += 1) w.emulator.state.addShare(anEmulatorShare(String(60_000_000_000 + created++), `/Public/new-${created}.pdf`, 0));
      const readUpTo = event.state.listing.pages * 100;
      for (let k = 0; k < 5; k += 1) w.emulator.state.removeShare(SMALL[SMALL.length - 1 - (readUpTo - 10 - k * 7)]!.shareId!);
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    // Fewer moves than a page between chunks: reconciled, so the run completes.
    expect(outcome).toMatchObject({ status: 'succeeded', output: { accounts: [expect.objectContaining({ accountId: w.accountId, status: 'completed' })], anyFailed: false } });
    const queued = w.queuedShareIds();
    const listed = new Set((await w.stores.inventory.loadAll()).keys());
    const stillThere = new Set(w.emulator.state.shares.keys());
    // Every share that existed throughout was listed: none slipped past a boundary when older ones were cancelled.
    expect(SMALL.filter((s) => stillThere.has(s.shareId!) && !listed.has(s.shareId!))).toEqual([]);
    expect(queued.filter((id) => !BREAKING.has(id))).toEqual([]);
    expect(queued.sort()).toEqual([...listed].filter((id) => BREAKING.has(id)).sort());
  });

  it('a list that moved by more than a page between chunks fails the run and cancels nothing', async () => {
    const w = await world(SMALL, SMALL_ENV);
    let bulk = false;
    const { handler, events } = realHandler(w, (event) => {
      if (event.step !== 'list' || event.state.listing.chunks !== 2 || bulk) return;
      bulk = true;
      // A bulk job shares 250 new links while the sweep waits between chunks.
      for (let k = 0; k < 250; k += 1) w.emulator.state.addShare(anEmulatorShare(String(70_000_000_000 + k), `/Public/bulk-${k}.pdf`, 0));
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringContaining(JSON.stringify([w.accountId])) });
    expect(outcome.status === 'failed' && outcome.cause).toMatch(/nothing was cancelled/);
    expect(outcome.states.slice(-6)).toEqual(['Abandon', 'AccountAbandoned', 'Summary', 'AnyAccountFailed', 'SweepFailedCause', 'SweepFailed']);
    expect(stepsOf(events)[stepsOf(events).length - 1]).toBe('abandon');
    expect(w.queuedShareIds()).toEqual([]);
    const start = events.find((e) => e.step === 'list') as { state: SweepStepState };
    const run = (await w.stores.runs.listRuns({ limit: 5 })).find((r) => r.runId === start.state.runId);
    expect(run).toMatchObject({ status: 'failed', reason: expect.stringMatching(/moved between chunks in a way that cannot be reconciled[\s\S]*nothing was cancelled/) });
    expect(await w.stores.lease.current()).toBeUndefined();
  });

  it('a Start and an Evaluate whose answers were lost are retried without a second run or a second act', async () => {
    const w = await world(SMALL.slice(0, 3_000));
    const lost = new Set<string>();
    const events: SweepStepEvent[] = [];
    // The handler ran, then the Lambda service lost its answer: the state machine retries the step.
    const handler: SweepStepHandler = async (event) => {
      events.push(event);
      const answer = await w.invokeStep(event);
      if ((event.step === 'start' || event.step === 'evaluate') && !lost.has(event.step)) {
        lost.add(event.step);
        throw Object.assign(new Error('the answer was lost'), { name: 'Lambda.ServiceException' });
      }
      return answer;
    };
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(stepsOf(events)).toEqual(['accounts', 'start', 'start', 'list', 'evaluate', 'evaluate']);
    expect(outcome).toMatchObject({ status: 'succeeded', states: expect.not.arrayContaining(['AccountSkipped']), output: { accounts: [expect.objectContaining({ accountId: w.accountId, status: 'completed' })], anyFailed: false } });
    const runs = await w.stores.runs.listRuns({ limit: 5 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', runId: resultOf(outcome)?.runId });
    const breaking = SMALL.slice(0, 3_000).filter((s) => BREAKING.has(s.shareId!)).map((s) => s.shareId!);
    // Queued once: the retried evaluate reports the recorded run and does nothing again.
    expect(w.queuedShareIds().sort()).toEqual(breaking.sort());
    expect(await w.stores.lease.current()).toBeUndefined();
  });

  it('two executions at once never both act: the second is skipped at start', async () => {
    const w = await world(SMALL.slice(0, 3_000));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstListing!: () => void;
    const listing = new Promise<void>((resolve) => (firstListing = resolve));
    const first = realHandler(w, async (event) => {
      if (event.step === 'list' && event.state.listing.chunks === 0) {
        firstListing();
        await held; // the first execution is between its start and its first chunk
      }
    });
    const firstRun = runSweepMachine({ trigger: 'schedule' }, first.handler);
    await listing;
    const second = realHandler(w);
    const secondOutcome = await runSweepMachine({ trigger: 'schedule' }, second.handler);
    release();
    const firstOutcome = await firstRun;

    expect(stepsOf(second.events)).toEqual(['accounts', 'start']);
    expect(secondOutcome).toMatchObject({ status: 'succeeded', states: expect.arrayContaining(['AccountSkipped']), output: { accounts: [expect.objectContaining({ status: 'skipped' })] } });
    expect(firstOutcome).toMatchObject({ status: 'succeeded', output: { accounts: [expect.objectContaining({ accountId: w.accountId, status: 'completed' })], anyFailed: false } });
    const breaking = SMALL.slice(0, 3_000).filter((s) => BREAKING.has(s.shareId!)).map((s) => s.shareId!);
    expect(w.queuedShareIds().sort()).toEqual(breaking.sort());
  });
});
