/**
 * Reports of a sweep: the JSON report the CLI prints with `sweep --json` (and the Lambda returns),
 * and a text rendering for a person (the CLI without `--json`, `npm start`).
 *
 * The JSON report (ids are always strings, never numbers: share ids can exceed 2^53):
 * ```json
 * { "runId": "20260501T100000123Z-1a2b3c4d", "status": "completed", "mode": "enforce",
 *   "inventory": { "shares": 300, "pages": 3, "complete": true, "new": 12, "gone": 1 },
 *   "decisions": [{ "shareId": "30000000123", "action": "cancel", "policyIds": ["public-30d"],
 *                   "reasons": ["created 41.2 days ago, limit 30 days (public-30d)"] }],
 *   "cancelled": ["30000000123"],
 *   "guardrail": { "tripped": false, "planned": 1, "maxCancellations": 500, "maxCancellationPercent": 20, "trips": [] },
 *   "errors": [] }
 * ```
 * - `decisions`: every share some policy had something to say about, in share-id order; `action`
 *   is the engine's decision (`cancel`, `would-cancel`, `exempt`, `unevaluable`), or `marked` for a
 *   share kept while its grace period runs or its grace notice is pending (the reason says which).
 *   Plain keeps are left out unless asked for.
 * - `cancelled`: with cancel outcomes (a run that cancelled directly), the shares TeraBox cancelled
 *   or found already gone; without them, the shares handed to the cancel queue. Empty in a dry
 *   run and when a guardrail tripped.
 * - `unconfirmed` (only when there are some): the shares of `cancelled` whose cancel TeraBox
 *   answered with an errno that is not proof the share is gone (-7/-21); the next listing checks.
 * - `guardrail`: null when the run stopped before evaluating.
 * - `errors`: invalid policies, a listing that did not finish, failed cancellations, ... (redacted).
 * - `warnings`: what a person should look at that did not stop the run (the list response
 *   changed shape since the last completed run: fields added, removed, retyped).
 * - `ineffectiveCancels`: shares whose earlier cancel was answered done and that this complete
 *   listing still showed, with what the run did (`retried`, `not-retried`, `given-up`); and
 *   `givenUp`: shares the product stopped cancelling earlier that are still listed.
 * - `missingShares`: shares the product created that the complete listing did not show (the run
 *   failed; acknowledge them with `runs acknowledge-missing`).
 */
import { plainKeep, type Decision } from '../domain/decision';
import type { GuardrailTrip } from '../domain/policy-errors';
import type { CancelOutcome } from './ports';
import type { MissingShare } from './missing-shares';
import type { IneffectiveCancel, RunMode } from './store-ports';
import type { SweepPhase, SweepResult, SweepStatus } from './sweep';

export type ReportAction = 'keep' | 'cancel' | 'would-cancel' | 'exempt' | 'unevaluable' | 'marked';

export interface ReportDecision {
  shareId: string;
  action: ReportAction;
  policyIds: string[];
  reasons: string[];
}

/** A tripped limit, exactly as the engine reports it (lib/domain/policy-errors.ts). */
export type ReportTrip = GuardrailTrip;

export interface ReportGuardrail {
  tripped: boolean;
  planned: number;
  maxCancellations: number;
  maxCancellationPercent: number;
  trips: ReportTrip[];
}

export interface ReportInventory {
  /** Distinct shares listed. */
  shares: number;
  pages: number;
  /** false: the listing did not finish, and nothing was cancelled. */
  complete: boolean;
  new: number;
  gone: number;
}

/** The `sweep --json` report. */
export interface SweepReport {
  runId: string;
  status: SweepStatus;
  mode: RunMode;
  inventory: ReportInventory;
  decisions: ReportDecision[];
  /** How many decisions the run made when `decisions` holds only the first ones (SweepSettings.reportDecisions). */
  decisionsTotal?: number;
  cancelled: string[];
  /** Present when some of `cancelled` were answered without proof (errno -7/-21): the next listing checks them. */
  unconfirmed?: string[];
  guardrail: ReportGuardrail | null;
  errors: string[];
  warnings: string[];
  ineffectiveCancels: IneffectiveCancel[];
  givenUp: string[];
  missingShares: MissingShare[];
}

export interface SweepReportOptions {
  /** What TeraBox answered for each share (a run that cancelled directly instead of queueing). */
  outcomes?: readonly CancelOutcome[];
  /** Also list the shares no policy had anything to say about (`action: "keep"`). */
  includeKeep?: boolean;
}

function actionOf(decision: { decision: string; findings: readonly { outcome: string }[] }): ReportAction {
  if (decision.decision === 'keep' && decision.findings.some((f) => f.outcome === 'marked')) return 'marked';
  return decision.decision as ReportAction;
}

/** The shares reported as cancelled, and the errors of the ones that were not. */
function cancelledOf(result: SweepResult, outcomes: readonly CancelOutcome[] | undefined): { cancelled: string[]; unconfirmed: string[]; errors: string[] } {
  if (outcomes === undefined) return { cancelled: result.enqueued.map(String), unconfirmed: [], errors: [] };
  const cancelled: string[] = [];
  const unconfirmed: string[] = [];
  const errors: string[] = [];
  for (const o of outcomes) {
    // `unconfirmed` counts as done (the record moved to cancelled) and is also named apart.
    if (o.outcome === 'unconfirmed') unconfirmed.push(String(o.shareId));
    if (o.outcome === 'cancelled' || o.outcome === 'already-gone' || o.outcome === 'unconfirmed') cancelled.push(String(o.shareId));
    else errors.push(`share ${String(o.shareId)}: cancel failed${o.errno !== undefined ? ` (errno ${o.errno})` : ''}${o.error ? `: ${o.error}` : ''}`);
  }
  return { cancelled: [...new Set(cancelled)], unconfirmed: [...new Set(unconfirmed)], errors };
}

/** The run's count of decisions (every one but a plain keep), when the result carries fewer. */
function decisionsTotalOf(result: SweepResult, reported: number, options: SweepReportOptions): { decisionsTotal?: number } {
  const c = result.evaluation?.counts;
  if (c === undefined || options.includeKeep) return {};
  const total = c.shares - c.keep + c.marked;
  return total > reported ? { decisionsTotal: total } : {};
}

/** Builds the `sweep --json` report from a sweep result (and the cancel outcomes, when the run cancelled directly). */
export function buildSweepReport(result: SweepResult, options: SweepReportOptions = {}): SweepReport {
  const e = result.evaluation;
  const decisions: ReportDecision[] = [];
  const report = (d: Decision): void => {
    const action = actionOf(d);
    if (action === 'keep' && !options.includeKeep) return;
    decisions.push({ shareId: String(d.shareId), action, policyIds: d.policyIds.map(String), reasons: [...d.reasons] });
  };
  if (e && options.includeKeep) {
    // Plain keeps have no decision object: walk every evaluated share (both lists are in share-id order).
    let k = 0;
    for (const shareId of e.shareIds) {
      const d = e.decisions[k];
      if (d !== undefined && d.shareId === shareId) {
        report(d);
        k += 1;
      } else {
        report(plainKeep(shareId));
      }
    }
  } else {
    for (const d of e?.decisions ?? []) report(d);
  }
  const { cancelled, unconfirmed, errors } = cancelledOf(result, options.outcomes);
  return {
    runId: result.runId,
    status: result.status,
    mode: result.mode,
    inventory: {
      shares: result.inventory.listed,
      pages: result.inventory.pages,
      complete: result.inventory.complete,
      new: result.inventory.new,
      gone: result.inventory.gone,
    },
    decisions,
    ...decisionsTotalOf(result, decisions.length, options),
    cancelled,
    ...(unconfirmed.length > 0 ? { unconfirmed } : {}),
    guardrail: e
      ? {
          tripped: e.guardrail.tripped,
          planned: e.guardrail.planned,
          maxCancellations: e.guardrail.maxCancellations,
          maxCancellationPercent: e.guardrail.maxCancellationPercent,
          trips: e.guardrail.trips.map((t) => ({ ...t })),
        }
      : null,
    errors: [...result.errors, ...errors],
    warnings: [...result.warnings],
    ineffectiveCancels: (result.cancelVerification?.ineffective ?? []).map((c) => ({ ...c })),
    givenUp: [...(result.cancelVerification?.givenUpEarlier ?? [])],
    missingShares: result.missingShares.map((m) => ({ ...m })),
  };
}

// ------------------------------------------------------------------ text

/** Warnings, cancels that did not take, and created shares missing from the listing. */
function renderTrust(lines: string[], report: SweepReport, maxItems: number): void {
  if (report.warnings.length > 0) {
    lines.push('');
    lines.push(`Warnings (${report.warnings.length}):`);
    for (const w of report.warnings.slice(0, maxItems)) lines.push(`  - ${w}`);
  }
  if (report.ineffectiveCancels.length > 0) {
    lines.push('');
    lines.push(`Cancels answered done that did not take (${report.ineffectiveCancels.length}):`);
    for (const c of report.ineffectiveCancels.slice(0, maxItems)) {
      const what = c.action === 'retried' ? 'cancelled again' : c.action === 'given-up' ? 'GIVEN UP: a person must look' : `not cancelled again (${c.note ?? ''})`;
      lines.push(`  ${c.shareId}  answered ${c.answer} by run ${c.cancelRunId}; miss ${c.misses}: ${what}`);
    }
    if (report.ineffectiveCancels.length > maxItems) lines.push(`  ... and ${report.ineffectiveCancels.length - maxItems} more`);
  }
  if (report.givenUp.length > 0) {
    lines.push('');
    lines.push(`Still listed after the product gave up cancelling them (${report.givenUp.length}; left for a person): ${report.givenUp.slice(0, maxItems).join(', ')}`);
  }
  if (report.missingShares.length > 0) {
    lines.push('');
    lines.push(`Created by the product, missing from the complete listing (${report.missingShares.length}):`);
    for (const m of report.missingShares.slice(0, maxItems)) {
      lines.push(`  request ${m.requestId}${m.shareId !== undefined ? `  share ${m.shareId}` : ''}${m.shortUrl !== undefined ? `  ${m.shortUrl}` : ''}`);
    }
    lines.push(`  If they were deleted by hand in TeraBox: share-lifecycle runs acknowledge-missing ${report.missingShares.slice(0, maxItems).map((m) => m.requestId).join(' ')}`);
  }
}

export interface RenderOptions extends SweepReportOptions {
  /** Shares listed per section before "... and N more" (default 20). */
  maxItems?: number;
  /**
   * false when the run was kept in memory only (`sweep --policies-file`): `runs show` cannot show
   * it later, so the hint names --json instead, and the shares cancelled are all listed (this
   * report is then the only record of them). Default true.
   */
  runShowable?: boolean;
}

const PHASES: readonly (SweepPhase | 'total')[] = ['lease', 'policies', 'list', 'join', 'evaluate', 'write', 'enqueue', 'finish', 'total'];

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`.trimEnd());
}

/** What one rendering needs beside the lines: the run, the report built from it and the options. */
interface RenderContext {
  readonly result: SweepResult;
  readonly report: SweepReport;
  readonly options: RenderOptions;
  readonly maxItems: number;
  readonly runShowable: boolean;
  readonly lines: string[];
}

function renderInventory({ result, lines }: RenderContext): void {
  const inv = result.inventory;
  lines.push('');
  lines.push(
    inv.complete
      ? `Inventory: ${plural(inv.listed, 'share')} listed in ${plural(inv.pages, 'page')} (${inv.new} new, ${inv.gone} gone since the last run)`
      : `Inventory: listing INCOMPLETE after ${plural(inv.pages, 'page')} and ${plural(inv.listed, 'share')}: nothing was cancelled`,
  );
}

function renderPolicies({ result, lines }: RenderContext): void {
  const e = result.evaluation;
  const invalid = result.invalidPolicies.length;
  lines.push(`Policies: ${result.policyIds.length} evaluated${invalid > 0 ? `, ${invalid} invalid and skipped (see errors)` : ''}`);
  if (!e || Object.keys(e.perPolicy).length === 0) return;
  const rows: string[][] = [['policy', 'mode', 'in scope', 'cancel', 'would', 'marked', 'exempt', 'unevaluable', 'guardrail']];
  for (const id of Object.keys(e.perPolicy).sort()) {
    const p = e.perPolicy[id]!;
    rows.push([
      id,
      p.enabled ? p.mode : 'disabled',
      String(p.inScope),
      String(p.cancel),
      String(p.wouldCancel),
      String(p.marked),
      String(p.exempt),
      String(p.unevaluable),
      p.guardrailTripped ? 'TRIPPED' : 'ok',
    ]);
  }
  lines.push(...table(rows));
}

/**
 * What became of the grace notices due in this run, by share: the grace starts with a notice the
 * bus accepted, so a marked share's grace end is known only from here on.
 */
function noticeLinesOf(result: SweepResult): Map<string, string[]> {
  const noticeLines = new Map<string, string[]>();
  const add = (shareId: string, line: string): void => {
    noticeLines.set(shareId, [...(noticeLines.get(shareId) ?? []), line]);
  };
  for (const n of result.notified) {
    add(n.shareId, `notice sent ${new Date(n.notifiedAtMs).toISOString()}: grace ends ${new Date(n.graceEndsAtMs).toISOString()} (${n.policyId})`);
  }
  for (const n of result.unnotified) add(n.shareId, `notice NOT sent: no grace period yet, the next run sends it (${n.policyId})`);
  for (const n of result.awaitingDelivery) add(n.shareId, `notice published, to be mailed: the grace starts when SES accepts the digest (${n.policyId})`);
  return noticeLines;
}

function renderDecisionList(
  ctx: RenderContext,
  noticeLines: ReadonlyMap<string, string[]>,
  title: string,
  items: readonly ReportDecision[],
  all = false,
): void {
  const { result, lines, maxItems, runShowable } = ctx;
  if (items.length === 0) return;
  const shown = all ? items.length : maxItems;
  lines.push('');
  lines.push(`${title} (${items.length}):`);
  for (const d of items.slice(0, shown)) {
    const subject = result.subjects.get(d.shareId);
    const where = subject && subject.paths.length > 0 ? ` ${subject.paths[0]}${subject.paths.length > 1 ? ` (+${subject.paths.length - 1})` : ''}` : '';
    const who = subject?.requester !== undefined ? ` [${subject.requester}]` : '';
    lines.push(`  ${d.shareId}${where}${who}`);
    for (const r of d.reasons) lines.push(`      ${r}`);
    if (d.action === 'marked') for (const line of noticeLines.get(d.shareId) ?? []) lines.push(`      ${line}`);
  }
  if (items.length > shown) lines.push(`  ... and ${items.length - shown} more (see --json${runShowable ? `, or runs show ${result.runId}` : ''})`);
}

function renderDecisions(ctx: RenderContext, e: NonNullable<SweepResult['evaluation']>): void {
  const { result, report, options, lines, maxItems, runShowable } = ctx;
  const noticeLines = noticeLinesOf(result);
  const list = (title: string, items: readonly ReportDecision[], all = false): void => renderDecisionList(ctx, noticeLines, title, items, all);
  const section = (title: string, action: ReportAction): void => list(title, report.decisions.filter((d) => d.action === action));
  // The planned cancels, split by what happened to them: a run can stop part-way (an interrupt,
  // a batch that could not be sent), and a share must never be reported cancelled when it was not.
  // A run kept in memory that cancelled directly: this report is the only record of its cancels.
  const listAllCancels = !runShowable && options.outcomes !== undefined;
  const done = new Set(report.cancelled);
  const planned = report.decisions.filter((d) => d.action === 'cancel');
  list(options.outcomes ? 'Cancelled' : 'Sent for cancellation', planned.filter((d) => done.has(d.shareId)), listAllCancels);
  if (report.unconfirmed !== undefined) {
    lines.push(`  of which ${plural(report.unconfirmed.length, 'share')} unconfirmed (TeraBox's answer was no proof the share is gone; the next sweep checks): ${report.unconfirmed.slice(0, maxItems).join(', ')}${report.unconfirmed.length > maxItems ? ', ...' : ''}`);
  }
  list(
    e.guardrail.tripped
      ? 'Planned for cancellation, held by the guardrail'
      : options.outcomes
        ? 'Planned for cancellation, not cancelled'
        : 'Planned for cancellation, not sent',
    planned.filter((d) => !done.has(d.shareId)),
    listAllCancels,
  );
  section(result.mode === 'dry-run' ? 'Would be cancelled (dry run)' : 'Would be cancelled (dry-run policies)', 'would-cancel');
  section('Marked for cancellation after a grace period', 'marked');
  section('Exempt', 'exempt');
  section('Could not be evaluated (never cancelled on that account)', 'unevaluable');
}

function renderGuardrailsAndMarks({ result, report, options, lines }: RenderContext, e: NonNullable<SweepResult['evaluation']>): void {
  lines.push('');
  const g = e.guardrail;
  if (g.tripped) {
    lines.push(`Guardrail TRIPPED: nothing was cancelled, and no grace marks were written nor notices sent.`);
    for (const t of g.trips) lines.push(`  - ${t.message}`);
  } else {
    lines.push(`Guardrails: ok (${g.planned} planned; limits ${g.maxCancellations} per run and ${g.maxCancellationPercent}% of the inventory)`);
  }
  const marks = result.marked.length + result.cleared.length;
  const notices = result.notified.length + result.unnotified.length + result.awaitingDelivery.length;
  if (marks > 0 || notices > 0) {
    const mailed = result.awaitingDelivery.length > 0 ? `, ${result.awaitingDelivery.length} published for the notifier to mail` : '';
    const sent = notices > 0 ? `; notices ${result.notified.length} sent${mailed}${result.unnotified.length > 0 ? `, ${result.unnotified.length} NOT sent (the next run sends them)` : ''}` : '';
    lines.push(`Grace marks: ${result.marked.length} written, ${result.cleared.length} cleared${sent}`);
  }
  if (result.mode === 'enforce' && report.cancelled.length > 0 && !options.outcomes) {
    lines.push(`Cancel queue: ${plural(result.enqueued.length, 'share')} in ${plural(result.batches, 'batch', 'batches')}`);
  }
}

function renderErrorsAndTimings({ result, report, lines, maxItems }: RenderContext): void {
  if (report.errors.length > 0) {
    lines.push('');
    lines.push(`Errors (${report.errors.length}):`);
    for (const err of report.errors.slice(0, maxItems)) lines.push(`  - ${err}`);
    if (report.errors.length > maxItems) lines.push(`  ... and ${report.errors.length - maxItems} more`);
  }
  const timings = PHASES.filter((p) => result.timings[p] !== undefined).map((p) => `${p} ${duration(result.timings[p]!)}`);
  if (timings.length > 0) {
    lines.push('');
    lines.push(`Timings: ${timings.join(', ')}`);
  }
}

/**
 * A report a person can read: the run, the inventory, decisions per policy, what will be (or was)
 * cancelled and why, marks, guardrails, errors and timings.
 */
export function renderSweepReport(result: SweepResult, options: RenderOptions = {}): string {
  const ctx: RenderContext = {
    result,
    report: buildSweepReport(result, options),
    options,
    maxItems: options.maxItems ?? 20,
    runShowable: options.runShowable !== false,
    lines: [],
  };
  const { lines } = ctx;
  lines.push(`Sweep ${result.runId} (${result.mode}, ${result.status}; trigger ${result.trigger}; account ${result.accountId})`);
  if (result.reason !== undefined) lines.push(`  ${result.status === 'skipped' ? 'Skipped' : 'Failed'}: ${result.reason}`);
  if (result.status === 'skipped') return `${lines.join('\n')}\n`;
  renderInventory(ctx);
  renderPolicies(ctx);
  const e = result.evaluation;
  if (e) {
    renderDecisions(ctx, e);
    renderGuardrailsAndMarks(ctx, e);
  }
  renderTrust(lines, ctx.report, ctx.maxItems);
  renderErrorsAndTimings(ctx);
  return `${lines.join('\n')}\n`;
}
