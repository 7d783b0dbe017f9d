/**
 * The `cancelIneffective` fault: `/share/cancel` answers errno 0 and keeps some shares, as a
 * TeraBox that acknowledges a cancel it did not carry out would. The sweep's cancel verification
 * (lib/app/cancel-verification.ts) must notice it from the next complete listing.
 * - `'always'`: no cancel removes any share.
 * - `'once'`: each share survives its first cancel; a later one removes it.
 * - a list of share ids: those shares survive every cancel; the others are cancelled.
 */
export type CancelIneffectiveMode = 'always' | 'once' | readonly string[];

/** Decides, share by share, whether a cancel the emulator answers 0 really removes it. */
export class IneffectiveCancels {
  private readonly survived = new Set<string>();
  private readonly ids: ReadonlySet<string> | undefined;

  constructor(private readonly mode: CancelIneffectiveMode | undefined) {
    this.ids = Array.isArray(mode) ? new Set(mode) : undefined;
  }

  /** true when this cancel of `shareId` is answered but does not remove the share. */
  keeps(shareId: string): boolean {
    if (this.mode === undefined) return false;
    if (this.mode === 'always') return true;
    if (this.ids !== undefined) return this.ids.has(shareId);
    if (this.survived.has(shareId)) return false;
    this.survived.add(shareId);
    return true;
  }
}
