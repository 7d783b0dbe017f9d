/** Typed factories for the listing staging of a checkpointed sweep (staged shares, pages, checkpoints). */
import type { StagedPage, StagedShare, SweepCheckpoint } from '../../lib/app/store-ports';
import { T0 } from './store-items';

/** A staged share (what staging keeps of a listed share), with an id beyond 2^53. */
export function aStagedShare(overrides: Partial<StagedShare> = {}): StagedShare {
  return {
    shareId: '9007199254740993',
    shortUrl: '1aBcDeF',
    paths: ['/Public/brochure.pdf'],
    createdAtMs: T0 - 86_400_000,
    visibility: 'public',
    ...overrides,
  };
}

/** Page `page` of `count` shares, ids numbered from `page * 1000`. */
export function aStagedPage(page: number, count = 3, options: { reread?: boolean; share?: (i: number) => Partial<StagedShare> } = {}): StagedPage {
  const shares = Array.from({ length: count }, (_, i) => aStagedShare({ shareId: String(page * 1000 + i), ...options.share?.(i) }));
  return { page, reread: options.reread ?? false, shares };
}

/** A page whose shares serialize to about `shares * paths * pathLength` bytes: long paths, some multi-byte. */
export function aLargeStagedPage(page: number, options: { shares?: number; paths?: number; pathLength?: number } = {}): StagedPage {
  const { shares = 50, paths = 20, pathLength = 1000 } = options;
  return aStagedPage(page, shares, {
    share: (i) => ({
      paths: Array.from({ length: paths }, (_, p) => `/Public/${i}/${p}/${'深い/フォルダ/'.repeat(4)}${'x'.repeat(pathLength)}.pdf`),
    }),
  });
}

export function aCheckpoint(overrides: Partial<SweepCheckpoint> = {}): SweepCheckpoint {
  return {
    runId: '20310501T100000000Z-0a0b0c0d',
    accountId: 'default',
    chunks: 1,
    cursor: { nextPage: 11, pageSize: 100, announcedTotal: 5000, lastPage: { page: 10, ids: ['9007199254740993', '17'] }, orderProven: true, lastCreatedAtMs: T0 - 5, ended: false },
    pages: 10,
    shares: 1000,
    shape: { items: 1000, fields: { shareId: { kinds: ['integer'], seenIn: 1000 }, 'filelist[].path': { kinds: ['string'], seenIn: 998 } } },
    updatedAtMs: T0,
    ...overrides,
  };
}
