/**
 * Run diffs through the real sweep handler on DynamoDB Local: each run stores its flagged set, and
 * its summary and SweepCompleted event carry the new / still / resolved counts against the
 * previous completed run.
 */
import { aManualDryRunEvent } from '../../factories/sweep-events';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, DAY, publicLinksPolicy, sweepWorld, type SweepWorld } from './sweep-shares-support';

const tables = useTestTables('sweep-diff');

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

const DOCX = publicLinksPolicy({ policyId: 'no-docx', mode: 'dry-run', scope: {}, exempt: {}, rule: { type: 'name', deny: ['**/*.docx'] } });

describe('run diffs', () => {
  it('has everything new on the first run, then counts new, still and resolved against the previous completed run', async () => {
    const w = (world = await sweepWorld(tables, {
      shares: [
        anEmulatorShare('30000000101', '/Public/old-a.pdf', 40),
        anEmulatorShare('30000000102', '/Public/ageing.pdf', 25),
        anEmulatorShare('30000000103', '/Team/plan.docx', 60),
      ],
      policies: [publicLinksPolicy(), DOCX],
    }));
    const first = await w.invoke(aManualDryRunEvent());
    expect(first.status).toBe('completed');
    expect((await w.stores.runs.getRun(first.runId))?.diff).toEqual({
      totals: { new: 2, still: 0, resolved: 0 },
      perPolicy: { 'no-docx': { new: 1, still: 0, resolved: 0 }, 'public-30d': { new: 1, still: 0, resolved: 0 } },
    });
    expect(await w.stores.flaggedSets.getFlaggedSet(first.runId)).toEqual({ 'no-docx': ['30000000103'], 'public-30d': ['30000000101'] });

    // Ten days later: 102 is now past 30 days too; the .docx is gone; a new .docx appeared.
    w.clock.advance(10 * DAY);
    w.emulator.state.removeShare('30000000103');
    w.emulator.state.addShares([anEmulatorShare('30000000104', '/Team/notes.docx', -9)]);
    const second = await w.invoke(aManualDryRunEvent());
    expect(second.status).toBe('completed');
    const expected = {
      fromRunId: first.runId,
      totals: { new: 2, still: 1, resolved: 1 },
      perPolicy: { 'no-docx': { new: 1, still: 0, resolved: 1 }, 'public-30d': { new: 1, still: 1, resolved: 0 } },
    };
    expect((await w.stores.runs.getRun(second.runId))?.diff).toEqual(expected);
    const completed = w.bus.detailsOf('SweepCompleted');
    expect(completed.map((d) => d.runId)).toEqual([first.runId, second.runId]);
    expect(completed[1]?.diff).toEqual(expected);
    expect(completed[0]?.diff).toEqual({ totals: { new: 2, still: 0, resolved: 0 }, perPolicy: expect.any(Object) });
  });
});
