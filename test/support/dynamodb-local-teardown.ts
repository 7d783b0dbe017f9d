import type { ChildProcess } from 'node:child_process';

/**
 * Jest global teardown: DynamoDB Local runs in memory, so there is nothing to flush; kill it.
 *
 * Everything awaited here must keep the event loop alive (the child is re-referenced, the timer
 * is not unref'd): the setup unref'd the child, and with nothing else pending Node would exit
 * with code 0 in the middle of this await, before jest sets the failure exit code.
 */
export default async function teardown(): Promise<void> {
  const child = (globalThis as { __dynamoDbLocal?: ChildProcess }).__dynamoDbLocal;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.ref();
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
  if (timer) clearTimeout(timer);
}
