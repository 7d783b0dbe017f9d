/**
 * doctor's write test (only with the user's consent): creates one share of a given file, finds
 * it in the listing, cancels it and checks that it is gone. The whole round trip a sweep relies on.
 *
 * The new share is looked for on every list endpoint (`sharelist` and Baidu's `record`): the
 * "Second look" doubts that sharelist lists every share, and this is where a user learns which
 * endpoint to configure (TERABOX_LIST_ENDPOINT). The cancel is checked on an endpoint that
 * showed the share.
 */
import { sameShortUrl } from '../domain/short-url';
import type { Share } from '../domain/share';
import { DEFAULT_LIST_ENDPOINT, SHARE_LIST_ENDPOINT_NAMES, type ShareListEndpoint, type TeraboxClient } from '../terabox';
import { check } from './judge';
import type { DoctorCheck } from './types';

export interface WriteTestOptions {
  /** Absolute path of the file to share for the test. */
  path: string;
  /** Endpoints to look for the share on (default: every one the client knows). */
  listEndpoints?: readonly ShareListEndpoint[];
  /** The endpoint sweeps list with (TERABOX_LIST_ENDPOINT); the test fails when it misses the share. */
  configuredEndpoint?: ShareListEndpoint;
  pageSize?: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function find(
  client: TeraboxClient,
  endpoint: ShareListEndpoint,
  wanted: { shareId?: string; shortUrl: string },
  pageSize: number,
): Promise<Share | undefined> {
  for await (const share of client.paginateShares({ pageSize, endpoint })) {
    if ((wanted.shareId !== undefined && share.shareId === wanted.shareId) || sameShortUrl(share.shortUrl, wanted.shortUrl)) return share;
  }
  return undefined;
}

/** Create, find, cancel, check gone. Every step's result is in the check's details. */
export async function runWriteTest(client: TeraboxClient, options: WriteTestOptions): Promise<DoctorCheck> {
  const title = 'write test (create, find, cancel)';
  const steps: string[] = [];
  const pageSize = options.pageSize ?? 100;
  let created;
  try {
    created = await client.createShare({ paths: [options.path], period: 1 });
  } catch (error) {
    return check('write-test', title, 'fail', `create failed: ${message(error)}`, steps);
  }
  steps.push(`created ${created.link}${created.shareId ? ` (share id ${created.shareId})` : ' (no share id in the answer)'}`);
  let found: Share | undefined;
  const shownOn: ShareListEndpoint[] = [];
  for (const endpoint of options.listEndpoints ?? SHARE_LIST_ENDPOINT_NAMES) {
    try {
      const share = await find(client, endpoint, created, pageSize);
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
  if (outcome.outcome === 'failed') {
    return check('write-test', title, 'fail', `cancel of share ${found.shareId} failed: ${outcome.error ?? outcome.outcome}`, steps);
  }
  let still: Share | undefined;
  try {
    still = await find(client, shownOn[0], { shareId: found.shareId, shortUrl: created.shortUrl }, pageSize);
  } catch (error) {
    return check('write-test', title, 'fail', `could not check that share ${found.shareId} is gone: ${message(error)}`, steps);
  }
  if (still) return check('write-test', title, 'fail', `share ${found.shareId} is still listed after its cancel was answered ${outcome.outcome}`, steps);
  steps.push(`${shownOn[0]}: the share is gone`);
  const configured = options.configuredEndpoint ?? DEFAULT_LIST_ENDPOINT;
  if (!shownOn.includes(configured)) {
    return check(
      'write-test',
      title,
      'fail',
      `the configured list endpoint (${configured}) does not show the share the test created (${shownOn.join(' and ')} did): sweeps would miss such shares; set TERABOX_LIST_ENDPOINT=${shownOn[0]}`,
      steps,
    );
  }
  return check('write-test', title, 'ok', `created, found on ${shownOn.join(' and ')}, cancelled and gone`, steps);
}
