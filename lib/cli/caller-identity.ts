/**
 * Who runs a command that changes policies, for the policy history: the AWS caller identity (STS
 * GetCallerIdentity, an ARN) when the CLI works against AWS, else the operating system's user
 * name, and the history says which (and why) so that nobody takes a user name for an AWS identity.
 */
import { userInfo } from 'node:os';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { PolicyActor } from '../app/store-ports';
import type { Env } from '../config/env';

/** Returns the caller's ARN; throws when it cannot be learnt. Injected in tests. */
export type CallerIdentityLookup = () => Promise<string>;

const STS_TIMEOUT_MS = 5_000;

/** STS GetCallerIdentity with the SDK's default credentials, one attempt, a few seconds at most. */
export const stsCallerIdentity: CallerIdentityLookup = async () => {
  const client = new STSClient({ maxAttempts: 1 });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(STS_TIMEOUT_MS) });
    if (out.Arn === undefined || out.Arn === '') throw new Error('GetCallerIdentity answered without an Arn');
    return out.Arn;
  } finally {
    client.destroy();
  }
};

/** The OS user name (`unknown` when the system has none for this process). */
export function osUserName(env: Env): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/**
 * The actor of a policy change. Against a local DynamoDB (`AWS_ENDPOINT_URL_DYNAMODB` or
 * `AWS_ENDPOINT_URL` set: DynamoDB Local, the embedded run) there is no AWS identity to ask: the
 * OS user name. Otherwise STS; when STS fails, the OS user name with the error's name (never its
 * message, which could quote a credential).
 */
export async function resolveActor(env: Env, lookup: CallerIdentityLookup = stsCallerIdentity, userName: () => string = () => osUserName(env)): Promise<PolicyActor> {
  const local = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'].find((name) => (env[name] ?? '').trim() !== '');
  if (local !== undefined) {
    return { id: userName(), source: 'os-user', note: `the OS user name: ${local} points at a local DynamoDB, so there is no AWS caller identity to ask` };
  }
  try {
    return { id: await lookup(), source: 'sts' };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return { id: userName(), source: 'os-user', note: `the OS user name: STS GetCallerIdentity failed (${name})` };
  }
}
