/**
 * Reads what the HTML run report shows (the run summary, its audit entries, the stored policies)
 * and writes the page to a file. `runs show --html` and `npm start` both use it; the rendering
 * itself is pure (lib/format/html-report).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { RunDiff } from '../app/run-diff';
import type { AuditEntry, PolicyStore, RunStore, RunSummary } from '../app/store-ports';
import { appliesToAccount } from '../app/policy-accounts';
import { validatePolicyItems } from '../domain/validate';
import { renderHtmlReport, reportPolicy, type HtmlReportInput } from '../format/html-report';
import { CliError, EXIT } from './io';

export interface HtmlReportSources {
  runs: Pick<RunStore, 'listAudit'>;
  policies: Pick<PolicyStore, 'loadItems'>;
}

/** The report's input for one run: its audit entries as given (or read), the policies as stored now. */
export async function htmlReportInput(
  sources: HtmlReportSources,
  summary: RunSummary,
  options: { entries?: readonly AuditEntry[]; diff?: RunDiff; now: number },
): Promise<HtmlReportInput> {
  let entries = options.entries;
  if (entries === undefined) {
    const read: AuditEntry[] = [];
    for await (const e of sources.runs.listAudit(summary.runId)) read.push(e);
    entries = read;
  }
  const items = await sources.policies.loadItems();
  const validated = validatePolicyItems(items.policies);
  // The run's account evaluated only the policies that apply to it (policy-accounts.ts).
  const checked = { ...validated, policies: validated.policies.filter((p) => appliesToAccount(p, summary.accountId)) };
  const skipped = checked.invalid.length > 0 ? `; ${checked.invalid.length} invalid stored ${checked.invalid.length === 1 ? 'policy is' : 'policies are'} left out` : '';
  return {
    summary,
    entries,
    policies: checked.policies.map(reportPolicy),
    policiesSource: `as stored when this report was written (they may have changed since the run)${skipped}`,
    diff: options.diff,
    generatedAtMs: options.now,
  };
}

/**
 * Writes the page to `file` all at once: into a temporary file next to it, then renamed over it,
 * so a reader never sees half a report and a failed write leaves an older report as it was.
 * An unwritable place is a usage error naming the file.
 */
export async function writeHtmlReport(file: string, input: HtmlReportInput): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, renderHtmlReport(input), { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    throw new CliError(`cannot write the HTML report to ${file}: ${typeof code === 'string' ? code : (error as Error).message}`, EXIT.usage, [], { cause: error });
  }
}
