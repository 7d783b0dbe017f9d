/**
 * The local run's accounts beyond the deployment's own (issue #15): each is swept as the state
 * machine's Map would sweep it, one account after the other, with its own plan, enforcing run,
 * lease, audit trail and cancel batches, and checked against its own plan. The deployment
 * account's shares are watched meanwhile: another account's sweep must leave them alone.
 */
import type { SweepHandlerResult } from '../functions/sweep-shares/handler';
import type { LocalAccount, LocalStack } from './local-stack';

/** One account of the local run, for the report's accounts table. */
export interface AccountLine {
  accountId: string;
  displayName: string;
  emulatorUrl: string;
  /** Shares on the account's emulator: as seeded, before its sweeps, at the end. */
  seeded: number;
  beforeSweeps: number;
  after: number;
  /** Requests created on this account. */
  created: number;
  plan: { runId: string; status: string; planned: number };
  enforce: { runId: string; status: string; cancelled: number };
  /** Shares that disappeared from the account's emulator during its enforcing run and its cancel batches. */
  cancelledOnTerabox: string[];
  /** How the account's enforcing run differs from its plan, or what it touched elsewhere (empty: as planned). */
  problems: string[];
}

type Timed = <T>(name: string, fn: () => Promise<T>) => Promise<T>;
type CheckAgainstPlan = (plan: SweepHandlerResult, enforce: SweepHandlerResult, cancelledOnTerabox: readonly string[]) => string[];

/** A line of the accounts table from an account's two runs. */
export function accountLine(
  account: LocalAccount,
  counts: { seeded: number; beforeSweeps: number; created: number },
  runs: { plan: SweepHandlerResult; enforce: SweepHandlerResult; cancelledOnTerabox: string[]; problems: string[] },
): AccountLine {
  return {
    accountId: account.accountId,
    displayName: account.displayName,
    emulatorUrl: account.emulator.url,
    ...counts,
    after: account.emulator.state.shares.size,
    plan: { runId: runs.plan.runId, status: runs.plan.status, planned: runs.plan.guardrail?.planned ?? 0 },
    enforce: { runId: runs.enforce.runId, status: runs.enforce.status, cancelled: runs.enforce.cancelled.length },
    cancelledOnTerabox: runs.cancelledOnTerabox,
    problems: runs.problems,
  };
}

/**
 * Plans, enforces and drains the cancels of every account after the first, one at a time.
 * `seeded` and `created`: per account id, as counted before the sweeps.
 */
export async function sweepOtherAccounts(
  stack: LocalStack,
  context: { seeded: Map<string, number>; created: Map<string, number>; timed: Timed; step: (line: string) => void; check: CheckAgainstPlan },
): Promise<AccountLine[]> {
  const lines: AccountLine[] = [];
  const deployment = stack.accounts[0];
  for (const account of stack.accounts.slice(1)) {
    const id = account.accountId;
    const untouched = deployment ? new Set(deployment.emulator.state.shares.keys()) : new Set<string>();
    const beforeSweeps = account.emulator.state.shares.size;
    const plan = await context.timed(`plan:${id}`, () => stack.sweep({ dryRun: true, trigger: 'local-plan', accountId: id }));
    const before = new Set(account.emulator.state.shares.keys());
    const enforce = await context.timed(`enforce:${id}`, () => stack.sweep({ trigger: 'local-enforce', accountId: id }));
    const drained = await context.timed(`cancel:${id}`, () => stack.drainCancels());
    const cancelledOnTerabox = [...before].filter((shareId) => !account.emulator.state.shares.has(shareId)).sort();
    const problems = context.check(plan, enforce, cancelledOnTerabox);
    const lost = deployment ? [...untouched].filter((shareId) => !deployment.emulator.state.shares.has(shareId)) : [];
    if (lost.length > 0) problems.push(`${lost.length} share(s) of the deployment account disappeared during the sweeps of ${id}`);
    context.step(
      `account ${id}: planned ${plan.guardrail?.planned ?? 0} (${plan.runId}), enforced ${enforce.cancelled.length} (${enforce.runId}); ` +
        `cancel-shares ran ${drained.batches} batch(es)${problems.length === 0 ? '' : `; PROBLEMS: ${problems.join('; ')}`}`,
    );
    lines.push(accountLine(account, { seeded: context.seeded.get(id) ?? 0, beforeSweeps, created: context.created.get(id) ?? 0 }, { plan, enforce, cancelledOnTerabox, problems }));
  }
  return lines;
}

/** The accounts table (the deployment's line first) and every account's problems, each named by its account after the first. */
export function withDeploymentAccount(
  stack: Pick<LocalStack, 'accounts'>,
  counts: { seeded: number; beforeSweeps: number; created: number },
  runs: { plan: SweepHandlerResult; enforce: SweepHandlerResult; cancelledOnTerabox: string[]; problems: string[] },
  others: AccountLine[],
): { accounts: AccountLine[]; problems: string[] } {
  const deployment = stack.accounts[0];
  if (deployment === undefined) throw new Error('the local stack serves no account');
  return {
    accounts: [accountLine(deployment, counts, runs), ...others],
    problems: [...runs.problems, ...others.flatMap((a) => a.problems.map((p) => `account ${a.accountId}: ${p}`))],
  };
}
