/**
 * Runs the `share-lifecycle` CLI as a separate process, the way a user does.
 *
 * Why a bundle instead of dist/: `npm test` must test the source as it is now, and dist/ is only
 * as fresh as the last `npm run build` (`npm ci` builds it once, edits after that do not). So each
 * test file bundles lib/cli/main.ts with esbuild (a fraction of a second; node_modules stay
 * external) into `node_modules/.cache/`, lays it out as the package does (`bin/`, `dist/lib/cli/`)
 * and runs the package's own bin/share-lifecycle.js against it: the real bin script, the current
 * code, and a start-up as fast as the built CLI's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface BuiltCli {
  /** The copy of bin/share-lifecycle.js to run with node. */
  bin: string;
  dir: string;
  cleanup(): void;
}

export async function buildCli(): Promise<BuiltCli> {
  const cacheRoot = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cacheRoot, { recursive: true });
  // Inside the repository's node_modules, so that the externals resolve from the bundle's folder.
  const dir = mkdtempSync(join(cacheRoot, 'share-lifecycle-cli-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'share-lifecycle.js'), join(dir, 'bin', 'share-lifecycle.js'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await build({
    entryPoints: [join(ROOT, 'lib', 'cli', 'main.ts')],
    outfile: join(dir, 'dist', 'lib', 'cli', 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'silent',
  });
  return { bin: join(dir, 'bin', 'share-lifecycle.js'), dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment every run starts from: no inherited AWS settings, dummy credentials, loopback only. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface RunCliOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  cwd?: string;
  /**
   * A slow reader: stdout is not read until this resolves, and then a chunk at a time, each on
   * its own turn of the event loop. A CLI that exits with output still queued loses it then.
   */
  holdStdoutUntil?: Promise<unknown>;
  /** Called once the child is spawned (to signal it, for example). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs the CLI with `args`; `stdin` is written and closed when given. */
export function runCli(cli: BuiltCli, args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli.bin, ...args], {
      env: options.env ?? baseEnv(),
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    const chunks: Buffer[] = [];
    let stderr = '';
    if (options.holdStdoutUntil === undefined) {
      child.stdout.on('data', (b: Buffer) => chunks.push(b));
    } else {
      child.stdout.pause();
      void options.holdStdoutUntil.then(() => {
        const readSlowly = (): void => {
          const chunk = child.stdout.read() as Buffer | null;
          if (chunk === null) {
            child.stdout.once('readable', readSlowly);
            return;
          }
          chunks.push(chunk);
          setImmediate(readSlowly);
        };
        readSlowly();
      });
    }
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`share-lifecycle ${args.join(' ')} did not finish in time\nstdout: ${Buffer.concat(chunks).toString('utf8').slice(0, 2000)}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(chunks).toString('utf8'), stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export const REPO_ROOT = ROOT;
