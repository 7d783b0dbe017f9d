/**
 * A list that shifts while the sweep reads it (shares created and cancelled by people meanwhile,
 * the emulator's createEvery / cancelEvery faults): the sweep either fails and changes nothing,
 * or cancels only shares that break the policy. It never cancels on a list it misread.
 */
import { SweepFailedError } from '../../../functions/sweep-shares/handler';
import type { NewEmulatorShare } from '../../../lib/terabox/emulator';
import { aScheduledSweepEvent } from '../../factories/sweep-events';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, publicLinksPolicy, sweepWorld, T0, type SweepWorld } from './sweep-shares-support';

const tables = useTestTables('shifted');

/** 1,000 public /Public/ links; the odd ones are 40 days old (break the 30-day policy), the even ones 5. */
const SHARES: NewEmulatorShare[] = Array.from({ length: 1_000 }, (_, i) =>
  anEmulatorShare(String(40_000_000_000 + i), `/Public/file-${i}.pdf`, i % 2 === 1 ? 40 : 5),
);
const BREAKING = new Set(SHARES.filter((_, i) => i % 2 === 1).map((s) => s.shareId!));

/** A completed run queued exactly the breaking shares it listed (its inventory is what it listed). */
async function expectExactlyTheListedBreakingShares(w: SweepWorld, queued: string[]): Promise<void> {
  const listed = [...(await w.stores.inventory.loadAll()).keys()];
  expect(queued.length).toBeGreaterThan(0);
  expect(queued.filter((id) => !BREAKING.has(id))).toEqual([]);
  expect([...queued].sort()).toEqual(listed.filter((id) => BREAKING.has(id)).sort());
}

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

describe('a sweep over a list that shifts while it is read', () => {
  it('cancels only listed shares that break the policy when shares are cancelled during the listing', async () => {
    world = await sweepWorld(tables, {
      shares: SHARES,
      policies: [publicLinksPolicy()],
      env: { MAX_CANCELLATIONS_PER_RUN: '1000' },
      emulator: { faults: { cancelEvery: 3 } },
    });
    const outcome = await world.invoke(aScheduledSweepEvent(T0)).catch((e: unknown) => e);
    const queued = world.queuedShareIds();
    if (outcome instanceof SweepFailedError) {
      expect(outcome.report).toMatchObject({ status: 'failed', cancelled: [] });
      expect(queued).toEqual([]);
      expect((await world.stores.inventory.loadAll()).size).toBe(0);
    } else {
      expect(outcome).toMatchObject({ status: 'completed' });
      await expectExactlyTheListedBreakingShares(world, queued);
    }
  });

  it('cancels only shares that break the policy when shares are created during the listing', async () => {
    world = await sweepWorld(tables, {
      shares: SHARES,
      policies: [publicLinksPolicy()],
      env: { MAX_CANCELLATIONS_PER_RUN: '1000' },
      emulator: { faults: { createEvery: 2 } },
    });
    const outcome = await world.invoke(aScheduledSweepEvent(T0)).catch((e: unknown) => e);
    const queued = world.queuedShareIds();
    if (outcome instanceof SweepFailedError) {
      // A listing that could not be reconciled: nothing is cancelled.
      expect(queued).toEqual([]);
    } else {
      expect(outcome).toMatchObject({ status: 'completed' });
      await expectExactlyTheListedBreakingShares(world, queued);
    }
    // Every share the emulator created meanwhile is young and is never cancelled.
    expect(world.emulator.state.shares.size).toBeGreaterThan(SHARES.length);
  });
});
