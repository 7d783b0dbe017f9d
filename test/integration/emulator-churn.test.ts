/** The emulator's churn faults: the list changes just before every Nth list request reads it. */
import { parseFaultSpec } from '../../lib/terabox/emulator';
import { collect, createHarness, type Harness } from './terabox-client-support';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

describe('emulator churn faults', () => {
  it('creates a share before every Nth list request (createEvery)', async () => {
    const emu = await h.emulator({ seed: { files: 5, shares: 250 }, faults: { createEvery: 1 } });
    const client = h.client(emu, { listConcurrency: 1 });
    await collect(client.paginateShares()).catch(() => undefined); // the list may not reconcile; only the emulator's count matters
    const lists = emu.state.counts['/share/teratransfer/sharelist'] ?? 0;
    expect(lists).toBeGreaterThan(0);
    expect(emu.state.shares.size).toBe(250 + lists);
  });

  it('cancels the middle share before every Nth list request (cancelEvery)', async () => {
    const emu = await h.emulator({ seed: { files: 5, shares: 250 }, faults: { cancelEvery: 2 } });
    const client = h.client(emu, { listConcurrency: 1 });
    await collect(client.paginateShares()).catch(() => undefined);
    const lists = emu.state.counts['/share/teratransfer/sharelist'] ?? 0;
    expect(emu.state.shares.size).toBe(250 - Math.floor(lists / 2));
  });

  it('reads both from a spec string', () => {
    expect(parseFaultSpec('createEvery=4,cancelEvery=7')).toMatchObject({ createEvery: 4, cancelEvery: 7 });
    expect(() => parseFaultSpec('createEvery=-1')).toThrow(/createEvery/);
  });
});
