/**
 * Policies scoped to accounts, end to end: the policies live once in the deployment account's
 * partition (A) on DynamoDB Local; the sweep use case runs for A and for B, each against its own
 * emulator (one TeraBox account each), and cancels straight through the cancel use case. A policy
 * scoped to B never flags or cancels a share of A.
 */
import { policyStoreSource } from '../../../lib/app/policy-source';
import { runSweep, type SweepResult } from '../../../lib/app/sweep';
import type { AuditEntry } from '../../../lib/app/store-ports';
import { DirectCancelQueue } from '../../../lib/cli/direct-cancel';
import type { Policy } from '../../../lib/domain/policy-types';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { createStores, type Stores } from '../../../lib/stores/create-stores';
import { createTeraboxClient, type TeraboxClient } from '../../../lib/terabox';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { useTestTables } from '../stores/tables';

const tables = useTestTables('policy-accounts');
const T0 = Date.parse('2031-05-01T10:00:00.000Z');
const DAY = 86_400_000;
const clock = { now: () => T0 };
const A = `acct-a-${process.pid}`;
const B = `acct-b-${process.pid}`;

function oldShare(shareId: string, path: string) {
  return { shareId, paths: [path], ctime: Math.floor((T0 - 40 * DAY) / 1000), public: true };
}

function maxAge(policyId: string, extra: Partial<Policy> = {}): Policy {
  return { policyId, enabled: true, mode: 'enforce', rule: { type: 'max-age', maxAgeDays: 30 }, graceHours: 0, ...extra };
}

interface Account {
  accountId: string;
  emulator: RunningEmulator;
  terabox: TeraboxClient;
  stores: Stores;
}

const accounts: Account[] = [];

async function account(accountId: string, ndus: string, shares: ReturnType<typeof oldShare>[]): Promise<Account> {
  const emulator = await startEmulator({ ndus, seed: 'files=10,shares=0', now: clock.now });
  emulator.state.addShares(shares);
  const terabox = createTeraboxClient({ clock, credentials: { ndus, baseUrl: emulator.url }, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  const a = { accountId, emulator, terabox, stores: createStores({ client: tables.client, names: tables.names, accountId }) };
  accounts.push(a);
  return a;
}

afterAll(async () => {
  for (const a of accounts) {
    a.terabox.close();
    await a.emulator.close();
  }
});

/** One sweep of `a` with the deployment's policies (`policies`, the partition of A). */
async function sweep(a: Account, policies: Stores): Promise<SweepResult> {
  const events = new InMemoryEventBus({ clock });
  const cancelQueue = new DirectCancelQueue({
    terabox: a.terabox,
    shareRecords: a.stores.shareRecords,
    runs: a.stores.runs,
    events,
    clock,
    accountId: a.accountId,
    globalDryRun: false,
  });
  return runSweep(
    {
      shares: a.terabox,
      policies: policyStoreSource(policies.policies),
      shareRecords: a.stores.shareRecords,
      inventory: a.stores.inventory,
      runs: a.stores.runs,
      lease: a.stores.lease,
      events,
      cancelQueue,
      clock,
      settings: { accountId: a.accountId, guardrails: { maxCancellations: 500, maxCancellationPercent: 100 }, globalDryRun: false },
    },
    { trigger: 'schedule' },
  );
}

async function auditOf(a: Account, runId: string): Promise<Array<[string, string]>> {
  const entries: AuditEntry[] = [];
  for await (const e of a.stores.runs.listAudit(runId)) entries.push(e);
  return entries.map((e) => [e.shareId, e.decision]);
}

describe('policies scoped to accounts', () => {
  it("a policy scoped to account B never flags or cancels a share of account A in A's sweep", async () => {
    const a = await account(A, 'ndus-account-a-7c1d', [oldShare('40000000101', '/Public/a-old.pdf'), oldShare('40000000102', '/Team/a-plan.pdf')]);
    const b = await account(B, 'ndus-account-b-93fe', [oldShare('50000000201', '/Public/b-old.pdf'), oldShare('50000000202', '/Team/b-plan.pdf')]);
    // Stored once, in the deployment account's partition (A): one for B only, one for every account.
    await a.stores.policies.putPolicies(
      [maxAge('b-only-30d', { accounts: [B] }), maxAge('team-30d', { scope: { pathPrefixes: ['/Team/'] } })],
      T0,
    );
    await a.stores.policies.putExemption({ exemptionId: 'hold-b-plan', accounts: [B], shareIds: ['40000000102'], reason: 'a share id of A, exempt only in B' }, T0);

    const runA = await sweep(a, a.stores);
    expect(runA.reason).toBeUndefined();
    expect(runA.status).toBe('completed');
    expect(runA.policyIds).toEqual(['team-30d']);
    expect(runA.enqueued).toEqual(['40000000102']);
    expect(await auditOf(a, runA.runId)).toEqual([['40000000102', 'cancel']]);
    expect((await a.stores.runs.getRun(runA.runId))?.counts).toMatchObject({ policiesOtherAccounts: 1, exemptionsOtherAccounts: 1 });
    expect([...a.emulator.state.shares.keys()]).toEqual(['40000000101']);

    const runB = await sweep(b, a.stores);
    expect(runB.status).toBe('completed');
    expect(runB.policyIds).toEqual(['b-only-30d', 'team-30d']);
    expect(runB.enqueued).toEqual(['50000000201', '50000000202']);
    expect((await b.stores.runs.getRun(runB.runId))?.counts).not.toHaveProperty('policiesOtherAccounts'); // B's sweep left nothing out
    expect([...b.emulator.state.shares.keys()]).toEqual([]);
    // Each account's run is in its own partition.
    expect(await a.stores.runs.getRun(runB.runId)).toBeUndefined();
  });
});
