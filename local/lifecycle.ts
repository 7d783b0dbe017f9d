/**
 * The `npm start` run as a function: the whole lifecycle on a local stack (local-stack.ts), step by
 * step, returning what happened as data (report.ts renders it for a person).
 *
 * 1. start the emulator (seeded with a few hundred shares) and dynalite; create the tables;
 * 2. validate the sample policies and apply them through the policy store;
 * 3. send the sample requests (validated, as `requests send` does) plus one malformed and one
 *    unreadable message from a careless producer, and let create-shares drain the queue;
 * 4. sweep in plan mode (`{"dryRun": true}`), then in enforce mode; the enforcing run's cancel
 *    batches go through the cancel queue to cancel-shares;
 * 5. check that the enforcing run cancelled exactly what the plan planned.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SweepHandlerResult } from '../functions/sweep-shares/handler';
import type { ReportAction } from '../lib/app/sweep-report';
import type { ShareRecordStatus } from '../lib/app/store-ports';
import { compareShareIds, describeRule, parsePolicyFile, type ValidatedItems } from '../lib/domain';
import type { PolicyMode } from '../lib/domain/policy-types';
import { parseShareRequestLines } from '../lib/contracts/share-request';
import { osUserName } from '../lib/cli/caller-identity';
import { htmlReportInput, writeHtmlReport } from '../lib/cli/html-report';
import { runDiffWithPrevious } from '../lib/cli/runs-diff';
import { startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack';
import { applyRequesters } from './notices';
import { sweepOtherAccounts, withDeploymentAccount, type AccountLine } from './accounts';
import { LOCAL_SEED, MALFORMED_REQUEST_BODY, UNREADABLE_REQUEST_BODY, samplesDir } from './sample-account';

export interface LocalRunOptions extends LocalStackOptions {
  /** Default samples/policies.json. */
  policiesFile?: string;
  /** Default samples/requests.jsonl. */
  requestsFile?: string;
  /** The requester directory and fallback (default samples/requesters.json). */
  requestersFile?: string;
  /** Also put the malformed and the unreadable sample message on the queue (default true). */
  badMessages?: boolean;
  /** Called with one line per step as the run goes (progress for a person). */
  onStep?: (line: string) => void;
  /** Write the enforcing run's HTML report to this file (lib/cli/html-report.ts). */
  htmlFile?: string;
}

export interface RequestOutcome {
  requestId: string;
  /** The account the request named (absent: it named none). */
  account?: string;
  requester?: string;
  status: ShareRecordStatus | 'dead-lettered' | 'unknown';
  shareId?: string;
  link?: string;
  label?: string;
  /** Why it was rejected or failed. */
  reason?: string;
}

export interface PolicyLine {
  policyId: string;
  mode: PolicyMode;
  enabled: boolean;
  rule: string;
  /** Shares this policy had a finding on, counted by the share's decision in each run. */
  plan: Partial<Record<ReportAction, number>>;
  enforce: Partial<Record<ReportAction, number>>;
}

export interface CancelledShare {
  shareId: string;
  policyIds: string[];
  reason: string;
  paths: string[];
  requester?: string;
  requestId?: string;
}

export interface LocalRunReport {
  environment: {
    emulatorUrl: string;
    dynamoEndpoint: string;
    seed: string;
    tables: { policies: string; shares: string; inventory: string; runs: string };
  };
  /** Shares on the deployment account's emulator: as seeded, once the requests were created, and at the end. */
  account: { seeded: number; beforeSweeps: number; after: number; files: number };
  /** Every account served, the deployment's first: its shares, requests, plan and enforcing run. */
  accounts: AccountLine[];
  policies: { lines: PolicyLine[]; exemptions: Array<{ exemptionId: string; reason: string }> };
  requests: {
    sent: number;
    outcomes: RequestOutcome[];
    created: number;
    rejected: number;
    failed: number;
    deadLettered: number;
  };
  plan: SweepHandlerResult;
  enforce: SweepHandlerResult;
  cancellation: {
    batches: number;
    cancelled: CancelledShare[];
    failed: number;
    deadLettered: number;
  };
  /** The enforcing run against its plan. */
  check: {
    /** The plan's planned cancellations (its would-cancel decisions that the enforcing run cancelled or still only reported). */
    planned: number;
    /** Shares that disappeared from TeraBox during the enforcing run and its cancel batches. */
    cancelledOnTerabox: string[];
    matches: boolean;
    problems: string[];
  };
  /** The digests the notifier mailed for the enforcing run's grace notices, through the local SES server. */
  notices: {
    sesUrl: string;
    /** ShareMarkedForCancel events delivered to the notifier. */
    delivered: number;
    mails: { to: string[]; subject: string; messageId: string }[];
    /** Records the notifier handed back (none expected). */
    retried: number;
  };
  events: Record<string, number>;
  metrics: Record<string, Record<string, number>>;
  /** Milliseconds per step, and `total`. */
  timings: Record<string, number>;
  /** The enforcing run's HTML report, when one was asked for: its file, or why it could not be written. */
  htmlReport?: { file: string; error?: string };
}

/** A problem with the sample inputs themselves (the run stops before touching anything). */
export class LocalRunError extends Error {
  override readonly name = 'LocalRunError';
}

function countBy(decisions: SweepHandlerResult['decisions'], policyId: string): Partial<Record<ReportAction, number>> {
  const out: Partial<Record<ReportAction, number>> = {};
  for (const d of decisions) if (d.policyIds.includes(policyId)) out[d.action] = (out[d.action] ?? 0) + 1;
  return out;
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort(compareShareIds);

/** Starts a local stack, runs the lifecycle on it, closes it, and returns what happened. */
export async function runLocalLifecycle(options: LocalRunOptions = {}): Promise<LocalRunReport> {
  const t0 = performance.now();
  const stack = await startLocalStack(options);
  try {
    return await runLifecycleOn(stack, options, performance.now() - t0);
  } finally {
    await stack.close();
  }
}

/** Runs steps 2 to 5 on a running stack (the watch mode keeps the stack afterwards). */
export async function runLifecycleOn(stack: LocalStack, options: LocalRunOptions = {}, startMs = 0): Promise<LocalRunReport> {
  const step = options.onStep ?? (() => undefined);
  const timings: Record<string, number> = { start: Math.round(startMs) };
  const timed = stepTimer(timings);
  const samples = samplesDir();
  const seeded = stack.emulator.state.shares.size;
  const seededBy = new Map(stack.accounts.map((a) => [a.accountId, a.emulator.state.shares.size]));
  step(startedLine(stack, timings.start ?? 0));

  const policiesFile = options.policiesFile ?? join(samples, 'policies.json');
  const validated = await applyPolicies(stack, policiesFile, timed);
  const requestersFile = options.requestersFile ?? join(samples, 'requesters.json');
  const directory = await timed('requesters', () => applyRequesters(stack.dynamo.stores.requesters, requestersFile, Date.now()));
  if (directory.errors.length > 0) throw new LocalRunError(`${requestersFile} has invalid entries: ${directory.errors.join('; ')}`);
  step(
    `applied ${validated.policies.length} policies and ${validated.exemptions.length} exemption(s) from ${policiesFile}, ` +
      `and ${directory.requesters} requester(s)${directory.fallback ? ' and a fallback address' : ''} from ${requestersFile}`,
  );

  const badMessages = options.badMessages !== false;
  const { requests, batches, createdBy } = await createRequests(stack, options.requestsFile ?? join(samples, 'requests.jsonl'), badMessages, timed);
  step(
    `create-shares handled ${requests.sent} messages in ${batches} batch(es): ` +
      `${requests.created} created, ${requests.rejected} rejected, ${requests.failed} failed, ${requests.deadLettered} to the dead-letter queue`,
  );

  // 4. plan, then enforce.
  const beforeSweeps = stack.emulator.state.shares.size;
  const plan = await timed('plan', () => stack.sweep({ dryRun: true, trigger: 'local-plan' }));
  step(`planned (dry run ${plan.runId}): ${plan.guardrail?.planned ?? 0} cancellations, ${plan.decisions.length} decisions, status ${plan.status}`);
  const beforeEnforce = new Set(stack.emulator.state.shares.keys());
  const enforce = await timed('enforce', () => stack.sweep({ trigger: 'local-enforce' }));
  const cancelDrain = await timed('cancel', () => stack.drainCancels());
  const cancelledOnTerabox = sorted([...beforeEnforce].filter((id) => !stack.emulator.state.shares.has(id)));
  step(`enforced (${enforce.runId}): ${enforce.cancelled.length} shares sent to the cancel queue; cancel-shares ran ${cancelDrain.batches} batch(es)`);
  const cancelled = await cancelledShares(stack, enforce.runId);
  const others = await sweepOtherAccounts(stack, { seeded: seededBy, created: createdBy, timed, step, check: checkAgainstPlan });
  const mailed = await timed('notify', () => stack.notices.deliver());
  step(`notify-owners mailed ${mailed.mails.length} digest(s) for ${mailed.notices} grace notice(s) through the local SES server; read them at ${stack.notices.ses.url}`);
  const htmlReport = options.htmlFile === undefined ? undefined : await timed('html', () => writeEnforceReport(stack, enforce.runId, options.htmlFile as string));
  if (htmlReport !== undefined) step(htmlReport.error ?? `wrote the HTML report of ${enforce.runId} to ${htmlReport.file}`);

  // 5. the enforcing run against its plan.
  const deploymentRuns = { plan, enforce, cancelledOnTerabox, problems: checkAgainstPlan(plan, enforce, cancelledOnTerabox) };
  const { accounts, problems } = withDeploymentAccount(stack, { seeded, beforeSweeps, created: createdBy.get(stack.accountId) ?? 0 }, deploymentRuns, others);
  timings.total = Object.values(timings).reduce((a, b) => a + b, 0);

  return {
    environment: {
      emulatorUrl: stack.emulator.url,
      dynamoEndpoint: stack.dynamo.endpoint,
      seed: options.seed ?? LOCAL_SEED,
      tables: { ...stack.dynamo.names },
    },
    account: { seeded, beforeSweeps, after: stack.emulator.state.shares.size, files: stack.emulator.state.files.size },
    accounts,
    policies: { lines: policyLines(validated.policies, plan, enforce), exemptions: validated.exemptions.map((e) => ({ exemptionId: e.exemptionId, reason: e.reason })) },
    requests,
    plan,
    enforce,
    cancellation: {
      batches: cancelDrain.batches,
      cancelled,
      failed: cancelDrain.failed,
      deadLettered: stack.cancelDeadLetters.approximateNumberOfMessages,
    },
    check: { planned: plan.guardrail?.planned ?? 0, cancelledOnTerabox, matches: problems.length === 0, problems },
    notices: {
      sesUrl: stack.notices.ses.url,
      delivered: mailed.notices,
      mails: mailed.mails.map((m) => ({ to: m.destination.to, subject: m.subject, messageId: m.messageId })),
      retried: mailed.retried,
    },
    events: eventCounts(stack),
    metrics: metricTotals(stack),
    timings,
    ...(htmlReport !== undefined ? { htmlReport } : {}),
  };
}

/** The first progress line: the emulators and DynamoDB started. */
function startedLine(stack: LocalStack, startMs: number): string {
  const emulators = stack.accounts.map((a) => `${a.accountId === stack.accountId ? 'the TeraBox emulator' : `account ${a.accountId}'s`} at ${a.emulator.url} (${a.emulator.state.shares.size} shares, ${a.emulator.state.files.size} files)`);
  return `started ${emulators.join(', ')} and DynamoDB (dynalite) at ${stack.dynamo.endpoint} in ${startMs} ms`;
}

/**
 * The enforcing run's HTML report, from the run summary and audit trail the sweep wrote. A report
 * that cannot be written is said in the result (the run and its text report are not lost for it).
 */
async function writeEnforceReport(stack: LocalStack, runId: string, file: string): Promise<{ file: string; error?: string }> {
  const stores = stack.dynamo.stores;
  try {
    const summary = await stores.runs.getRun(runId);
    if (summary === undefined) return { file, error: `the enforcing run ${runId} has no run summary: no HTML report` };
    const diff = await runDiffWithPrevious(stores, summary);
    await writeHtmlReport(file, await htmlReportInput(stores, summary, { now: Date.now(), ...(diff ? { diff } : {}) }));
    return { file };
  } catch (error) {
    return { file, error: error instanceof Error ? error.message : String(error) };
  }
}

type Timed = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Runs a step and records its duration in `timings` under its name (also when it fails). */
function stepTimer(timings: Record<string, number>): Timed {
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = Math.round(performance.now() - t);
    }
  };
}

/** 2. The sample policies, validated as a whole first (as `policies apply` does), then written. */
async function applyPolicies(stack: LocalStack, policiesFile: string, timed: Timed): Promise<ValidatedItems> {
  const stores = stack.dynamo.stores;
  const validated = parsePolicyFile(await readFile(policiesFile, 'utf8'));
  if (validated.invalid.length > 0) {
    throw new LocalRunError(`${policiesFile} has invalid items: ${validated.invalid.flatMap((i) => i.errors).join('; ')}`);
  }
  await timed('policies', async () => {
    const now = Date.now();
    // The embedded run has no AWS identity: the history names the OS user, and says so.
    const actor = { id: osUserName(process.env), source: 'os-user' as const, note: 'the OS user name: the embedded local run (npm start) has no AWS caller identity' };
    await stores.policies.putPolicies(validated.policies, now, { actor });
    for (const exemption of validated.exemptions) await stores.policies.putExemption(exemption, now);
  });
  return validated;
}

/** 3. The sample requests (and the careless producer's messages) through create-shares. */
async function createRequests(
  stack: LocalStack,
  requestsFile: string,
  badMessages: boolean,
  timed: Timed,
): Promise<{ requests: LocalRunReport['requests']; batches: number; createdBy: Map<string, number> }> {
  const parsed = parseShareRequestLines(await readFile(requestsFile, 'utf8'));
  if (!parsed.ok) throw new LocalRunError(`${requestsFile} has invalid requests: ${parsed.errors.join('; ')}`);
  const drain = await timed('requests', async () => {
    const sent = await stack.send(parsed.requests);
    if (sent.failed.length > 0) throw new LocalRunError(`could not queue: ${sent.failed.map((f) => `${f.requestId}: ${f.error}`).join('; ')}`);
    if (badMessages) {
      stack.sendRaw(MALFORMED_REQUEST_BODY);
      stack.sendRaw(UNREADABLE_REQUEST_BODY);
    }
    return stack.drainRequests();
  });
  const malformed = JSON.parse(MALFORMED_REQUEST_BODY) as { requestId: string };
  const asked = [...parsed.requests.map((r) => ({ requestId: r.requestId, account: r.account })), ...(badMessages ? [{ requestId: malformed.requestId, account: undefined }] : [])];
  const requestIds = asked.map((r) => r.requestId);
  const outcomes: RequestOutcome[] = [];
  for (const { requestId, account } of asked) outcomes.push(await requestOutcome(stack, requestId, account));
  const createdBy = new Map<string, number>();
  for (const o of outcomes) if (o.status === 'created') createdBy.set(o.account ?? stack.accountId, (createdBy.get(o.account ?? stack.accountId) ?? 0) + 1);
  const deadLettered = stack.requestDeadLetters.approximateNumberOfMessages;
  if (badMessages) outcomes.push({ requestId: '(unreadable message)', status: 'dead-lettered', reason: 'body is not valid JSON: nothing to record it under' });
  const count = (status: RequestOutcome['status']): number => outcomes.filter((o) => o.status === status).length;
  const requests = {
    sent: requestIds.length + (badMessages ? 1 : 0),
    outcomes,
    created: count('created'),
    rejected: count('rejected'),
    failed: count('failed'),
    deadLettered,
  };
  return { requests, batches: drain.batches, createdBy };
}

/** What became of one request, from its share record (in the partition of the account it named). */
async function requestOutcome(stack: LocalStack, requestId: string, account: string | undefined): Promise<RequestOutcome> {
  const record = await stack.storesOf(account).shareRecords.get(requestId);
  const named = account !== undefined ? { account } : {};
  if (record === undefined) return { requestId, ...named, status: 'unknown' };
  return {
    requestId,
    ...named,
    status: record.status,
    ...(record.requester !== undefined ? { requester: record.requester } : {}),
    ...(record.shareId !== undefined ? { shareId: record.shareId } : {}),
    ...(record.link !== undefined ? { link: record.link } : {}),
    ...(record.label !== undefined ? { label: record.label } : {}),
    ...(record.error !== undefined ? { reason: record.error } : {}),
  };
}

/** What was cancelled, and why: the ShareCancelled events of the run, with paths from its audit trail. */
async function cancelledShares(stack: LocalStack, runId: string): Promise<CancelledShare[]> {
  const audit = new Map<string, { paths: string[]; requester?: string }>();
  for await (const entry of stack.dynamo.stores.runs.listAudit(runId)) {
    audit.set(entry.shareId, { paths: [...(entry.paths ?? [])], ...(entry.requester !== undefined ? { requester: entry.requester } : {}) });
  }
  return stack.events
    .detailsOf('ShareCancelled')
    .filter((d) => d.runId === runId)
    .map((d) => ({
      shareId: d.shareId,
      policyIds: d.policyIds,
      reason: d.reason,
      paths: audit.get(d.shareId)?.paths ?? [],
      ...(audit.get(d.shareId)?.requester !== undefined ? { requester: audit.get(d.shareId)?.requester as string } : {}),
      ...(d.requestId !== undefined ? { requestId: d.requestId } : {}),
    }))
    .sort((a, b) => compareShareIds(a.shareId, b.shareId));
}

/**
 * How the enforcing run differs from its plan (empty when it does what the plan planned):
 * the shares flagged, the number planned, and the shares gone from TeraBox and sent for cancellation.
 */
export function checkAgainstPlan(plan: SweepHandlerResult, enforce: SweepHandlerResult, cancelledOnTerabox: readonly string[]): string[] {
  const problems: string[] = [];
  const planFlagged = new Set(plan.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId));
  const enforceCancel = new Set(enforce.decisions.filter((d) => d.action === 'cancel').map((d) => d.shareId));
  const enforceWould = new Set(enforce.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId));
  const same = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
  if (!same(planFlagged, new Set([...enforceCancel, ...enforceWould]))) {
    problems.push('the shares the plan flagged differ from the shares the enforcing run cancelled or reported');
  }
  if (enforceCancel.size !== (plan.guardrail?.planned ?? 0)) {
    problems.push(`the plan planned ${plan.guardrail?.planned ?? 0} cancellations, the enforcing run ${enforceCancel.size}`);
  }
  const expectedGone = enforce.guardrail?.tripped === true ? new Set<string>() : enforceCancel;
  if (!same(new Set(cancelledOnTerabox), expectedGone)) problems.push('the shares gone from TeraBox are not the ones the enforcing run decided to cancel');
  if (!same(new Set(enforce.cancelled), expectedGone)) problems.push('the shares sent for cancellation are not the ones decided');
  return problems;
}

function policyLines(policies: ValidatedItems['policies'], plan: SweepHandlerResult, enforce: SweepHandlerResult): PolicyLine[] {
  return policies.map((p) => ({
    policyId: p.policyId,
    mode: p.mode,
    enabled: p.enabled,
    rule: describeRule(p.rule),
    plan: countBy(plan.decisions, p.policyId),
    enforce: countBy(enforce.decisions, p.policyId),
  }));
}

function eventCounts(stack: LocalStack): Record<string, number> {
  const events: Record<string, number> = {};
  for (const e of stack.events.events) events[e.detailType] = (events[e.detailType] ?? 0) + 1;
  return events;
}

function metricTotals(stack: LocalStack): Record<string, Record<string, number>> {
  const metrics: Record<string, Record<string, number>> = {};
  for (const [fn, m] of Object.entries(stack.metrics)) metrics[fn] = Object.fromEntries(m.totals);
  metrics['notify-owners'] = Object.fromEntries(stack.notices.metrics.totals);
  return metrics;
}
