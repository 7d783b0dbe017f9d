/**
 * What every phase of one sweep shares: the ports, the request, the result being built, and the
 * run's small services (redaction, errors, metrics, progress, phase timings, the lease's upkeep).
 */
import { performance } from 'node:perf_hooks';
import { redactPatterns } from '../../shared/credentials';
import { truncate } from '../../shared/text';
import type { RunAuditEntry } from '../audit-entry';
import type { VerificationPlan } from '../cancel-verification';
import type { DriftVerdict } from '../listing-drift';
import type { ListingStagingStore, RunMode } from '../store-ports';
import { MemoryListingStaging } from './memory-staging';
import {
  DEFAULT_LEASE_TTL_MS,
  LeaseLostError,
  MAX_ERROR_TEXT,
  type SweepDeps,
  type SweepMetricUnit,
  type SweepPhase,
  type SweepProgress,
  type SweepRequest,
  type SweepResult,
} from './types';

export class SweepContext {
  readonly timer: () => number;
  readonly leaseTtlMs: number;
  readonly result: SweepResult;
  /** The drift verdict: its `next` becomes the baseline when the run completes. */
  drift: DriftVerdict | undefined;
  verification: VerificationPlan | undefined;
  /** The audit entries written by this run (rewritten as `skipped` for cancels that could not be queued). */
  auditEntries: RunAuditEntry[] = [];
  /** The phase under way, for failures that are not a SweepPhaseError. */
  current: SweepPhase = 'lease';
  /** Where the listing is staged (the deps' store, else memory for a run in one process). */
  readonly staging: ListingStagingStore;
  private readonly redactFn: (text: string) => string;
  private lastRenewAtMs = 0;

  constructor(
    readonly deps: SweepDeps,
    readonly request: SweepRequest,
  ) {
    this.timer = deps.timer ?? (() => performance.now());
    const extra = deps.redact;
    this.redactFn = (text) => redactPatterns(extra ? extra(text) : text);
    this.leaseTtlMs = deps.settings.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.staging = deps.staging ?? new MemoryListingStaging();
    const startedAtMs = request.run?.startedAtMs ?? deps.clock.now();
    this.lastRenewAtMs = startedAtMs;
    this.result = emptyResult(deps, request, startedAtMs);
  }

  redact(text: string): string {
    return truncate(this.redactFn(text), MAX_ERROR_TEXT);
  }

  describe(error: unknown): string {
    if (error instanceof Error) return this.redact(`${error.name}: ${error.message}`);
    return this.redact(String(error));
  }

  addError(text: string): void {
    this.result.errors.push(this.redact(text));
  }

  progress(p: SweepProgress): void {
    try {
      this.request.onProgress?.(p);
    } catch {
      // A progress display must never break a run.
    }
  }

  metric(name: string, value: number, unit: SweepMetricUnit = 'Count'): void {
    try {
      this.deps.metrics?.add(name, value, unit);
    } catch (error) {
      this.deps.logger?.warn('metric not recorded', { metric: name, error: this.describe(error) });
    }
  }

  /** Runs `fn` as (part of) phase `name`, adding its duration to the run's timings. */
  async phase<T>(name: SweepPhase, fn: () => Promise<T> | T): Promise<T> {
    const started = this.timer();
    this.current = name;
    try {
      return await fn();
    } finally {
      this.result.timings[name] = Math.round((this.result.timings[name] ?? 0) + this.timer() - started);
    }
  }

  /** Renews the lease when a third of its lifetime has passed; throws LeaseLostError when it was lost. */
  async keepLease(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastRenewAtMs < this.leaseTtlMs / 3) return;
    const renewed = await this.deps.lease.renew({ owner: this.result.runId, ttlMs: this.leaseTtlMs, now });
    if (!renewed) throw new LeaseLostError(`the lease of run ${this.result.runId} was lost (expired and taken); the run stops`);
    this.lastRenewAtMs = now;
  }
}

function emptyResult(deps: SweepDeps, request: SweepRequest, startedAtMs: number): SweepResult {
  const mode: RunMode = deps.settings.globalDryRun || request.dryRun === true ? 'dry-run' : 'enforce';
  return {
    runId: request.run?.runId ?? deps.runs.newRunId(request.execution?.startedAtMs ?? startedAtMs, request.execution?.id),
    accountId: deps.settings.accountId,
    status: 'completed',
    mode,
    trigger: request.trigger,
    startedAtMs,
    finishedAtMs: startedAtMs,
    errors: [],
    invalidPolicies: [],
    policyIds: [],
    policyVersions: {},
    inventory: { listed: 0, pages: 0, complete: false, new: 0, gone: 0, deleted: 0, written: 0 },
    subjects: new Map(),
    enqueued: [],
    batches: 0,
    marked: [],
    cleared: [],
    notified: [],
    unnotified: [],
    awaitingDelivery: [],
    warnings: [],
    missingShares: [],
    counts: {},
    timings: {},
  };
}
