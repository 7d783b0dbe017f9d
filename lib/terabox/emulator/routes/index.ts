/** The emulator's route table: one entry per endpoint the client uses. */
import type { EmulatorEndpoint } from '../types';
import type { Route } from './context';
import { apiList } from './file-list';
import { checkLogin, main } from './session';
import { cancel } from './share-cancel';
import { pset } from './share-create';
import { shareList, shareRecord } from './share-lists';

export type { Route, RouteContext } from './context';
export { missingMainCookies } from './session';

export const ROUTES: Readonly<Record<EmulatorEndpoint, Route>> = {
  '/api/check/login': { method: 'GET', handle: checkLogin },
  '/main': { method: 'GET', handle: main },
  '/share/pset': { method: 'POST', handle: pset },
  '/share/teratransfer/sharelist': { method: 'GET', handle: shareList },
  '/share/record': { method: 'GET', handle: shareRecord },
  '/share/cancel': { method: 'POST', handle: cancel },
  '/api/list': { method: 'GET', handle: apiList },
};

export function routeFor(path: string): Route | undefined {
  return Object.hasOwn(ROUTES, path) ? ROUTES[path as EmulatorEndpoint] : undefined;
}
