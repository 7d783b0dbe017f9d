/** What `runs show --html` and `npm start` read for the HTML report, and how the file is written. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry, PolicyItems } from '../../../lib/app/store-ports';
import { htmlReportInput, writeHtmlReport } from '../../../lib/cli/html-report';
import { aReportInput, aReportRun, reportEntries } from '../../factories/html-report';
import { rawPolicy } from '../../factories/policies';

function sources(entries: AuditEntry[], policies: unknown[]) {
  const items: PolicyItems = { policies, exemptions: [], unrecognized: [] };
  return {
    runs: {
      async *listAudit(): AsyncIterable<AuditEntry> {
        yield* entries;
      },
    },
    policies: { loadItems: async () => items },
  };
}

describe('htmlReportInput', () => {
  it('reads the audit entries and the valid stored policies, and says how many invalid ones it left out', async () => {
    const entries = reportEntries(4);
    const input = await htmlReportInput(
      sources(entries, [rawPolicy({ policyId: 'old-90', rule: { type: 'max-age', maxAgeDays: 90 } }), rawPolicy({ policyId: 'broken', mode: 'sometimes' })]),
      aReportRun(),
      { now: 1 },
    );
    expect(input.entries).toEqual(entries);
    expect(input.policies).toEqual([{ policyId: 'old-90', mode: 'enforce', enabled: true, rule: 'max age 90 days', maxAgeDays: 90 }]);
    expect(input.policiesSource).toBe('as stored when this report was written (they may have changed since the run); 1 invalid stored policy is left out');
    expect(input.diff).toBeUndefined();
  });

  it('uses the entries it is given instead of reading them again', async () => {
    const given = reportEntries(2);
    const input = await htmlReportInput(sources(reportEntries(9), []), aReportRun(), { entries: given, now: 1 });
    expect(input.entries).toBe(given);
  });
});

describe('writeHtmlReport', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'html-write-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole and leaves no temporary file', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, 'older report');
    await writeHtmlReport(file, aReportInput());
    expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('names the file it cannot write (exit code 2) and leaves what was there, with no temporary file', async () => {
    // The target is a directory that is not empty: the temporary file cannot be renamed onto it.
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    await expect(writeHtmlReport(blocked, aReportInput())).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^cannot write the HTML report to .*blocked: E[A-Z]+$/) });
    expect(readdirSync(dir)).toEqual(['blocked']);
    expect(readdirSync(blocked)).toEqual(['inside']);
  });
});
