/**
 * The boundary between two listing chunks: the page a chunk read last, read again by the next
 * chunk. TeraBox lists newest first, so between chunks a created share pushes the list down and
 * a cancelled one pulls it up; pulled up, shares would slip past the boundary unseen.
 */

/** What the re-read page says about the list since the earlier chunk read it. */
export type BoundaryReading<T> =
  /** The same ids in the same order: nothing moved here. */
  | { kind: 'unchanged' }
  /**
   * The list moved and it can be told how: `movedUp` are the shares after the anchor (the last
   * share of the earlier page still on it) that were not on the earlier page, i.e. shares that
   * came up from the next page (empty when the list only moved down). Shares before the anchor
   * were read already or are new.
   */
  | { kind: 'moved'; anchor: string; movedUp: T[] }
  /** The list moved in a way that cannot be reconciled: the listing must start again. */
  | { kind: 'unreconcilable'; reason: string };

/**
 * Compares the page as the earlier chunk read it (`previousIds`, in order) with the page as it
 * reads now. Only a list proven newest first can be reconciled: otherwise a position says
 * nothing about which shares moved where.
 */
export function reconcileBoundary<T extends { shareId: string }>(previousIds: readonly string[], current: readonly T[], orderProven: boolean): BoundaryReading<T> {
  if (current.length === previousIds.length && current.every((share, i) => share.shareId === previousIds[i])) return { kind: 'unchanged' };
  if (!orderProven) return { kind: 'unreconcilable', reason: 'the page changed and the list is not proven newest first' };
  const position = new Map<string, number>();
  current.forEach((share, i) => position.set(share.shareId, i));
  let anchorAt = -1;
  for (let i = previousIds.length - 1; i >= 0 && anchorAt < 0; i--) anchorAt = position.get(previousIds[i]!) ?? -1;
  if (anchorAt < 0) return { kind: 'unreconcilable', reason: `none of the ${previousIds.length} shares it held is on it any more` };
  const before = new Set(previousIds);
  const movedUp = current.slice(anchorAt + 1).filter((share) => !before.has(share.shareId));
  return { kind: 'moved', anchor: current[anchorAt]!.shareId, movedUp };
}
