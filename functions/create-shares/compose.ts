/** Builds the create-shares runtime and use case (the handler only parses, calls and shapes). */
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
import { buildRuntime, classifyTeraboxCreateFailure, useCaseLog, type Runtime, type RuntimeOverrides } from '../shared';

export const FUNCTION_NAME = 'create-shares';

export interface CreateSharesHandlerDeps {
  config: CreateSharesConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** A runtime built elsewhere; when given, `overrides` is ignored. */
  runtime?: Runtime;
  /** Use case settings (claim lifetime, search reach). */
  settings?: Partial<CreateShareSettings>;
}

export interface ComposedCreate {
  runtime: Runtime;
  /** One share id lookup per invocation: the records of a batch share one `sharelist` read. */
  newShareIdLookup(): BatchShareIdLookup;
  createShare(parsed: ParseShareRequestResult, shareIdLookup: BatchShareIdLookup): Promise<CreateShareOutcome>;
}

export function composeCreate(deps: CreateSharesHandlerDeps): ComposedCreate {
  const runtime = deps.runtime ?? buildRuntime(deps.config, { functionName: FUNCTION_NAME, ...deps.overrides });
  const lookupOptions = {
    maxShares: deps.settings?.shareIdLookupShares ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupShares,
    maxWaitMs: deps.settings?.shareIdLookupMaxWaitMs ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupMaxWaitMs,
  };
  // Built on the first invocation (the stores and the event publisher are lazy), then reused.
  let base: CreateShareDeps | undefined;
  const useCase = (): CreateShareDeps =>
    (base ??= {
      shareRecords: runtime.stores.shareRecords,
      terabox: runtime.terabox,
      events: runtime.events,
      clock: runtime.clock,
      classifyFailure: classifyTeraboxCreateFailure,
      log: useCaseLog(runtime.logger),
      ...(deps.settings !== undefined ? { settings: deps.settings } : {}),
    });
  return {
    runtime,
    newShareIdLookup: () => new BatchShareIdLookup(runtime.terabox, lookupOptions),
    createShare: (parsed, shareIdLookup) => createShareFromRequest({ ...useCase(), shareIdLookup }, parsed),
  };
}
