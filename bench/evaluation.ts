/**
 * Benchmark: the evaluation engine over 1,000,000 synthetic shares and 20 policies (every rule
 * kind, scopes, exemptions, globs, regexes, grace periods, quotas per account and per
 * requester). The data is generated from a fixed seed, so every run measures the same work.
 *
 * Run alone: `npx tsx bench/evaluation.ts`. The figure that matters is `ms`; `npm run bench` runs
 * it for as many shares as the sweep bench lists (target: at most 5% of listing them) and for a
 * million (target < 10 s, peak RSS < 1.5 GB). `listingOrderMs` / `shuffledMs` show the cost of
 * input order (the engine sorts by share id, which is cheap when the input is already ordered).
 */
import { cpus, loadavg } from 'node:os';
import type { EvaluationResult } from '../lib/domain/decision';
import { evaluate, type EvaluateInput } from '../lib/domain/evaluate';
import type { Exemption, Policy } from '../lib/domain/policy-types';
import type { Share, ShareFacts } from '../lib/domain/share';
import { parsePolicyFile } from '../lib/domain/validate';
import { mulberry32 } from '../lib/terabox/emulator/prng';

const DAY = 86_400_000;
/** A fixed "now" (2026-06-01T00:00:00Z) so that ages do not drift between runs. */
export const BENCH_NOW = Date.UTC(2026, 5, 1);

/** A seeded PRNG, enough for reproducible synthetic data. */
const prng = mulberry32;

const PUBLIC_FOLDERS = ['/Public/brochures', '/Public/media/video', '/Public/evergreen', '/Public/press/2026', '/Shared/team-a/public'];
const PRIVATE_FOLDERS = ['/Private/finance', '/Private/hr', '/Shared/team-b/specs', '/Exports/2026-05'];
const NAMES = ['report', 'plan', 'invoice', 'photo', 'notes', 'brochure', 'summary', 'data'];
const EXTENSIONS = ['pdf', 'docx', 'mp4', 'jpg', 'csv', 'xlsx', 'txt', 'zip'];
/** Names that break the name policies: rare in an account the product already keeps clean. */
const BAD_NAMES = ['.env', 'config.env', 'id_rsa', 'server.pem', 'db-password.txt', 'old.bak', 'draft-plan.docx', 'Thumbs.db', 'api.key'];
const REQUESTERS = ['marketing', 'sales', 'partners', 'support', 'hr', 'finance', 'legal', 'ops', 'design', 'eng'];

/**
 * - `steady`: an account the product has kept in order for a while: most shares are younger than
 *   their limits, a few percent break a policy, dry-run policies on trial flag some more (what a
 *   daily sweep sees).
 * - `backlog`: the first sweep of an old, never-cleaned account: shares spread over 460 days and
 *   a third of the names break a name policy (most shares are flagged; the guardrails would trip).
 */
export type BenchScenario = 'steady' | 'backlog';

/** One shared (empty) raw item: the bench measures the engine, not the memory of TeraBox's payloads. */
const RAW: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Age (ms) of the k-th share of `count` in listing order (newest first): a monotonic quantile. */
function ageAt(scenario: BenchScenario, k: number, count: number): number {
  const p = k / count;
  if (scenario === 'backlog') return p * 460 * DAY;
  if (p < 0.92) return (p / 0.92) * 28 * DAY;
  if (p < 0.98) return (28 + ((p - 0.92) / 0.06) * 92) * DAY;
  return (120 + ((p - 0.98) / 0.02) * 380) * DAY;
}

/** `count` shares in TeraBox listing order (newest first), from a fixed seed. */
export function buildBenchShares(count = 1_000_000, scenario: BenchScenario = 'steady', seed = 42): ShareFacts[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const badRate = scenario === 'steady' ? 0.01 : 0.33;
  const shares: ShareFacts[] = new Array<ShareFacts>(count);
  const firstId = 30_000_000_000;
  for (let k = 0; k < count; k += 1) {
    // Newest first: the highest id, the most recent creation time.
    const i = count - 1 - k;
    const shareId = String(firstId + i * 7 + Math.floor(rnd() * 7));
    const createdAtMs = Math.round(BENCH_NOW - ageAt(scenario, k, count) - rnd() * 60_000);
    const v = rnd();
    const visibility = v < 0.7 ? 'public' : v < 0.95 ? 'private' : undefined;
    // Public links mostly live in public folders; a few do not (what the allow-list policy is for).
    const stray = rnd() < (scenario === 'steady' ? 0.02 : 0.3);
    const tmp = rnd() < (scenario === 'steady' ? 0.01 : 0.1);
    const backup = rnd() < (scenario === 'steady' ? 0.005 : 0.1);
    const folder = tmp ? '/Tmp' : backup ? '/Private/hr/backup-2025' : pick(visibility === 'public' && !stray ? PUBLIC_FOLDERS : PRIVATE_FOLDERS);
    const nPaths = rnd() < 0.85 ? 1 : rnd() < 0.7 ? 2 : 3;
    const paths: string[] = [];
    if (rnd() >= 0.03) {
      for (let p = 0; p < nPaths; p += 1) {
        const n = (i + p) % 997;
        if (rnd() < badRate) paths.push(`${folder}/${pick(BAD_NAMES)}`);
        else if (folder.startsWith('/Exports/')) paths.push(`${folder}/export_${n}.${rnd() < 0.5 ? 'csv' : 'xlsx'}`);
        else paths.push(`${folder}/${pick(NAMES)}-${n}.${pick(EXTENSIONS)}`);
      }
    }
    const clockRoll = rnd();
    const share: Share = {
      shareId,
      shortUrl: `1s${i.toString(36)}`,
      paths,
      fsIds: [String(900_000_000 + i)],
      createdAtMs: clockRoll < 0.9 ? createdAtMs : undefined,
      visibility,
      raw: RAW,
    };
    const requested = rnd() < 0.4;
    const facts: ShareFacts = {
      share,
      requester: requested ? pick(REQUESTERS) : undefined,
      recordedCreatedAtMs: requested ? createdAtMs + 1_000 : undefined,
      firstSeenAtMs: clockRoll < 0.995 ? createdAtMs + 3_600_000 : undefined,
      violatingSince: rnd() < 0.02 ? { 'marketing-14-days': BENCH_NOW - (rnd() < 0.5 ? 3 : 1) * DAY } : undefined,
    };
    // Marks whose notice went out with them (the usual case): half still in their grace, half past
    // it. Set after the fact so that the random sequence, and so the inventory, stays as it was.
    facts.notifiedAt = facts.violatingSince;
    shares[k] = facts;
  }
  // Paths as TeraBox's JSON would give them: flat strings, not the ropes template literals build
  // (the engine would otherwise pay for flattening them on its first pass).
  for (const facts of shares) facts.share.paths = facts.share.paths.map((p) => JSON.parse(JSON.stringify(p)) as string);
  return shares;
}

/** The 20 policies (19 enabled) and 2 global exemptions, validated through the real loader. */
export function buildBenchPolicies(): { policies: Policy[]; exemptions: Exemption[] } {
  const items: unknown[] = [
    { policyId: 'public-links-30-days', mode: 'enforce', scope: { pathPrefixes: ['/Public/'], visibility: 'public' }, rule: { type: 'max-age', maxAgeDays: 30 }, exempt: { pathPrefixes: ['/Public/evergreen/'] }, maxCancellationsPerRun: 500_000 },
    { policyId: 'all-links-365-days', mode: 'enforce', rule: { type: 'max-age', maxAgeDays: 365 } },
    { policyId: 'private-links-90-days', scope: { visibility: 'private' }, rule: { type: 'max-age', maxAgeDays: 90 } },
    { policyId: 'marketing-14-days', mode: 'enforce', graceHours: 48, scope: { requesters: ['marketing'] }, rule: { type: 'max-age', maxAgeDays: 14 } },
    { policyId: 'tmp-3-days', mode: 'enforce', scope: { pathPrefixes: ['/Tmp'] }, rule: { type: 'max-age', maxAgeDays: 3 } },
    { policyId: 'shared-60-days', scope: { pathPrefixes: ['/Shared/'] }, rule: { type: 'max-age', maxAgeDays: 60.5 } },
    { policyId: 'no-env-or-keys', mode: 'enforce', rule: { type: 'name', deny: ['**/*.env', '**/.env', '**/id_rsa*', '**/*.pem'] } },
    { policyId: 'no-secrets-regex', mode: 'enforce', scope: { visibility: 'public' }, rule: { type: 'name', denyRegex: ['(?i)(password|secret|credential)', '\\.(key|p12|pfx)$'] } },
    { policyId: 'public-allowlist', scope: { visibility: 'public' }, rule: { type: 'name', allow: ['/Public/**', '/Shared/*/public/**', '/Exports/**'] } },
    { policyId: 'no-backups', rule: { type: 'name', deny: ['**/*.{bak,tmp,old}', '/Private/**/backup-*/**'] } },
    { policyId: 'export-naming', mode: 'enforce', scope: { pathPrefixes: ['/Exports/'] }, rule: { type: 'name', allowRegex: '^/Exports/[0-9]{4}-[0-9]{2}/[a-z0-9_-]+\\.(csv|xlsx)$' } },
    { policyId: 'no-os-junk', mode: 'enforce', rule: { type: 'name', deny: ['Thumbs.db', '.DS_Store', '/Public/**/draft-*.tmp'] } },
    { policyId: 'account-quota', mode: 'enforce', rule: { type: 'quota', maxShares: 990_000 }, maxCancellationsPerRun: 200_000 },
    { policyId: 'requester-quota', mode: 'enforce', rule: { type: 'quota', maxShares: 40_500, per: 'requester' } },
    { policyId: 'public-quota', scope: { visibility: 'public' }, rule: { type: 'quota', maxShares: 690_000 } },
    { policyId: 'tmp-quota', mode: 'enforce', scope: { pathPrefixes: ['/Tmp/'] }, rule: { type: 'quota', maxShares: 100, keep: 'oldest' } },
    { policyId: 'old-experiment', enabled: false, mode: 'enforce', rule: { type: 'max-age', maxAgeDays: 1 } },
    { policyId: 'media-90-days', mode: 'enforce', scope: { pathPrefixes: ['/Public/media/'], visibility: 'public' }, rule: { type: 'max-age', maxAgeDays: 90 } },
    { policyId: 'sales-21-days', scope: { requesters: ['sales', 'partners'] }, rule: { type: 'max-age', maxAgeDays: 21 } },
    { policyId: 'drafts-not-public', mode: 'enforce', scope: { visibility: 'public' }, rule: { type: 'name', deny: ['/Public/**/draft-*', '/Public/**/*~'] }, graceHours: 24 },
    { kind: 'exemption', exemptionId: 'legal-hold', shareIds: ['30000000007', '30000000014', '30000000021'], reason: 'legal hold' },
    { kind: 'exemption', exemptionId: 'press-kit', pathPrefixes: ['/Public/press/'], reason: 'press kit', expiresAt: '2026-12-31T00:00:00Z' },
  ];
  const { policies, exemptions, invalid } = parsePolicyFile(items);
  if (invalid.length > 0) throw new Error(`bench policies are invalid: ${invalid.flatMap((i) => i.errors).join('; ')}`);
  return { policies, exemptions };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = xs.slice();
  for (let k = out.length - 1; k > 0; k -= 1) {
    const j = Math.floor(rnd() * (k + 1));
    [out[k], out[j]] = [out[j]!, out[k]!];
  }
  return out;
}

export interface EvaluationBenchResult {
  scenario: BenchScenario;
  shares: number;
  policies: number;
  /** Median wall time of the listing-order runs, ms: the headline figure. */
  ms: number;
  /** Median CPU time (user + system) of the same runs, ms: less sensitive to a busy machine. */
  cpuMs: number;
  /** Each listing-order run, wall ms (the first includes JIT warm-up). */
  listingOrderMs: number[];
  /** One run on the same shares in random order, wall ms. */
  shuffledMs: number;
  buildMs: number;
  counts: EvaluationResult['counts'];
  planned: number;
  newMarks: number;
  clearedMarks: number;
  heapUsedMb: number;
  /** The machine's 1-minute load average when the runs ended (2 cores: above 2 means sharing). */
  loadAverage: number;
}

interface RunFigures {
  ms: number;
  cpuMs: number;
  counts: EvaluationResult['counts'];
  planned: number;
  newMarks: number;
  clearedMarks: number;
}

/** Times one evaluation and keeps only figures, so that no result stays alive into the next run. */
function timedRun(input: EvaluateInput): RunFigures {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = evaluate(input);
  const ms = Math.round(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  return {
    ms,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    counts: result.counts,
    planned: result.guardrail.planned,
    newMarks: result.newMarks.length,
    clearedMarks: result.clearedMarks.length,
  };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Builds the synthetic inventory and times `evaluate()` on it. */
export async function runEvaluationBench(
  options: { count?: number; runs?: number; scenario?: BenchScenario } = {},
): Promise<EvaluationBenchResult> {
  const count = options.count ?? 1_000_000;
  const runs = options.runs ?? 3;
  const scenario = options.scenario ?? 'steady';
  const b0 = performance.now();
  let shares = buildBenchShares(count, scenario);
  const { policies, exemptions } = buildBenchPolicies();
  const buildMs = Math.round(performance.now() - b0);
  // Generous limits: the bench measures the whole plan, not an early stop.
  const base = { policies, exemptions, now: BENCH_NOW, guardrails: { maxCancellations: count, maxCancellationPercent: 100 } };

  // Each timed run starts from the same heap: a full collection before it, outside the timing,
  // so that a run does not pay for collecting the previous run's result (a sweep evaluates once
  // per invocation). Its own garbage still counts. Needs `--expose-gc` (bench/run.ts passes it);
  // without it the runs are back to back.
  const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const figures: RunFigures[] = [];
  for (let r = 0; r < runs; r += 1) {
    collect();
    figures.push(timedRun({ ...base, shares }));
    await new Promise((resolve) => setImmediate(resolve));
  }
  shares = shuffled(shares, 7);
  collect();
  const shuffledRun = timedRun({ ...base, shares });
  const last = figures[figures.length - 1]!;
  return {
    scenario,
    shares: count,
    policies: policies.length,
    ms: median(figures.map((f) => f.ms)),
    cpuMs: median(figures.map((f) => f.cpuMs)),
    listingOrderMs: figures.map((f) => f.ms),
    shuffledMs: shuffledRun.ms,
    buildMs,
    counts: last.counts,
    planned: last.planned,
    newMarks: last.newMarks,
    clearedMarks: last.clearedMarks,
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1_048_576),
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

function print(r: EvaluationBenchResult): void {
  console.log(`evaluate(), ${r.scenario}: ${r.shares.toLocaleString('en-US')} shares x ${r.policies} policies`);
  console.log(`  median ${r.ms} ms wall, ${r.cpuMs} ms CPU (runs ${r.listingOrderMs.join(', ')} ms; shuffled input ${r.shuffledMs} ms)`);
  console.log(`  load average ${r.loadAverage} on ${cpus().length} cores; data built in ${r.buildMs} ms; heap used ${r.heapUsedMb} MB`);
  console.log(`  decisions ${JSON.stringify(r.counts)}`);
  console.log(`  planned cancellations ${r.planned}, new marks ${r.newMarks}, cleared marks ${r.clearedMarks}`);
}

if (require.main === module) {
  (async () => {
    print(await runEvaluationBench({ scenario: 'steady' }));
    print(await runEvaluationBench({ scenario: 'backlog', runs: 1 }));
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
