/**
 * One runtime per TeraBox account (issue 15, docs/multi-account.md): `AccountRuntimes.resolve(id)`
 * answers the `Runtime` of an account, built once per Lambda instance and reused, each with its
 * own pacer, secret cache and TeraBox session (accounts never share a pace or a cookie).
 *
 * - The deployment's own account (`config.accountId`, secret `config.teraboxSecretId`) is served
 *   exactly as before the registry, registered or not, so a deployment made before it keeps
 *   working; only a registry entry that disables it stops it.
 * - Any other account must be in the registry (the policies table's `#registry` partition) and
 *   enabled, else `AccountUnavailableError` (`unknown` | `disabled`). Its runtime: stores in its
 *   own partition except the policy store (policies are stored once, in the deployment's
 *   partition), credentials from its `secretName` (its `baseUrl` when the secret has none), its
 *   `requestsPerSecond` else the deployment's, its guardrails field by field else the deployment's.
 * - The registry is read at most once per `registryTtlMs` (5 min), or on `refresh()` (a sweep's
 *   start), so that a disable takes effect without a cold start. A changed entry (`updatedAtMs`)
 *   rebuilds that account's runtime.
 */
import type { AccountRegistry, RegisteredAccount } from '../../lib/app/store-ports';
import type { GuardrailLimits } from '../../lib/domain/policy-types';
import { buildRuntime, buildStores, type Runtime, type RuntimeConfig, type RuntimeOverrides, type RuntimeStores } from './runtime';

export type AccountUnavailableReason = 'unknown' | 'disabled';

/** The account is not one this deployment serves: not registered, or disabled. Nothing was done for it. */
export class AccountUnavailableError extends Error {
  override readonly name = 'AccountUnavailableError';

  constructor(
    readonly accountId: string,
    readonly reason: AccountUnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

/** The default lifetime of the registry as read (a disable takes effect within it). */
export const DEFAULT_REGISTRY_TTL_MS = 5 * 60_000;

export interface AccountRuntimesOptions {
  /** The deployment's configuration: its account, secret, tables, pace. */
  config: RuntimeConfig & { guardrails?: GuardrailLimits };
  /** The overrides of the deployment's runtime; other accounts inherit all but `credentials` and `stores`. */
  overrides?: RuntimeOverrides;
  /** The deployment's runtime when built elsewhere (else built from `config` and `overrides`). */
  runtime?: Runtime;
  /** Default: the deployment runtime's `stores.accounts` (on `config.policiesTable`); none without that table (only the deployment's account is served). */
  registry?: AccountRegistry;
  registryTtlMs?: number;
}

/** An account's runtime and the settings that are its own. */
export interface AccountRuntime {
  accountId: string;
  runtime: Runtime;
  /** The account's guardrails (its entry's fields, else the deployment's); undefined when the deployment has none. */
  guardrails?: GuardrailLimits;
  /** Its registry entry; undefined for the deployment's account when it is not registered. */
  entry?: RegisteredAccount;
}

interface RegistryView {
  byId: Map<string, RegisteredAccount>;
  readAtMs: number;
}

export class AccountRuntimes {
  /** The deployment's own account's runtime (logger, metrics and clock are shared by every account). */
  readonly deployment: Runtime;
  private readonly config: AccountRuntimesOptions['config'];
  private readonly overrides: RuntimeOverrides;
  private readonly registry: AccountRegistry | undefined;
  private readonly ttlMs: number;
  private readonly built = new Map<string, { updatedAtMs: number; runtime: Runtime }>();
  private view: Promise<RegistryView> | undefined;

  constructor(options: AccountRuntimesOptions) {
    this.config = options.config;
    this.overrides = options.overrides ?? {};
    const own = this.overrides.accountOverrides?.(this.config.accountId) ?? {};
    this.deployment = options.runtime ?? buildRuntime(this.config, { ...this.overrides, ...own });
    this.ttlMs = options.registryTtlMs ?? DEFAULT_REGISTRY_TTL_MS;
    this.registry = options.registry ?? (this.config.policiesTable !== undefined && this.config.policiesTable !== '' ? this.deployment.stores.accounts : undefined);
  }

  get deploymentAccountId(): string {
    return this.config.accountId;
  }

  /** Forgets the registry as read: the next `resolve` reads it again (a sweep's start). */
  refresh(): void {
    this.view = undefined;
  }

  /**
   * The runtime of `accountId` (the deployment's when absent); throws `AccountUnavailableError`.
   * `allowDisabled`: a disabled account is answered too (to finish bookkeeping it started).
   */
  async resolve(accountId: string = this.config.accountId, options: { allowDisabled?: boolean } = {}): Promise<AccountRuntime> {
    const view = await this.readRegistry();
    return this.resolveIn(view, accountId, options.allowDisabled === true);
  }

  /**
   * The accounts served now, in id order: the enabled registered ones, and the deployment's own
   * account unless the registry disables it.
   */
  async enabledAccountIds(): Promise<string[]> {
    const view = await this.readRegistry();
    const ids = new Set([...view.byId.values()].filter((entry) => entry.enabled).map((entry) => entry.accountId));
    if (view.byId.get(this.config.accountId)?.enabled !== false) ids.add(this.config.accountId);
    return [...ids].sort();
  }

  /** The stores of an account's partition, without a TeraBox session (to record what was refused for it). */
  storesOf(accountId: string): RuntimeStores {
    return buildStores({ ...this.config, accountId }, this.overrides.dynamoClient ? { dynamoClient: this.overrides.dynamoClient } : {});
  }

  /** Closes every runtime's TeraBox connections (tests, the local run). */
  close(): void {
    this.deployment.close();
    for (const { runtime } of this.built.values()) runtime.close();
    this.built.clear();
  }

  private resolveIn(view: RegistryView, accountId: string, allowDisabled: boolean): AccountRuntime {
    const entry = view.byId.get(accountId);
    if (entry !== undefined && !entry.enabled && !allowDisabled) {
      throw new AccountUnavailableError(accountId, 'disabled', `account "${accountId}" is disabled in the account registry (share-lifecycle accounts enable ${accountId})`);
    }
    const guardrails = guardrailsOf(this.config.guardrails, entry);
    if (accountId === this.config.accountId) {
      return { accountId, runtime: this.deployment, ...(this.config.guardrails ? { guardrails: this.config.guardrails } : {}), ...(entry ? { entry } : {}) };
    }
    if (entry === undefined) {
      const where = this.registry === undefined ? 'this function has no account registry (POLICIES_TABLE)' : 'it is not in the account registry';
      throw new AccountUnavailableError(accountId, 'unknown', `account "${accountId}" is not served by this deployment: ${where} (share-lifecycle accounts add)`);
    }
    const cached = this.built.get(accountId);
    if (cached !== undefined && cached.updatedAtMs === entry.updatedAtMs) return { accountId, runtime: cached.runtime, entry, ...(guardrails ? { guardrails } : {}) };
    cached?.runtime.close();
    const runtime = this.build(entry);
    this.built.set(accountId, { updatedAtMs: entry.updatedAtMs, runtime });
    return { accountId, runtime, entry, ...(guardrails ? { guardrails } : {}) };
  }

  private build(entry: RegisteredAccount): Runtime {
    const { credentials: _credentials, stores: _stores, accountOverrides, ...inherited } = this.overrides;
    const deployment = this.deployment;
    const config: RuntimeConfig = {
      ...this.config,
      accountId: entry.accountId,
      teraboxSecretId: entry.secretName,
      teraboxBaseUrl: entry.baseUrl,
      ...(entry.requestsPerSecond !== undefined ? { requestsPerSecond: entry.requestsPerSecond } : {}),
    };
    const own = accountOverrides?.(entry.accountId) ?? {};
    return buildRuntime(config, {
      ...inherited,
      functionName: deployment.functionName,
      logger: deployment.logger,
      metrics: deployment.metrics,
      clock: deployment.clock,
      ...own,
      // Policies and exemptions are stored once, in the deployment account's partition.
      stores: {
        get policies() {
          return deployment.stores.policies;
        },
        ...own.stores,
      },
    });
  }

  private readRegistry(): Promise<RegistryView> {
    const now = this.deployment.clock.now();
    if (this.view !== undefined) return this.view.then((view) => (now - view.readAtMs < this.ttlMs ? view : this.reread(now)));
    return this.reread(now);
  }

  private reread(now: number): Promise<RegistryView> {
    const registry = this.registry;
    const read: Promise<RegistryView> =
      registry === undefined
        ? Promise.resolve({ byId: new Map(), readAtMs: now })
        : registry.list().then(({ accounts, invalid }) => {
            if (invalid.length > 0) this.deployment.logger.warn('invalid account registry items are ignored', { invalid: invalid.map((i) => ({ itemId: i.itemId, errors: i.errors })) });
            return { byId: new Map(accounts.map((entry) => [entry.accountId, entry])), readAtMs: now };
          });
    this.view = read;
    // A failed read is not kept: the next call reads again.
    read.catch(() => {
      if (this.view === read) this.view = undefined;
    });
    return read;
  }
}

/** The account's guardrails: each field of its entry, else the deployment's. */
export function guardrailsOf(base: GuardrailLimits | undefined, entry: RegisteredAccount | undefined): GuardrailLimits | undefined {
  if (base === undefined) return undefined;
  return {
    maxCancellations: entry?.guardrails?.maxCancellations ?? base.maxCancellations,
    maxCancellationPercent: entry?.guardrails?.maxCancellationPercent ?? base.maxCancellationPercent,
  };
}
