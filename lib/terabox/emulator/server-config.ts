/**
 * The server's settings: EmulatorOptions with every default filled in and checked, so that the
 * routes read plain values. Throws RangeError for an option out of range, before anything listens.
 */
import { IneffectiveCancels } from './cancel-faults';
import { ERRNO } from './exchange';
import { isShapeVariant, type ShapeVariant } from './variants';
import type {
  CancelMissingMode,
  EmulatorOptions,
  ListOrder,
  MainNdusCookie,
  MainPageForm,
  OrderParamMode,
  OversizePageMode,
  ResponseShape,
  SharelistScope,
  WriteAnswerBody,
} from './types';

/** Baidu caps one operation at 999 items (errno -33) [B]. */
const MAX_CANCEL_IDS = 999;

export interface ServerConfig {
  shape: ResponseShape;
  reportTotal: boolean;
  pageSizeMax: number;
  oversizePage: OversizePageMode;
  regionPrefix: string | undefined;
  mainRedirect: string | undefined;
  cancelMissing: CancelMissingMode;
  cancelMissingErrno: number;
  cancelMaxIds: number;
  cancelTooManyErrno: number;
  cancelBody: WriteAnswerBody;
  psetBody: WriteAnswerBody;
  mainPageForm: MainPageForm;
  mainNdusCookie: MainNdusCookie | undefined;
  requireMainCookies: boolean;
  strictCookieOrder: boolean;
  linkHost: string;
  sharelistScope: SharelistScope;
  listOrder: ListOrder;
  orderParam: OrderParamMode;
  variant: ShapeVariant | undefined;
  ineffectiveCancels: IneffectiveCancels;
}

function wholeNumberOption(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number >= 1 (got ${n})`);
  return n;
}

export function resolveServerConfig(options: EmulatorOptions): ServerConfig {
  const pageSizeMax = wholeNumberOption('pageSizeMax', options.pageSizeMax, 100);
  const cancelMaxIds = wholeNumberOption('cancelMaxIds', options.cancelMaxIds, MAX_CANCEL_IDS);
  const cancelMissing = options.cancelMissing ?? 'ok';
  const config: ServerConfig = {
    shape: options.shape ?? 'seed',
    reportTotal: options.reportTotal ?? true,
    pageSizeMax,
    oversizePage: options.oversizePage ?? 'clamp',
    regionPrefix: options.regionPrefix,
    mainRedirect: options.mainRedirect?.replace(/\/+$/, ''),
    cancelMissing,
    cancelMissingErrno: options.cancelMissingErrno ?? (cancelMissing === 'refuse-batch' ? ERRNO.someNotCancelled : ERRNO.shareGone),
    cancelMaxIds,
    cancelTooManyErrno: options.cancelTooManyErrno ?? ERRNO.tooManyItems,
    cancelBody: options.cancelBody ?? 'normal',
    psetBody: options.psetBody ?? 'normal',
    mainPageForm: options.mainPageForm ?? 'template',
    mainNdusCookie: options.mainNdusCookie,
    requireMainCookies: options.requireMainCookies ?? false,
    strictCookieOrder: options.strictCookieOrder ?? false,
    linkHost: options.linkHost ?? 'www.terabox.com',
    sharelistScope: options.sharelistScope ?? 'all',
    listOrder: options.listOrder ?? 'newest-first',
    orderParam: options.orderParam ?? 'honor',
    variant: options.variant,
    ineffectiveCancels: new IneffectiveCancels(options.cancelIneffective),
  };
  if (!['all', 'transfer-only'].includes(config.sharelistScope)) throw new RangeError(`sharelistScope must be 'all' or 'transfer-only'`);
  if (!['newest-first', 'oldest-first', 'unordered'].includes(config.listOrder)) throw new RangeError(`listOrder must be 'newest-first', 'oldest-first' or 'unordered'`);
  if (!['honor', 'ignore'].includes(config.orderParam)) throw new RangeError(`orderParam must be 'honor' or 'ignore'`);
  if (config.variant !== undefined && !isShapeVariant(config.variant)) throw new RangeError(`unknown shape variant ${JSON.stringify(config.variant)}`);
  return config;
}
