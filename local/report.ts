/** The local run's report as text for a person (`npm start`). */
import type { ReportAction } from '../lib/app/sweep-report';
import { formatDuration, renderTable } from '../lib/format/plain-text';
import type { LocalRunReport, PolicyLine } from './lifecycle';

const ACTION_ORDER: readonly ReportAction[] = ['cancel', 'would-cancel', 'marked', 'exempt', 'unevaluable', 'keep'];

function counts(c: PolicyLine['plan']): string {
  const parts = ACTION_ORDER.filter((a) => (c[a] ?? 0) > 0).map((a) => `${a} ${c[a]}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

function heading(text: string): string {
  return `\n${text}\n${'─'.repeat(Math.min(100, [...text].length))}\n`;
}

/** Renders the report; `maxItems` caps the long lists (cancelled shares). */
/**
 * `runShowable`: the stack (and its tables) outlives the report (`--watch`), so `runs show` can
 * show the runs; otherwise the report points to --json, the only place the rest is kept.
 */
export function renderLocalReport(report: LocalRunReport, options: { maxItems?: number; runShowable?: boolean } = {}): string {
  const maxItems = options.maxItems ?? 40;
  const out: string[] = [];
  const { environment: env, requests, plan, enforce, check } = report;

  out.push(heading('TeraBox share lifecycle: the local run'));
  out.push(`Everything ran on this machine, on loopback only:\n`);
  out.push(`  TeraBox emulator     ${env.emulatorUrl}   seed "${env.seed}"\n`);
  out.push(`  DynamoDB (dynalite)  ${env.dynamoEndpoint}   tables ${Object.values(env.tables).join(', ')}\n`);
  out.push(`  Lambda handlers      create-shares, sweep-shares, cancel-shares (the deployed code), fed by in-memory SQS queues\n`);

  out.push(heading('1. Policies'));
  out.push(
    renderTable(
      ['POLICY', 'MODE', 'RULE', 'PLAN (dry run)', 'ENFORCE'],
      report.policies.lines.map((p) => [p.policyId, p.enabled ? p.mode : 'disabled', p.rule, counts(p.plan), counts(p.enforce)]),
      70,
    ),
  );
  for (const e of report.policies.exemptions) out.push(`  global exemption ${e.exemptionId}: ${e.reason}\n`);
  out.push('  (per policy: the shares it had a finding on, by what happened to each share in that run)\n');

  out.push(heading(`2. Share requests through create-shares (${requests.sent} messages)`));
  out.push(
    renderTable(
      ['REQUEST', 'REQUESTER', 'STATUS', 'SHARE ID', 'DETAIL'],
      requests.outcomes.map((o) => [o.requestId, o.requester, o.status, o.shareId, o.reason ?? [o.label, o.link].filter(Boolean).join('  ')]),
      90,
    ),
  );
  out.push(
    `  ${requests.created} created, ${requests.rejected} rejected (invalid, not retried), ${requests.failed} failed (TeraBox refused), ` +
      `${requests.deadLettered} moved to the dead-letter queue (unreadable)\n`,
  );

  out.push(heading(`3. Plan: a dry run (${plan.runId})`));
  out.push(`  ${plan.inventory.shares} shares listed in ${plan.inventory.pages} pages${plan.inventory.complete ? '' : ' (INCOMPLETE)'}; status ${plan.status}\n`);
  const planWould = plan.decisions.filter((d) => d.action === 'would-cancel').length;
  out.push(`  ${plan.guardrail?.planned ?? 0} shares planned for cancellation by enforce policies; ${planWould} flagged in all (dry-run policies included); nothing cancelled\n`);
  for (const e of plan.errors) out.push(`  error: ${e}\n`);
  for (const w of plan.warnings ?? []) out.push(`  warning: ${w}\n`);

  out.push(heading(`4. Enforce (${enforce.runId})`));
  const g = enforce.guardrail;
  if (g === null) out.push(`  the run stopped before evaluating: ${enforce.errors.join('; ')}\n`);
  else if (g.tripped) {
    out.push('  Guardrail TRIPPED: nothing was cancelled\n');
    for (const t of g.trips) out.push(`    - ${t.message}\n`);
  } else {
    out.push(`  Guardrails: ok (${g.planned} planned; limits ${g.maxCancellations} per run, ${g.maxCancellationPercent}% of ${enforce.inventory.shares} shares)\n`);
  }
  const cancelled = report.cancellation.cancelled;
  out.push(`  Cancelled by cancel-shares (${cancelled.length}, in ${report.cancellation.batches} batch(es)); why:\n`);
  for (const c of cancelled.slice(0, maxItems)) {
    const where = c.paths.length > 0 ? c.paths[0] + (c.paths.length > 1 ? ` (+${c.paths.length - 1})` : '') : '(paths unknown)';
    const who = c.requester !== undefined ? `  [${c.requester}${c.requestId ? `, ${c.requestId}` : ''}]` : '';
    out.push(`    ${c.shareId}  ${where}${who}\n        ${c.reason}\n`);
  }
  if (cancelled.length > maxItems) {
    out.push(`    ... and ${cancelled.length - maxItems} more (${options.runShowable === true ? `share-lifecycle runs show ${enforce.runId}` : 'npm start -- --json lists them all'})\n`);
  }
  const by = (action: ReportAction): number => enforce.decisions.filter((d) => d.action === action).length;
  out.push(
    `  Not cancelled: ${by('would-cancel')} flagged by dry-run policies only (reported), ${by('exempt')} exempt, ` +
      `${by('unevaluable')} could not be judged, ${by('marked')} in a grace period\n`,
  );
  if (report.cancellation.failed > 0 || report.cancellation.deadLettered > 0) {
    out.push(`  cancel-shares: ${report.cancellation.failed} failed deliveries, ${report.cancellation.deadLettered} batches in the dead-letter queue\n`);
  }
  for (const e of enforce.errors) out.push(`  error: ${e}\n`);
  for (const w of enforce.warnings ?? []) out.push(`  warning: ${w}\n`);
  for (const c of enforce.ineffectiveCancels ?? []) {
    out.push(`  cancel did not take: share ${c.shareId} (answered ${c.answer} by run ${c.cancelRunId}, miss ${c.misses}): ${c.action}\n`);
  }

  out.push(heading('5. Check'));
  if (check.matches) {
    out.push(`  ✓ the enforcing run cancelled exactly the ${check.planned} shares the plan planned\n`);
  } else {
    out.push('  ✗ the enforcing run did not match its plan:\n');
    for (const p of check.problems) out.push(`    - ${p}\n`);
  }
  const a = report.account;
  out.push(`  TeraBox account: ${a.seeded} shares seeded, ${a.beforeSweeps} after the requests, ${a.after} after the enforcing run\n`);

  out.push(heading('Events, metrics, timings'));
  out.push(`  events:  ${Object.entries(report.events).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}\n`);
  for (const [fn, m] of Object.entries(report.metrics)) {
    const shown = Object.entries(m).filter(([, v]) => v > 0);
    if (shown.length > 0) out.push(`  ${fn}: ${shown.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  }
  out.push(`  timings: ${Object.entries(report.timings).map(([k, ms]) => `${k} ${formatDuration(ms)}`).join(', ')}\n`);
  return out.join('');
}
