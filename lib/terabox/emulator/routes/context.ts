/** What every emulator route is given, and the shape of a route. */
import type { EmulatorRequest, Reply } from '../exchange';
import type { ServerConfig } from '../server-config';
import type { EmulatorState } from '../state';
import type { FaultSpec } from '../types';

export interface RouteContext {
  state: EmulatorState;
  config: ServerConfig;
  /** The faults in force at this request (a runtime shape or variant override applies). */
  faults(): FaultSpec;
  /** The server's own origin (known once it listens), for redirects to /login. */
  origin(): string;
}

export interface Route {
  method: 'GET' | 'POST';
  handle(request: EmulatorRequest, ctx: RouteContext): Reply;
}
