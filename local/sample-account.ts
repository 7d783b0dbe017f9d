/**
 * The local run's sample account: the emulator seed and the files the sample requests
 * (samples/requests.jsonl) ask to share. The fs ids are fixed so that requests can name them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NewEmulatorFile } from '../lib/terabox/emulator';

/**
 * A few hundred shares, up to 120 days old, 70 % public, over a tree with public/team/private/
 * archive folders, unicode names and some key files (the emulator's deterministic generator).
 */
export const LOCAL_SEED = 'files=1000,shares=300,maxAgeDays=120,seed=7,public=0.7';

/**
 * The second account of the local run: a support desk's, on an emulator of its own, registered in
 * the account registry as `accounts add` would (its secret is the emulator's cookie). Requests name
 * it with `"account": "support"`; the sweep covers it with its own run, lease and audit trail.
 */
export const SUPPORT_ACCOUNT = {
  accountId: 'support',
  displayName: 'Support desk',
  seed: 'files=400,shares=120,maxAgeDays=120,seed=23,public=0.7',
  ndus: 'emulator-ndus-support',
} as const;

export const SAMPLE_FILES: readonly NewEmulatorFile[] = [
  { path: '/Public/campaigns/spring-brochure.pdf', fsId: '900000000000001', size: 2_400_000 },
  { path: '/Public/campaigns/spring-video.mp4', fsId: '900000000000002', size: 48_000_000 },
  { path: '/Public/campaigns/press-kit.zip', fsId: '900000000000003', size: 12_000_000 },
  { path: '/Public/campaigns/summer-banner.png', fsId: '900000000000004', size: 800_000 },
  { path: '/Team/design/logo-pack.zip', fsId: '900000000000005', size: 5_000_000 },
  { path: '/Team/sales/price-list.pdf', fsId: '900000000000006', size: 300_000 },
  { path: '/Team/sales/terms.pdf', fsId: '900000000000007', size: 150_000 },
  { path: '/Team/ops/deploy.env', fsId: '900000000000008', size: 2_000 },
];

/**
 * A message no producer using the CLI could send (`requests send` validates first), put on the
 * queue by the local run to show what create-shares does with one: recorded as `rejected`.
 */
export const MALFORMED_REQUEST_BODY = JSON.stringify({
  requestId: 'sample-bad-0001',
  requester: 'ops',
  paths: ['relative/report.pdf'],
  period: 3,
});

/** A body that is not even JSON: it cannot be recorded, and goes to the dead-letter queue. */
export const UNREADABLE_REQUEST_BODY = '{"requestId": "sample-bad-0002", "requester": ';

/** The samples/ folder of the package (from local/ or dist/local/). */
export function samplesDir(): string {
  for (const up of [['..'], ['..', '..']]) {
    const dir = join(__dirname, ...up, 'samples');
    if (existsSync(join(dir, 'policies.json'))) return dir;
  }
  return join(process.cwd(), 'samples');
}
