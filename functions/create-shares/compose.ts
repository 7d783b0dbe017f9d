/** Builds the create-shares runtimes and use case (the handler only parses, calls and shapes). */
import {
  BatchShareIdLookup,
  createShareFromRequest,
  DEFAULT_CREATE_SHARE_SETTINGS,
  type CreateShareDeps,
  type CreateShareOutcome,
  type CreateShareSettings,
} from '../../lib/app/create-share';
import type { CreateSharesConfig } from '../../lib/config/env';
import type { ParseShareRequestResult } from '../../lib/contracts/share-request';
import { AccountRuntimes, AccountUnavailableError, classifyTeraboxCreateFailure, useCaseLog, type AccountRuntime, type Runtime, type RuntimeOverrides } from '../shared';

export const FUNCTION_NAME = 'create-shares';

export interface CreateSharesHandlerDeps {
  config: CreateSharesConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** The deployment account's runtime built elsewhere; other accounts are built from `overrides`. */
  runtime?: Runtime;
  /** Use case settings (claim lifetime, search reach). */
  settings?: Partial<CreateShareSettings>;
}

/** What the records of one invocation share: one share id lookup per account (one `sharelist` read each). */
export interface CreateBatch {
  lookupFor(runtime: Runtime): BatchShareIdLookup;
}

export interface ComposedCreate {
  /** The deployment account's runtime (its logger and metrics serve every account). */
  runtime: Runtime;
  accounts: AccountRuntimes;
  newBatch(): CreateBatch;
  createShare(parsed: ParseShareRequestResult, batch: CreateBatch): Promise<CreateShareOutcome>;
}

type AccountChoice = { ok: true; account: AccountRuntime } | { ok: false; reason: string };

/**
 * The account a request is made on: the one it names (registered and enabled, or the
 * deployment's own), or, when it names none, the deployment's account if that is the only one
 * served; with several, the requester must name one.
 */
async function chooseAccount(accounts: AccountRuntimes, named: string | undefined): Promise<AccountChoice> {
  try {
    if (named !== undefined) return { ok: true, account: await accounts.resolve(named) };
    const served = await accounts.enabledAccountIds();
    if (served.some((id) => id !== accounts.deploymentAccountId)) return { ok: false, reason: `account: name the account: one of ${served.join(', ')}` };
    return { ok: true, account: await accounts.resolve() };
  } catch (error) {
    if (error instanceof AccountUnavailableError) return { ok: false, reason: `account: ${error.message}` };
    throw error;
  }
}

export function composeCreate(deps: CreateSharesHandlerDeps): ComposedCreate {
  const accounts = new AccountRuntimes({ config: deps.config, overrides: { functionName: FUNCTION_NAME, ...deps.overrides }, ...(deps.runtime ? { runtime: deps.runtime } : {}) });
  const runtime = accounts.deployment;
  const lookupOptions = {
    maxShares: deps.settings?.shareIdLookupShares ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupShares,
    maxWaitMs: deps.settings?.shareIdLookupMaxWaitMs ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupMaxWaitMs,
  };
  // Built on first use per account (the stores and the event publisher are lazy), then reused.
  const bases = new WeakMap<Runtime, CreateShareDeps>();
  const useCase = (own: Runtime): CreateShareDeps => {
    let base = bases.get(own);
    if (base === undefined) {
      base = {
        shareRecords: own.stores.shareRecords,
        terabox: own.terabox,
        events: own.events,
        clock: own.clock,
        classifyFailure: classifyTeraboxCreateFailure,
        log: useCaseLog(own.logger),
        ...(deps.settings !== undefined ? { settings: deps.settings } : {}),
      };
      bases.set(own, base);
    }
    return base;
  };
  const newBatch = (): CreateBatch => {
    const lookups = new Map<Runtime, BatchShareIdLookup>();
    return {
      lookupFor(own) {
        let lookup = lookups.get(own);
        if (lookup === undefined) lookups.set(own, (lookup = new BatchShareIdLookup(own.terabox, lookupOptions)));
        return lookup;
      },
    };
  };
  const createShare = async (parsed: ParseShareRequestResult, batch: CreateBatch): Promise<CreateShareOutcome> => {
    if (!parsed.ok) return createShareFromRequest(useCase(runtime), parsed);
    const choice = await chooseAccount(accounts, parsed.request.account);
    if (!choice.ok) {
      // Recorded as rejected in the deployment account's partition, like any other invalid request; never retried.
      const { requestId, requester } = parsed.request;
      return createShareFromRequest(useCase(runtime), { ok: false, kind: 'invalid', requestId, requester, errors: [choice.reason] });
    }
    const own = choice.account.runtime;
    return createShareFromRequest({ ...useCase(own), shareIdLookup: batch.lookupFor(own) }, parsed);
  };
  return { runtime, accounts, newBatch, createShare };
}
