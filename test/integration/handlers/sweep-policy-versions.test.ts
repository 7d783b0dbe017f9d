/**
 * The version of each policy that decided travels with the decision: every audit entry of an
 * enforcing run, and every cancel message, names it, and `policies history` knows that version.
 * The real sweep handler on DynamoDB Local and the emulator.
 */
import type { AuditEntry } from '../../../lib/app/store-ports';
import { parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import { aScheduledSweepEvent } from '../../factories/sweep-events';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, publicLinksPolicy, sweepWorld, T0, type SweepWorld } from './sweep-shares-support';

const tables = useTestTables('sweep-versions');

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

describe('policy versions in a run', () => {
  it('names, in every audit entry and cancel message of an enforcing run, a policy version that the history shows', async () => {
    const docx = publicLinksPolicy({ policyId: 'no-docx', mode: 'dry-run', scope: {}, exempt: {}, rule: { type: 'name', deny: ['**/*.docx'] } });
    const w = (world = await sweepWorld(tables, {
      shares: [
        anEmulatorShare('30000000101', '/Public/old-a.pdf', 40),
        anEmulatorShare('30000000102', '/Public/young.pdf', 5),
        anEmulatorShare('30000000103', '/Team/old-plan.docx', 60),
        anEmulatorShare('30000000104', '/Public/evergreen/old.docx', 45),
      ],
      policies: [publicLinksPolicy({ rule: { type: 'max-age', maxAgeDays: 60 } }), docx],
    }));
    // An admin edits one policy: the run must name version 2 of it, and version 1 of the other.
    await w.stores.policies.putPolicies([publicLinksPolicy()], T0, { actor: { id: 'arn:aws:iam::123456789012:user/ana', source: 'sts' } });

    const report = await w.invoke(aScheduledSweepEvent(T0));
    expect(report.status).toBe('completed');
    const entries: AuditEntry[] = [];
    for await (const e of w.stores.runs.listAudit(report.runId)) entries.push(e);
    expect(entries.map((e) => [e.shareId, e.decision, e.policyVersions])).toEqual([
      ['30000000101', 'cancel', { 'public-30d': 2 }],
      ['30000000103', 'would-cancel', { 'no-docx': 1 }],
      ['30000000104', 'would-cancel', { 'no-docx': 1, 'public-30d': 2 }], // exempt from public-30d: a finding too
    ]);
    for (const entry of entries) {
      expect(entry.policyIds.length).toBeGreaterThan(0);
      for (const policyId of entry.policyIds) {
        const history = await w.stores.policies.listHistory(policyId);
        expect(history.map((h) => h.versionAfter)).toContain(entry.policyVersions?.[policyId]);
      }
    }

    const batches = w.cancelQueue.snapshot().map((m) => parseCancelBatch(m.body));
    expect(batches).toEqual([{ ok: true, batch: expect.objectContaining({ shareIds: ['30000000101'], policyVersions: { 'public-30d': 2 } }) }]);
  });
});
