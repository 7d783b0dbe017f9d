/**
 * Benchmark: each Lambda's bundle size and the time to load it in a fresh Node process.
 *
 * The bundles are made by the stack's own construct: one `ServiceFunction`
 * (infra/constructs/service-function.ts) per function in a throwaway CDK app, synthesized into a
 * temporary folder. NodejsFunction runs the local esbuild with exactly the options the deployed
 * functions get (minify, CommonJS, platform node, the target of the function runtime, the AWS SDK
 * bundled, node-fetch external, a source map without sources), so this measures what is deployed.
 *
 * Loading: `node --enable-source-maps` (the functions' NODE_OPTIONS) requires the bundle `runs`
 * times in fresh processes; each reports the time `require()` took. The whole process time
 * (Node's own start included) and a bare `node -e ""` are reported beside it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { FUNCTION_RUNTIME, ServiceFunction } from '../infra/constructs/service-function';
import { median, round1 } from './support';

export const FUNCTIONS = ['create-shares', 'sweep-shares', 'cancel-shares'] as const;

export interface BundleResult {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Median time of `require(bundle)` in a fresh process, ms. */
  requireMs: number;
  requireMsRuns: number[];
  /** Median wall time of the whole `node -e "require(bundle)"` process, ms. */
  processMs: number;
}

export interface ColdStartResult {
  runtime: string;
  runs: number;
  /** Median wall time of a bare `node -e ""`, ms: Node's own start, for reference. */
  bareNodeMs: number;
  bundles: BundleResult[];
}

function timedProcess(args: string[]): { ms: number; stdout: string } {
  const t = performance.now();
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = performance.now() - t;
  if (out.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${out.stderr}`);
  return { ms, stdout: out.stdout };
}

/** Synthesizes one ServiceFunction in a throwaway app; returns the path of its bundled index.js. */
export function synthBundle(name: string, outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'BenchBundle');
  new ServiceFunction(stack, 'Function', {
    name,
    description: `bench bundle of ${name}`,
    timeout: Duration.seconds(60),
    memorySize: 512,
    environment: {},
    logRetentionDays: 7,
  });
  app.synth();
  const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(path.join(outdir, d, 'index.js')));
  if (assets.length !== 1) throw new Error(`expected one bundled asset for ${name} in ${outdir}, found ${assets.length}`);
  return path.join(outdir, assets[0]!, 'index.js');
}

/** Bundles the three functions into a temporary folder (as the stack does) and times their loading. */
export async function runColdStartBench(options: { runs?: number } = {}): Promise<ColdStartResult> {
  const runs = options.runs ?? 7;
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'tsl-bench-bundles-'));
  try {
    const bareNodeMs = median(Array.from({ length: runs }, () => timedProcess(['-e', '']).ms));
    const bundles: BundleResult[] = [];
    for (const name of FUNCTIONS) {
      const outfile = synthBundle(name, path.join(outdir, name));
      const script = [
        'const t = process.hrtime.bigint();',
        `const m = require(${JSON.stringify(outfile)});`,
        "if (typeof m.handler !== 'function') throw new Error('no handler export');",
        'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));',
      ].join('\n');
      const requireMsRuns: number[] = [];
      const processRuns: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { ms, stdout } = timedProcess(['--enable-source-maps', '-e', script]);
        requireMsRuns.push(round1(Number(stdout)));
        processRuns.push(ms);
      }
      const code = readFileSync(outfile);
      bundles.push({
        name,
        bytes: statSync(outfile).size,
        gzipBytes: gzipSync(code).length,
        requireMs: round1(median(requireMsRuns)),
        requireMsRuns,
        processMs: round1(median(processRuns)),
      });
    }
    return { runtime: FUNCTION_RUNTIME.name, runs, bareNodeMs: round1(bareNodeMs), bundles };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runColdStartBench()
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
