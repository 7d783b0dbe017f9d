/**
 * doctor's write test (only with the user's consent): creates one share of a given file, finds
 * it in the listing, cancels it and checks that it is gone. The whole round trip a sweep relies on.
 *
 * The list endpoint that shows the new share is a parameter: a client option
 * `listEndpoint: 'sharelist' | 'record'` is being added elsewhere; until it lands, `clientFor`
 * gives the one client doctor has for 'sharelist' and nothing for 'record'.
 */
import type { Share } from '../domain/share';
import type { TeraboxClient } from '../terabox';
import { check } from './judge';
import type { DoctorCheck } from './types';

export type ListEndpoint = 'sharelist' | 'record';

export interface WriteTestOptions {
  /** Absolute path of the file to share for the test. */
  path: string;
  /** Endpoints to look for the share on (default ['sharelist']). */
  listEndpoints?: ListEndpoint[];
  /** The client to list with on an endpoint; undefined = this build cannot list there. */
  clientFor?: (endpoint: ListEndpoint, main: TeraboxClient) => TeraboxClient | undefined;
  pageSize?: number;
}

const defaultClientFor = (endpoint: ListEndpoint, main: TeraboxClient): TeraboxClient | undefined => (endpoint === 'sharelist' ? main : undefined);

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function find(client: TeraboxClient, wanted: { shareId?: string; shortUrl: string }, pageSize: number): Promise<Share | undefined> {
  for await (const share of client.paginateShares({ pageSize })) {
    if ((wanted.shareId !== undefined && share.shareId === wanted.shareId) || share.shortUrl === wanted.shortUrl) return share;
  }
  return undefined;
}

/** Create, find, cancel, check gone. Every step's result is in the check's details. */
export async function runWriteTest(client: TeraboxClient, options: WriteTestOptions): Promise<DoctorCheck> {
  const title = 'write test (create, find, cancel)';
  const steps: string[] = [];
  const pageSize = options.pageSize ?? 100;
  const clientFor = options.clientFor ?? defaultClientFor;
  let created;
  try {
    created = await client.createShare({ paths: [options.path], period: 1 });
  } catch (error) {
    return check('write-test', title, 'fail', `create failed: ${message(error)}`, steps);
  }
  steps.push(`created ${created.link}${created.shareId ? ` (share id ${created.shareId})` : ' (no share id in the answer)'}`);
  let found: Share | undefined;
  const shownOn: ListEndpoint[] = [];
  for (const endpoint of options.listEndpoints ?? ['sharelist']) {
    const lister = clientFor(endpoint, client);
    if (!lister) {
      steps.push(`${endpoint}: this build cannot list there`);
      continue;
    }
    try {
      const share = await find(lister, created, pageSize);
      steps.push(`${endpoint}: ${share ? 'shows the new share' : 'does not show the new share'}`);
      if (share) {
        found ??= share;
        shownOn.push(endpoint);
      }
    } catch (error) {
      steps.push(`${endpoint}: listing failed: ${message(error)}`);
    }
  }
  if (!found) return check('write-test', title, 'fail', `the new share ${created.link} is in no listing: a sweep would never see such shares; cancel it by hand`, steps);
  const [outcome] = await client.cancelShares([found.shareId]);
  steps.push(`cancel: ${outcome.outcome}${outcome.errno !== undefined ? ` (errno ${outcome.errno})` : ''}`);
  if (outcome.outcome !== 'cancelled' && outcome.outcome !== 'already-gone') {
    return check('write-test', title, 'fail', `cancel of share ${found.shareId} failed: ${outcome.error ?? outcome.outcome}`, steps);
  }
  const lister = clientFor(shownOn[0], client) ?? client;
  let still: Share | undefined;
  try {
    still = await find(lister, { shareId: found.shareId, shortUrl: created.shortUrl }, pageSize);
  } catch (error) {
    return check('write-test', title, 'fail', `could not check that share ${found.shareId} is gone: ${message(error)}`, steps);
  }
  if (still) return check('write-test', title, 'fail', `share ${found.shareId} is still listed after its cancel was answered ${outcome.outcome}`, steps);
  steps.push(`${shownOn[0]}: the share is gone`);
  return check('write-test', title, 'ok', `created, found on ${shownOn.join(' and ')}, cancelled and gone`, steps);
}
