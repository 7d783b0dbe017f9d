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

interface RenderOptions {
  maxItems?: number;
  runShowable?: boolean;
}

/**
 * Renders the report; `maxItems` caps the long lists (cancelled shares). `runShowable`: the stack
 * (and its tables) outlives the report (`--watch`), so `runs show` can show the runs; otherwise the
 * report points to --json, the only place the rest is kept.
 */
export function renderLocalReport(report: LocalRunReport, options: RenderOptions = {}): string {
  return [
    ...environmentSection(report),
    ...policiesSection(report),
    ...requestsSection(report),
    ...planSection(report),
    ...enforceSection(report, options),
    ...checkSection(report),
    ...accountsSection(report),
    ...noticesSection(report),
    ...observabilitySection(report),
  ].join('');
}

function environmentSection({ environment: env, notices }: LocalRunReport): string[] {
  return [
    heading('TeraBox share lifecycle: the local run'),
    `Everything ran on this machine, on loopback only:\n`,
    `  TeraBox emulator     ${env.emulatorUrl}   seed "${env.seed}"\n`,
    `  DynamoDB (dynalite)  ${env.dynamoEndpoint}   tables ${Object.values(env.tables).join(', ')}\n`,
    `  SES v2 (local)       ${notices.sesUrl}   aws-ses-v2-local: the digests notify-owners sent\n`,
    `  Lambda handlers      create-shares, sweep-shares, cancel-shares, notify-owners (the deployed code), fed by in-memory SQS queues\n`,
  ];
}

function policiesSection(report: LocalRunReport): string[] {
  return [
    heading('1. Policies'),
    renderTable(
      ['POLICY', 'MODE', 'RULE', 'PLAN (dry run)', 'ENFORCE'],
      report.policies.lines.map((p) => [p.policyId, p.enabled ? p.mode : 'disabled', p.rule, counts(p.plan), counts(p.enforce)]),
      70,
    ),
    ...report.policies.exemptions.map((e) => `  global exemption ${e.exemptionId}: ${e.reason}\n`),
    '  (per policy: the shares it had a finding on, by what happened to each share in that run)\n',
  ];
}

function requestsSection({ requests }: LocalRunReport): string[] {
  return [
    heading(`2. Share requests through create-shares (${requests.sent} messages)`),
    renderTable(
      ['REQUEST', 'REQUESTER', 'STATUS', 'SHARE ID', 'DETAIL'],
      requests.outcomes.map((o) => [o.requestId, o.requester, o.status, o.shareId, o.reason ?? [o.label, o.link].filter(Boolean).join('  ')]),
      90,
    ),
    `  ${requests.created} created, ${requests.rejected} rejected (invalid, not retried), ${requests.failed} failed (TeraBox refused), ` +
      `${requests.deadLettered} moved to the dead-letter queue (unreadable)\n`,
  ];
}

function planSection({ plan }: LocalRunReport): string[] {
  const planWould = plan.decisions.filter((d) => d.action === 'would-cancel').length;
  return [
    heading(`3. Plan: a dry run (${plan.runId})`),
    `  ${plan.inventory.shares} shares listed in ${plan.inventory.pages} pages${plan.inventory.complete ? '' : ' (INCOMPLETE)'}; status ${plan.status}\n`,
    `  ${plan.guardrail?.planned ?? 0} shares planned for cancellation by enforce policies; ${planWould} flagged in all (dry-run policies included); nothing cancelled\n`,
    ...plan.errors.map((e) => `  error: ${e}\n`),
    ...(plan.warnings ?? []).map((w) => `  warning: ${w}\n`),
  ];
}

function enforceSection(report: LocalRunReport, options: RenderOptions): string[] {
  const { enforce } = report;
  const out: string[] = [heading(`4. Enforce (${enforce.runId})`), ...guardrailLines(enforce)];
  out.push(...cancelledLines(report, options));
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
  return out;
}

function guardrailLines(enforce: LocalRunReport['enforce']): string[] {
  const g = enforce.guardrail;
  if (g === null) return [`  the run stopped before evaluating: ${enforce.errors.join('; ')}\n`];
  if (g.tripped) return ['  Guardrail TRIPPED: nothing was cancelled\n', ...g.trips.map((t) => `    - ${t.message}\n`)];
  return [`  Guardrails: ok (${g.planned} planned; limits ${g.maxCancellations} per run, ${g.maxCancellationPercent}% of ${enforce.inventory.shares} shares)\n`];
}

/** The cancelled shares, at most `maxItems` of them, each with where it was and why it went. */
function cancelledLines(report: LocalRunReport, options: RenderOptions): string[] {
  const maxItems = options.maxItems ?? 40;
  const cancelled = report.cancellation.cancelled;
  const out = [`  Cancelled by cancel-shares (${cancelled.length}, in ${report.cancellation.batches} batch(es)); why:\n`];
  for (const c of cancelled.slice(0, maxItems)) {
    const where = c.paths.length > 0 ? c.paths[0] + (c.paths.length > 1 ? ` (+${c.paths.length - 1})` : '') : '(paths unknown)';
    const who = c.requester !== undefined ? `  [${c.requester}${c.requestId ? `, ${c.requestId}` : ''}]` : '';
    out.push(`    ${c.shareId}  ${where}${who}\n        ${c.reason}\n`);
  }
  if (cancelled.length > maxItems) {
    const more = options.runShowable === true ? `share-lifecycle runs show ${report.enforce.runId}` : 'npm start -- --json lists them all';
    out.push(`    ... and ${cancelled.length - maxItems} more (${more})\n`);
  }
  return out;
}

function checkSection(report: LocalRunReport): string[] {
  const { check, account: a } = report;
  const out = [heading('5. Check')];
  if (check.matches) {
    out.push(`  ✓ the enforcing run cancelled exactly the ${check.planned} shares the plan planned\n`);
  } else {
    out.push('  ✗ the enforcing run did not match its plan:\n');
    for (const p of check.problems) out.push(`    - ${p}\n`);
  }
  out.push(`  TeraBox account: ${a.seeded} shares seeded, ${a.beforeSweeps} after the requests, ${a.after} after the enforcing run\n`);
  const html = report.htmlReport;
  if (html?.error !== undefined) out.push(`  ✗ ${html.error}\n`);
  else if (html !== undefined) out.push(`  HTML report of the enforcing run: ${html.file} (open it in a browser)\n`);
  return out;
}

/** Every account the run served: each swept with its own runs, lease and audit trail. */
function accountsSection({ accounts }: LocalRunReport): string[] {
  const out = [heading(`Accounts (${accounts.length}: one sweep each, one after the other, as the state machine's Map runs them)`)];
  out.push(
    renderTable(
      ['ACCOUNT', 'EMULATOR', 'SHARES', 'REQUESTS', 'PLAN', 'ENFORCE', 'CHECK'],
      accounts.map((a) => [
        a.accountId === accounts[0]?.accountId ? `${a.accountId} (deployment)` : `${a.accountId} (${a.displayName})`,
        a.emulatorUrl,
        `${a.seeded} -> ${a.beforeSweeps} -> ${a.after}`,
        `${a.created} created`,
        `${a.plan.planned} planned (${a.plan.status})`,
        `${a.enforce.cancelled} cancelled (${a.enforce.status})`,
        a.problems.length === 0 ? 'as planned' : `PROBLEMS: ${a.problems.join('; ')}`,
      ]),
      60,
    ),
    '  (shares: seeded -> after the requests -> after the enforcing run and its cancel batches)\n',
  );
  return out;
}

function noticesSection({ notices: n }: LocalRunReport): string[] {
  const out = [heading('Notices by email')];
  out.push(`  ${n.mails.length} digest(s) for ${n.delivered} grace notice(s), one per requester of the enforcing run (a requester without an address: the fallback)\n`);
  for (const m of n.mails) out.push(`    to ${m.to.join(', ')}: ${m.subject}\n`);
  if (n.retried > 0) out.push(`  ${n.retried} notice(s) were handed back to the queue\n`);
  out.push(`  Read them in a browser at ${n.sesUrl} (JSON: ${n.sesUrl}/store); the server stops with this run, \`npm start -- --watch\` keeps it up\n`);
  return out;
}

function observabilitySection(report: LocalRunReport): string[] {
  const out = [heading('Events, metrics, timings')];
  out.push(`  events:  ${Object.entries(report.events).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}\n`);
  for (const [fn, m] of Object.entries(report.metrics)) {
    const shown = Object.entries(m).filter(([, v]) => v > 0);
    if (shown.length > 0) out.push(`  ${fn}: ${shown.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  }
  out.push(`  timings: ${Object.entries(report.timings).map(([k, ms]) => `${k} ${formatDuration(ms)}`).join(', ')}\n`);
  return out;
}
