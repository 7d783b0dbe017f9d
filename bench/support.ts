/**
 * Shared pieces of the benchmarks: machine facts, statistics, peak-memory sampling, child
 * processes (each heavy measurement runs in a fresh Node process so that its peak memory and its
 * garbage are its own), a dynalite server in its own process, and the result table.
 */
import { fork, spawn, type ChildProcess, type Serializable } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The machine a result was measured on (written into bench/results.json). */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  node: string;
  platform: string;
  arch: string;
  /** 1, 5 and 15-minute load averages when the run started: other work on the machine skews timings. */
  loadAverage: number[];
  date: string;
}

export function machineInfo(now: Date = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1_048_576),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: now.toISOString(),
  };
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (nearest rank), p in (0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const mb = (bytes: number): number => round1(bytes / 1_048_576);

export interface PeakMemory {
  /** Peak resident set size of the process (the kernel's high-water mark), MB. */
  maxRssMb: number;
  /** Highest V8 heapUsed seen by the sampler, MB. */
  peakHeapUsedMb: number;
  /** Highest V8 heapTotal seen by the sampler, MB. */
  peakHeapTotalMb: number;
}

/**
 * Samples the V8 heap every `intervalMs` until stopped. The RSS peak comes from
 * `process.resourceUsage().maxRSS` (kilobytes), which misses nothing between samples.
 */
export function startPeakSampler(intervalMs = 25): { stop(): PeakMemory } {
  let heapUsed = 0;
  let heapTotal = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    heapUsed = Math.max(heapUsed, m.heapUsed);
    heapTotal = Math.max(heapTotal, m.heapTotal);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { maxRssMb: round1(process.resourceUsage().maxRSS / 1024), peakHeapUsedMb: mb(heapUsed), peakHeapTotalMb: mb(heapTotal) };
    },
  };
}

// ------------------------------------------------------------------ child processes

type ChildMessage<T> = { type: 'result'; value: T } | { type: 'error'; message: string };

/**
 * Bundles the function `exportName` of a bench module, with everything it imports, into one
 * CommonJS file that runs it as a child (`childMain`), the way the Lambda bundles are made
 * (esbuild, minified, platform node): code measured in a bundle runs as it does in a function,
 * where tsx's per-module CommonJS turns every imported function into a getter call. Every
 * `require.main === module` of the bundled modules is false, so no module's own main runs.
 */
export async function bundleChild(modulePath: string, exportName: string): Promise<{ file: string; remove(): void }> {
  // Imported here, so that a bundled child (which includes this module) never loads esbuild.
  const { build } = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsl-bench-child-'));
  const file = path.join(dir, 'child.js');
  await build({
    stdin: {
      contents: [
        `import { childMain } from ${JSON.stringify(path.resolve(__dirname, 'support'))};`,
        `import { ${exportName} as run } from ${JSON.stringify(modulePath)};`,
        'childMain(run);',
      ].join('\n'),
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]!}`,
    minify: true,
    define: { 'require.main': 'undefined' },
    // As in the functions: node-fetch is never loaded (global fetch is injected); esbuild is the bundler.
    external: ['node-fetch', 'esbuild'],
    logLevel: 'warning',
    outfile: file,
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `modulePath` (a bench module that calls `childMain`) in a fresh Node process with the same
 * loader flags as this one (tsx), hands it `input` and resolves with what it sends back. With
 * `bundle`, the child runs the named export from an esbuild bundle instead (see `bundleChild`).
 */
export async function runInChild<I extends Serializable, O>(
  modulePath: string,
  input: I,
  options: {
    label?: string;
    /** Extra Node flags for the child (e.g. `--expose-gc`). */
    nodeFlags?: string[];
    /** Run this export of the module from a bundle, in plain Node. */
    bundle?: { exportName: string };
  } = {},
): Promise<O> {
  if (options.bundle) {
    const bundled = await bundleChild(modulePath, options.bundle.exportName);
    try {
      return await forkChild<I, O>(bundled.file, input, options.nodeFlags ?? [], options.label ?? modulePath);
    } finally {
      bundled.remove();
    }
  }
  return forkChild<I, O>(modulePath, input, [...process.execArgv, ...(options.nodeFlags ?? [])], options.label ?? modulePath);
}

function forkChild<I extends Serializable, O>(modulePath: string, input: I, execArgv: string[], label: string): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    const child: ChildProcess = fork(modulePath, [], {
      execArgv,
      // The SDK's Node 20 deprecation notice is one line of noise per process.
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (message: ChildMessage<O>) => {
      settled = true;
      if (message.type === 'result') resolve(message.value);
      else reject(new Error(`${label}: ${message.message}`));
    });
    child.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${label} exited with code ${code} without a result`));
    });
    child.send(input);
  });
}

/** The child side of `runInChild`: waits for the input, runs `fn`, sends the result and exits. */
export function childMain<I extends Serializable, O>(fn: (input: I) => Promise<O>): void {
  process.once('message', (input: I) => {
    fn(input)
      .then((value) => process.send?.({ type: 'result', value } satisfies ChildMessage<O>, () => process.exit(0)))
      .catch((error: unknown) => {
        const message = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
        process.send?.({ type: 'error', message } satisfies ChildMessage<O>, () => process.exit(1));
      });
  });
}

// ------------------------------------------------------------------ dynalite in its own process

export interface DynaliteProcess {
  endpoint: string;
  client(): DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite (pure-JS DynamoDB, in memory) in a separate Node process on a loopback port.
 * Separate, so that its CPU work neither delays the emulator's answers nor counts in the peak
 * memory of the process under test (which, as a Lambda, would talk to DynamoDB over the network).
 */
export function startDynaliteProcess(): Promise<DynaliteProcess> {
  const script = [
    "const dynalite = require('dynalite');",
    'const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });',
    "server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\\n'));",
    "process.on('disconnect', () => process.exit(0));",
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /PORT (\d+)/.exec(out);
      if (!match) return;
      child.stdout?.off('data', onData);
      const endpoint = `http://127.0.0.1:${match[1]}`;
      const clients: DynamoDBClient[] = [];
      resolve({
        endpoint,
        client() {
          const client = dynamoClientFor(endpoint);
          clients.push(client);
          return client;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const c of clients) c.destroy();
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill();
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited early (code ${code})`)));
  });
}

/** An SDK client for a local DynamoDB endpoint (dummy credentials that never leave the machine). */
export function dynamoClientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

// ------------------------------------------------------------------ the result table

/** One line of the table: a measured figure next to its target. */
export interface Figure {
  id: string;
  figure: string;
  /** The target as text (`<= 1001 calls`, `< 3000 ms`). */
  target: string;
  measured: number;
  unit: string;
  /** measured / the target's reference value (a limit, a lower bound or a baseline). */
  ratio: number;
  /** null: a figure reported for context, without a target of its own. */
  pass: boolean | null;
  note?: string;
}

/** The table printed by `npm run bench`. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.figure, f.target, `${f.measured} ${f.unit}`, f.ratio.toFixed(2), f.pass === null ? 'info' : f.pass ? 'pass' : 'MISS']);
  const header = ['figure', 'target', 'measured', 'ratio', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
