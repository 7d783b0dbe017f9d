import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { nagAcknowledgements } from '../../infra/nag';
import type { ShareLifecycleApp } from '../../infra/app';
import { build, synthesize, type Synthesized } from './support/synth';

/** Every acknowledgement recorded in the construct tree: where, which rule, and the reason. */
function recordedAcknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  const found: { path: string; id: string; reason: unknown }[] = [];
  const visit = (node: IConstruct): void => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: node.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    node.node.children.forEach(visit);
  };
  visit(root);
  return found;
}

let acknowledged: Synthesized;
// Built without the acknowledgements and never synthesized: synthesizing it would (rightly) fail.
let raw: ShareLifecycleApp & { cleanup(): void };
beforeAll(() => {
  acknowledged = synthesize({}, { cloudFormationValidation: true });
  raw = build({}, { skipNagAcknowledgements: true });
});
afterAll(() => {
  acknowledged.cleanup();
  raw.cleanup();
});

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error or warning in the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(acknowledged.app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('synthesizes with cdk-nag and CloudFormation validation plugins whose report lists no violation or warning', () => {
    const assemblyDir = acknowledged.app.outdir;
    const reportFile = fs.readdirSync(assemblyDir).find((file) => /validation-report\.json$/.test(file));
    expect(reportFile).toBeDefined();
    const report = JSON.parse(fs.readFileSync(path.join(assemblyDir, reportFile!), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('would fail the synth without the acknowledgements (the checks really run)', () => {
    const report = new AwsSolutionsChecks().validateScope(raw.app);
    expect(report.success).toBe(false);
  });

  it('gives every acknowledgement a reason of at least a sentence', () => {
    const recorded = recordedAcknowledgements(acknowledged.app);
    expect(recorded).toHaveLength(nagAcknowledgements(acknowledged.stack).length);
    for (const ack of recorded) {
      expect(typeof ack.reason).toBe('string');
      expect((ack.reason as string).length).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledges only findings that really occur, each on the construct where it occurs', () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(raw.app)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    for (const ack of nagAcknowledgements(raw.stack)) {
      const scopePath = ack.scope.node.path;
      expect([ack.id, findings.some((f) => f.rule === ack.id && (f.path === scopePath || f.path.startsWith(`${scopePath}/`)))]).toEqual([ack.id, true]);
    }
  });

  it.each([
    ['AwsSolutions-SMG4', 'TeraboxSession'],
    ['AwsSolutions-IAM5[Resource::*]', 'CreateShares/Role'],
    ['AwsSolutions-IAM5[Resource::*]', 'SweepShares/Role'],
    ['AwsSolutions-IAM5[Resource::*]', 'CancelShares/Role'],
    ['AwsSolutions-IAM5[Resource::*]', 'SweepStateMachine/Role'],
  ])('acknowledges %s on %s and nowhere wider', (id, relativePath) => {
    const recorded = recordedAcknowledgements(acknowledged.app).filter((ack) => ack.id === id);
    expect(recorded.map((ack) => ack.path)).toContain(`${acknowledged.stack.node.path}/${relativePath}`);
    for (const ack of recorded) expect(ack.path).not.toBe(acknowledged.stack.node.path);
  });
});
