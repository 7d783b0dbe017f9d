import type { ChildProcess } from 'node:child_process';

/** Jest global teardown: DynamoDB Local runs in memory, so there is nothing to flush; kill it. */
export default async function teardown(): Promise<void> {
  const child = (globalThis as { __dynamoDbLocal?: ChildProcess }).__dynamoDbLocal;
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}
