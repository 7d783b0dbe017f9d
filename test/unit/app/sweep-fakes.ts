/**
 * In-memory fakes of the sweep's ports, for the use-case unit tests. They follow the port
 * contracts (lib/app/store-ports.ts) closely enough for the sweep's behaviour to be judged, and
 * record every call so that tests can assert on exactly what was written and sent.
 */
import type { CancelQueue } from '../../../lib/app/messaging-ports';
import { staticPolicySource, type PolicySource } from '../../../lib/app/policy-source';
import type { ChunkPage, Clock, ListingCursor, ReadChunkOptions } from '../../../lib/app/ports';
import { StoreError } from '../../../lib/app/ports/store-error';
import type {
  AuditEntry,
  GraceMark,
  InventoryItem,
  LeaseHolder,
  RunSummary,
  RunUpdate,
  ShareRecord,
  StoredApiShape,
} from '../../../lib/app/store-ports';
import type { ShareLister, SweepDeps, SweepMetricUnit, SweepSettings } from '../../../lib/app/sweep';
import type { Policy } from '../../../lib/domain/policy-types';
import type { Share } from '../../../lib/domain/share';
import type { CancelBatchMessage } from '../../../lib/contracts/cancel-batch';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { inventoryItemChanged } from '../../../lib/stores/inventory-store';

export const T0 = Date.parse('2026-05-01T10:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A listed share: `ageDays` old at `now`, public, under /Public/. */
export function aShare(id: string, options: { ageDays?: number; now?: number; paths?: string[]; shortUrl?: string; visibility?: 'public' | 'private'; noCtime?: boolean } = {}): Share {
  const now = options.now ?? T0;
  const share: Share = {
    shareId: id,
    shortUrl: options.shortUrl ?? `1s${id}`,
    link: `https://www.terabox.com/s/${options.shortUrl ?? `1s${id}`}`,
    paths: options.paths ?? [`/Public/file-${id}.pdf`],
    fsIds: [`9${id}`],
    visibility: options.visibility ?? 'public',
    raw: { share_id: id },
  };
  if (!options.noCtime) share.createdAtMs = now - (options.ageDays ?? 1) * DAY;
  return share;
}

/** An enforce max-age policy over /Public/. */
export function maxAgePolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    policyId: 'public-30d',
    enabled: true,
    mode: 'enforce',
    scope: { pathPrefixes: ['/Public/'] },
    rule: { type: 'max-age', maxAgeDays: 30 },
    graceHours: 0,
    ...overrides,
  };
}

export class FakeClock implements Clock {
  constructor(public ms: number = T0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * The account's shares in pages of `pageSize`, read chunk by chunk like the TeraBox client's
 * `readChunk`; `failAfter` fails the page that would hand over share number `failAfter` (a real
 * listing fails a page as a whole).
 */
export class FakeLister implements ShareLister {
  calls: ReadChunkOptions[] = [];
  failAfter: number | undefined;
  failure: Error = new Error('HTTP 502 on /share/teratransfer/sharelist?jsToken=tok-abcdef123456&page=3');
  /** Called after each page is handed over (a test changes the world there). */
  afterPage: ((page: number) => void) | undefined;
  constructor(
    public shares: Share[] = [],
    public pageSize = 100,
  ) {}

  async readChunk(options: ReadChunkOptions, onPage: (page: ChunkPage) => Promise<void>): Promise<ListingCursor> {
    this.calls.push(options);
    const size = options.cursor?.pageSize ?? this.pageSize;
    let page = options.cursor?.nextPage ?? 1;
    const cursor = (ended: boolean): ListingCursor => ({ nextPage: page, pageSize: size, orderProven: false, ended });
    for (let read = 0; ; read += 1) {
      if ((options.maxPages !== undefined && read >= options.maxPages) || options.shouldStop?.() === true) return cursor(false);
      const start = (page - 1) * size;
      if (this.failAfter !== undefined && start + size > this.failAfter && this.shares.length > this.failAfter) throw this.failure;
      const shares = this.shares.slice(start, start + size);
      await onPage({ page, shares });
      this.afterPage?.(page);
      page += 1;
      if (start + shares.length >= this.shares.length) return cursor(true);
    }
  }
}

export class FakeInventory {
  items = new Map<string, InventoryItem>();
  puts: InventoryItem[][] = [];
  deletes: string[][] = [];
  setMarkCalls: GraceMark[][] = [];
  clearMarkCalls: Omit<GraceMark, 'sinceMs'>[][] = [];
  notifyCalls: { marks: Omit<GraceMark, 'sinceMs'>[]; atMs: number }[] = [];
  failPut: Error | undefined;
  failNotify: Error | undefined;

  async loadAll(): Promise<Map<string, InventoryItem>> {
    return new Map([...this.items].map(([k, v]) => [k, structuredClone(v)]));
  }

  async *scan(): AsyncIterable<InventoryItem> {
    for (const item of [...this.items.values()]) yield structuredClone(item);
  }

  async putChanged(items: Iterable<InventoryItem>, previous: { get(id: string): InventoryItem | undefined }, options: { lastSeenResolutionMs?: number } = {}): Promise<number> {
    if (this.failPut) throw this.failPut;
    const changed = [...items].filter((i) => {
      const before = previous.get(i.shareId);
      return !before || inventoryItemChanged(before, i, options.lastSeenResolutionMs ?? 0);
    });
    this.puts.push(changed);
    for (const i of changed) this.items.set(i.shareId, structuredClone(i));
    return changed.length;
  }

  async setMarks(marks: readonly GraceMark[], now: number): Promise<void> {
    this.setMarkCalls.push([...marks]);
    for (const m of marks) {
      const item = this.items.get(m.shareId) ?? { shareId: m.shareId, firstSeenAtMs: now, lastSeenAtMs: now };
      // As the store: a share's first mark drops any notice time left over.
      if (!item.violatingSince) delete item.notifiedAt;
      item.violatingSince = { ...(item.violatingSince ?? {}) };
      item.violatingSince[m.policyId] ??= m.sinceMs ?? now;
      this.items.set(m.shareId, item);
    }
  }

  /** As the store: only where the mark exists, with no notice yet (or one older than the mark). */
  async setNotified(marks: readonly Omit<GraceMark, 'sinceMs'>[], atMs: number): Promise<number> {
    this.notifyCalls.push({ marks: [...marks], atMs });
    if (this.failNotify) throw this.failNotify;
    let written = 0;
    for (const m of marks) {
      const item = this.items.get(m.shareId);
      const since = item?.violatingSince?.[m.policyId];
      if (!item || since === undefined) continue;
      const before = item.notifiedAt?.[m.policyId];
      if (before !== undefined && before >= since) continue;
      item.notifiedAt = { ...(item.notifiedAt ?? {}), [m.policyId]: atMs };
      written += 1;
    }
    return written;
  }

  async clearMarks(marks: readonly Omit<GraceMark, 'sinceMs'>[]): Promise<void> {
    this.clearMarkCalls.push([...marks]);
    for (const m of marks) {
      const item = this.items.get(m.shareId);
      if (!item) continue;
      for (const key of ['violatingSince', 'notifiedAt'] as const) {
        const map = item[key];
        if (!map) continue;
        delete map[m.policyId];
        if (Object.keys(map).length === 0) delete item[key];
      }
    }
  }

  cancelRequestCalls: { shareIds: string[]; runId: string; atMs: number }[] = [];
  failCancelRequests: Error | undefined;

  /** As the store: sets only the two attributes (creating the item when missing). */
  async recordCancelRequests(shareIds: readonly string[], runId: string, atMs: number): Promise<number> {
    this.cancelRequestCalls.push({ shareIds: [...shareIds], runId, atMs });
    if (this.failCancelRequests) throw this.failCancelRequests;
    for (const id of shareIds) {
      const item = this.items.get(id) ?? { shareId: id, firstSeenAtMs: atMs, lastSeenAtMs: atMs };
      this.items.set(id, { ...item, cancelRunId: runId, cancelRequestedAtMs: atMs });
    }
    return shareIds.length;
  }

  async deleteMany(ids: Iterable<string>): Promise<number> {
    const list = [...ids];
    this.deletes.push(list);
    for (const id of list) this.items.delete(id);
    return list.length;
  }
}

export class FakeRuns {
  runs = new Map<string, RunSummary>();
  audit = new Map<string, Map<string, Omit<AuditEntry, 'runId'>>>();
  private seq = 0;
  failFinish: Error | undefined;

  newRunId(now: number, seed?: string): string {
    this.seq += 1;
    return `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${seed ?? String(this.seq).padStart(8, '0')}`;
  }

  async getRun(runId: string): Promise<RunSummary | undefined> {
    return this.runs.get(runId);
  }

  /** Refuses a run id that exists, as the store does. */
  async startRun(summary: Omit<RunSummary, 'accountId'>): Promise<RunSummary> {
    if (this.runs.has(summary.runId)) throw new StoreError(`run ${summary.runId} already exists`);
    const run = { accountId: 'default', ...summary };
    this.runs.set(summary.runId, run);
    return run;
  }

  async finishRun(runId: string, update: RunUpdate): Promise<RunSummary> {
    if (this.failFinish) throw this.failFinish;
    const run = { ...this.runs.get(runId)!, ...update };
    this.runs.set(runId, run);
    return run;
  }

  async putAuditEntries(runId: string, entries: Iterable<Omit<AuditEntry, 'runId'>>): Promise<number> {
    const map = this.audit.get(runId) ?? new Map();
    let n = 0;
    for (const e of entries) {
      map.set(e.shareId, e);
      n += 1;
    }
    this.audit.set(runId, map);
    return n;
  }

  apiShape: StoredApiShape | undefined;
  apiShapeWrites: StoredApiShape[] = [];
  failGetApiShape: Error | undefined;

  async getAuditEntries(keys: readonly { runId: string; shareId: string }[]): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (const k of keys) {
      const e = this.audit.get(k.runId)?.get(k.shareId);
      if (e) out.push({ ...e, runId: k.runId });
    }
    return out;
  }

  async getApiShape(): Promise<StoredApiShape | undefined> {
    if (this.failGetApiShape) throw this.failGetApiShape;
    return this.apiShape === undefined ? undefined : structuredClone(this.apiShape);
  }

  async putApiShape(shape: StoredApiShape): Promise<void> {
    this.apiShapeWrites.push(shape);
    this.apiShape = structuredClone(shape);
  }

  /** What cancel-shares would write for one share of a run's batch. */
  answer(runId: string, shareId: string, outcome: AuditEntry['outcome'], atMs: number): void {
    const map = this.audit.get(runId) ?? new Map<string, Omit<AuditEntry, 'runId'>>();
    const e = map.get(shareId) ?? { shareId, decision: 'cancel', policyIds: [], reasons: [], recordedAtMs: atMs };
    map.set(shareId, { ...e, outcome, outcomeAtMs: atMs });
    this.audit.set(runId, map);
  }

  auditOf(runId: string): Omit<AuditEntry, 'runId'>[] {
    return [...(this.audit.get(runId)?.values() ?? [])];
  }
}

export class FakeLease {
  holder: LeaseHolder | undefined;
  renewals = 0;
  releases: string[] = [];

  async acquire({ owner, ttlMs, now }: { owner: string; ttlMs: number; now: number }): Promise<boolean> {
    if (this.holder && this.holder.owner !== owner && this.holder.expiresAtMs >= now) return false;
    this.holder = { owner, acquiredAtMs: now, expiresAtMs: now + ttlMs };
    return true;
  }

  async renew({ owner, ttlMs, now }: { owner: string; ttlMs: number; now: number }): Promise<boolean> {
    if (this.holder?.owner !== owner) return false;
    this.renewals += 1;
    this.holder.expiresAtMs = now + ttlMs;
    return true;
  }

  async release(owner: string): Promise<boolean> {
    this.releases.push(owner);
    if (this.holder?.owner !== owner) return false;
    this.holder = undefined;
    return true;
  }

  async current(): Promise<LeaseHolder | undefined> {
    return this.holder;
  }
}

export class FakeRecords {
  attached: { requestId: string; shareId: string }[] = [];
  constructor(public records: ShareRecord[] = []) {}

  async *listCreated(): AsyncGenerator<ShareRecord> {
    for (const r of this.records) if (r.status === 'created') yield r;
  }

  async attachShareId(requestId: string, shareId: string): Promise<boolean> {
    this.attached.push({ requestId, shareId });
    const r = this.records.find((x) => x.requestId === requestId);
    if (!r || r.shareId) return false;
    r.shareId = shareId;
    return true;
  }
}

export class FakeCancelQueue implements CancelQueue {
  batches: CancelBatchMessage[] = [];
  failure: Error | undefined;
  async send(batches: CancelBatchMessage[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.batches.push(...batches);
  }
  get ids(): string[] {
    return this.batches.flatMap((b) => b.shareIds);
  }
}

export class RecordingMetrics {
  values: { name: string; value: number; unit: SweepMetricUnit }[] = [];
  add(name: string, value: number, unit: SweepMetricUnit): void {
    this.values.push({ name, value, unit });
  }
  sum(name: string): number {
    return this.values.filter((v) => v.name === name).reduce((a, v) => a + v.value, 0);
  }
}

export interface SweepWorld {
  clock: FakeClock;
  lister: FakeLister;
  inventory: FakeInventory;
  runs: FakeRuns;
  lease: FakeLease;
  records: FakeRecords;
  cancelQueue: FakeCancelQueue;
  events: InMemoryEventBus;
  metrics: RecordingMetrics;
  policyItems: unknown[];
  settings: SweepSettings;
  deps(): SweepDeps;
}

/** Fresh fakes; `deps()` wires them (policies read from `policyItems` at each run). */
export function sweepWorld(options: { shares?: Share[]; policies?: unknown[]; settings?: Partial<SweepSettings> } = {}): SweepWorld {
  const clock = new FakeClock();
  const world: SweepWorld = {
    clock,
    lister: new FakeLister(options.shares ?? []),
    inventory: new FakeInventory(),
    runs: new FakeRuns(),
    lease: new FakeLease(),
    records: new FakeRecords(),
    cancelQueue: new FakeCancelQueue(),
    events: new InMemoryEventBus({ clock }),
    metrics: new RecordingMetrics(),
    policyItems: options.policies ?? [maxAgePolicy()],
    settings: { accountId: 'default', guardrails: { maxCancellations: 500, maxCancellationPercent: 100 }, globalDryRun: false, ...options.settings },
    deps() {
      const source: PolicySource = { description: 'test policies', load: () => staticPolicySource(world.policyItems).load() };
      return {
        shares: world.lister,
        policies: source,
        shareRecords: world.records,
        inventory: world.inventory,
        runs: world.runs,
        lease: world.lease,
        events: world.events,
        cancelQueue: world.cancelQueue,
        clock: world.clock,
        settings: world.settings,
        metrics: world.metrics,
      };
    },
  };
  return world;
}
