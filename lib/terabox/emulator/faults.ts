/**
 * Fault injection: the faults in force, their seeded draws, the latency and the jsToken rotation.
 * One draw per API request picks at most one fault (see FaultSpec); /main only gets the latency.
 * http5xx, html and rateLimit answer instead of the route; drop and timeout strike after the
 * route ran (server.ts), so that the share is created or cancelled and the answer is lost.
 */
import { errno, html, type Reply } from './exchange';
import { createPrng, STREAM, type Prng } from './prng';
import { gatewayErrorPage, loginPage } from './responses';
import { resolveFaultSpec } from './specs';
import type { EmulatorState } from './state';
import type { FaultSpec } from './types';

export type FaultKind = 'drop' | 'timeout' | 'http5xx' | 'html' | 'rateLimit';
/** The faults that answer in place of the route. */
export type AnsweringFault = 'http5xx' | 'html' | 'rateLimit';
const FAULT_ORDER: readonly FaultKind[] = ['drop', 'timeout', 'http5xx', 'html', 'rateLimit'];

/** One draw in [0,1) against consecutive bands of the fault rates: at most one fault per request. */
export function drawFault(faults: FaultSpec, draw: number, path: string): FaultKind | undefined {
  if (faults.paths.length > 0 && !faults.paths.includes(path)) return undefined;
  let edge = 0;
  for (const kind of FAULT_ORDER) {
    edge += faults[kind];
    if (draw < edge) return kind;
  }
  return undefined;
}

export function isAnsweringFault(kind: FaultKind | undefined): kind is AnsweringFault {
  return kind === 'http5xx' || kind === 'html' || kind === 'rateLimit';
}

/** The faults of one running emulator. */
export class FaultInjector {
  private readonly rng: Prng;
  private readonly timers = new Set<NodeJS.Timeout>();
  private apiRequests = 0;

  constructor(
    private spec: FaultSpec,
    seed: number,
  ) {
    this.rng = createPrng(seed, STREAM.faults);
  }

  /** The faults in force (the live object: routes read its shape and variant overrides). */
  get current(): FaultSpec {
    return this.spec;
  }

  /** See RunningEmulator.setFaults. */
  set(next: Partial<FaultSpec> | string): void {
    this.spec = resolveFaultSpec(next, this.spec);
    this.apiRequests = 0;
  }

  /** The latency (plus jitter) of one request, in ms. */
  drawDelayMs(): number {
    return this.spec.latencyMs + (this.spec.jitterMs > 0 ? this.rng.next() * this.spec.jitterMs : 0);
  }

  /** Waits `ms`; cancelDelays() leaves the wait pending forever (close() ends its socket). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Counts one API request (rotating the jsToken every rotateEvery) and draws its fault, if any. */
  drawForApiRequest(path: string, state: EmulatorState): FaultKind | undefined {
    this.apiRequests++;
    if (this.spec.rotateEvery > 0 && this.apiRequests % this.spec.rotateEvery === 0) state.rotateJsToken();
    return drawFault(this.spec, this.rng.next(), path);
  }

  /** The answer of a fault that replaces the route's. */
  reply(kind: AnsweringFault): Reply {
    if (kind === 'html') return html(200, loginPage());
    if (kind === 'rateLimit') return errno(this.spec.rateLimitErrno, 'too many requests');
    const status = [500, 502, 503][this.rng.int(3)] as number;
    return this.rng.next() < 0.5 ? html(status, gatewayErrorPage(status)) : { status, headers: {}, body: '' };
  }

  /** Drops pending latency timers (their requests are never answered; close() ends the sockets). */
  cancelDelays(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
