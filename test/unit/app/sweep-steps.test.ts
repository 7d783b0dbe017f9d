import {
  abandonSweepStep,
  evaluateSweepStep,
  listSweepStep,
  MemoryListingStaging,
  runSweep,
  startSweepStep,
  type SweepDeps,
  type SweepResult,
} from '../../../lib/app/sweep';
import type { SweepStepState } from '../../../lib/contracts/sweep-steps';
import { aShare, sweepWorld, type SweepWorld } from './sweep-fakes';

/** 250 shares: every fifth is older than 30 days under /Public/ (the default policy cancels it). */
function account(): ReturnType<typeof aShare>[] {
  return Array.from({ length: 250 }, (_, i) => aShare(String(5000 - i), { ageDays: i % 5 === 0 ? 40 : 3 }));
}

function world(settings: NonNullable<Parameters<typeof sweepWorld>[0]>['settings'] = {}): { w: SweepWorld; deps: SweepDeps } {
  const w = sweepWorld({ shares: account(), settings });
  w.lister.pageSize = 20;
  const staging = new MemoryListingStaging();
  return { w, deps: { ...w.deps(), staging } };
}

/** Drives the steps as the state machine does, each step with deps of its own (a new invocation). */
async function driveSteps(deps: () => SweepDeps, dryRun = false): Promise<{ states: SweepStepState[]; result: SweepResult | undefined }> {
  const states = [await startSweepStep(deps(), { trigger: 'schedule', dryRun })];
  if (states[0]!.status === 'skipped') return { states, result: undefined };
  while (!states[states.length - 1]!.listing.done) states.push(await listSweepStep(deps(), states[states.length - 1]!));
  return { states, result: await evaluateSweepStep(deps(), states[states.length - 1]!) };
}

async function collectPages(deps: SweepDeps, runId: string): Promise<{ page: number; shares: object[] }[]> {
  const out: { page: number; shares: object[] }[] = [];
  for await (const page of deps.staging!.readPages(runId, Number.MAX_SAFE_INTEGER)) out.push(page);
  return out;
}

describe('the sweep as steps', () => {
  it('lists in chunks of the page budget and plans exactly what a one-process run plans', async () => {
    const one = world();
    const whole = await runSweep(one.deps, { trigger: 'schedule' });
    const chunked = world({ pagesPerChunk: 3 });
    const { states, result } = await driveSteps(() => chunked.deps);

    // 250 shares in pages of 20: 13 pages, 3 a chunk -> 5 chunks.
    expect(states.map((s) => s.listing.chunks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(states[states.length - 1]!.listing).toMatchObject({ done: true, pages: 13, shares: 250 });
    expect(chunked.w.lister.calls.map((c) => c.cursor?.nextPage ?? 1)).toEqual([1, 4, 7, 10, 13]);
    expect(result!.status).toBe('completed');
    expect(result!.enqueued).toEqual(whole.enqueued);
    expect(result!.enqueued).toHaveLength(50);
    expect(result!.inventory).toMatchObject({ listed: 250, pages: 13, complete: true });
    expect(chunked.w.cancelQueue.batches.flatMap((b) => b.shareIds)).toEqual(one.w.cancelQueue.batches.flatMap((b) => b.shareIds));
    expect(chunked.w.runs.runs.get(result!.runId)).toMatchObject({ status: 'completed' });
    expect(chunked.w.lease.holder).toBeUndefined();
  });

  it('stages only what evaluation and the reports read of a share (no raw item, fs ids, link or counters)', async () => {
    const { deps } = world({ pagesPerChunk: 3 });
    const state = await listSweepStep(deps, await startSweepStep(deps, { trigger: 'schedule' }));
    const pages = await collectPages(deps, state.runId);
    expect(pages).toHaveLength(3);
    const keys = new Set(pages.flatMap((p) => p.shares.flatMap((s) => Object.keys(s))));
    expect([...keys].sort()).toEqual(['createdAtMs', 'paths', 'shareId', 'shortUrl', 'visibility']);
    expect(pages[0]!.shares[0]).toEqual({ shareId: '5000', shortUrl: '1s5000', paths: ['/Public/file-5000.pdf'], visibility: 'public', createdAtMs: expect.any(Number) });
  });

  it('resumes after a chunk that crashed: the retried chunk reads the same pages again', async () => {
    const { w, deps } = world({ pagesPerChunk: 4 });
    const start = await startSweepStep(deps, { trigger: 'schedule' });
    const first = await listSweepStep(deps, start);
    w.lister.failAfter = 120; // page 7 (shares 120-139) fails: the second chunk dies after staging pages 5 and 6
    await expect(listSweepStep(deps, first)).rejects.toThrow(/the share listing did not finish/);
    w.lister.failAfter = undefined;
    let state = await listSweepStep(deps, first); // the retry, from the same state
    while (!state.listing.done) state = await listSweepStep(deps, state);
    const result = await evaluateSweepStep(deps, state);
    expect(result.status).toBe('completed');
    expect(result.inventory.listed).toBe(250);
    expect(result.enqueued).toHaveLength(50);
  });

  it('a chunk retried after its checkpoint was saved goes on from the checkpoint', async () => {
    const { deps } = world({ pagesPerChunk: 5 });
    const start = await startSweepStep(deps, { trigger: 'schedule' });
    const first = await listSweepStep(deps, start);
    const again = await listSweepStep(deps, start); // the state machine lost the answer and ran it again
    expect(again.listing.chunks).toBe(first.listing.chunks + 1);
    let state = again;
    while (!state.listing.done) state = await listSweepStep(deps, state);
    expect((await evaluateSweepStep(deps, state)).inventory.listed).toBe(250);
  });

  it('refuses to evaluate a listing that has not ended, and cancels nothing', async () => {
    const { w, deps } = world({ pagesPerChunk: 2 });
    const start = await startSweepStep(deps, { trigger: 'schedule' });
    const first = await listSweepStep(deps, start);
    const result = await evaluateSweepStep(deps, { ...first, listing: { ...first.listing, done: true } });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/has not ended \(1 chunk\(s\) staged\); nothing was cancelled/);
    expect(w.cancelQueue.batches).toEqual([]);
    expect(w.lease.holder).toBeUndefined();
  });

  it('abandon records the run failed with the reason and releases the lease', async () => {
    const { w, deps } = world({ pagesPerChunk: 2 });
    const start = await startSweepStep(deps, { trigger: 'schedule' });
    const first = await listSweepStep(deps, start);
    expect(w.lease.holder?.owner).toBe(start.runId);
    const result = await abandonSweepStep(deps, first, { reason: 'the share listing did not finish: HTTP 502 on /x?jsToken=tok-abcdef123456' });
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('the share listing did not finish: HTTP 502 on /x?jsToken=[REDACTED]; nothing was cancelled');
    expect(w.runs.runs.get(start.runId)).toMatchObject({ status: 'failed', reason: result.reason });
    expect(w.lease.holder).toBeUndefined();
    expect(w.cancelQueue.batches).toEqual([]);
  });

  it("a start retried for the same execution goes on with that execution's run (its lease, its record)", async () => {
    const { w, deps } = world();
    const execution = { id: 'arn:aws:states:us-east-1:1:execution:sweep:e1', startedAtMs: w.clock.now() };
    const first = await startSweepStep(deps, { trigger: 'schedule', execution });
    const again = await startSweepStep(deps, { trigger: 'schedule', execution });
    expect(again).toEqual(first);
    expect(again.status).toBe('running');
    expect([...w.runs.runs.keys()]).toEqual([first.runId]);
    expect(w.lease.holder?.owner).toBe(first.runId);

    // Another execution meanwhile is skipped, and its retried start records it once.
    const other = { id: 'arn:aws:states:us-east-1:1:execution:sweep:e2', startedAtMs: w.clock.now() };
    const skipped = await startSweepStep(deps, { trigger: 'schedule', execution: other });
    await expect(startSweepStep(deps, { trigger: 'schedule', execution: other })).resolves.toMatchObject({ runId: skipped.runId, status: 'skipped' });
    expect(w.runs.runs.get(skipped.runId)).toMatchObject({ status: 'skipped' });
  });

  it('an evaluate retried after the run ended reports the recorded run and acts no more', async () => {
    const { w, deps } = world({ pagesPerChunk: 100 });
    const { states, result } = await driveSteps(() => deps);
    const batches = w.cancelQueue.batches.length;
    const again = await evaluateSweepStep(deps, states[states.length - 1]!);
    expect(again).toMatchObject({ runId: result!.runId, status: 'completed', counts: w.runs.runs.get(result!.runId)!.counts });
    expect(w.cancelQueue.batches).toHaveLength(batches);
    expect(w.runs.runs.get(result!.runId)).toMatchObject({ status: 'completed' });
  });

  it('a second execution while one runs is skipped at start and lists nothing', async () => {
    const { w, deps } = world({ pagesPerChunk: 2 });
    const running = await startSweepStep(deps, { trigger: 'schedule' });
    const other = await driveSteps(() => deps);
    expect(other.states).toEqual([expect.objectContaining({ status: 'skipped' })]);
    expect(w.runs.runs.get(other.states[0]!.runId)).toMatchObject({ status: 'skipped' });
    expect(w.lister.calls).toEqual([]);
    expect(w.lease.holder?.owner).toBe(running.runId);
  });

  it('stops a chunk when asked (a deadline) and goes on in the next', async () => {
    const { w, deps } = world();
    const start = await startSweepStep(deps, { trigger: 'schedule' });
    let asked = 0;
    const first = await listSweepStep(deps, start, { shouldStop: () => (asked += 1) > 2 });
    expect(first.listing).toMatchObject({ done: false, pages: 2, shares: 40 });
    const rest = await listSweepStep(deps, first);
    expect(rest.listing).toMatchObject({ done: true, pages: 13, shares: 250 });
    expect((await evaluateSweepStep(deps, rest)).enqueued).toHaveLength(50);
    expect(w.lease.holder).toBeUndefined();
  });
});
