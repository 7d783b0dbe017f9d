/**
 * The normalized TeraBox share, as every part of the product sees it.
 *
 * Ids are kept as decimal strings: TeraBox returns them as JSON numbers or strings, and the
 * client parses responses losslessly so that an id beyond 2^53 is never rounded into another
 * share's id.
 */
export type ShareId = string;

export type Visibility = 'public' | 'private';

export interface Share {
  /** Decimal string, exact. */
  shareId: ShareId;
  /** The short url code in canonical form (`1aBcDeF`, see short-url.ts), when present. */
  shortUrl?: string;
  /** The full public link (`https://<host>/s/1...`), derived from the short url when only that is given. */
  link?: string;
  /** Absolute paths of the shared items that are known (`typicalPath` and friends). Empty = unknown. */
  paths: string[];
  /** fs ids of the shared items (decimal strings), when known. */
  fsIds: string[];
  /** TeraBox's creation time (epoch ms), when given. */
  createdAtMs?: number;
  /** When the link expires (epoch ms); null = permanent; undefined = unknown. */
  expiresAtMs?: number | null;
  /** TeraBox reports the link as already expired (`expiredType: -1`). */
  expired?: boolean;
  /** undefined = TeraBox did not say. */
  visibility?: Visibility;
  status?: number;
  /**
   * TeraBox marks the share dead: `status: 9`, or a `typicalPath` holding Baidu's status text
   * "分享的文件已被删除" (the shared file was deleted) instead of a path. A dead share is still
   * listed and still cancellable; its paths are unknown (never a status text), so path rules and
   * path exemptions cannot judge it, while age and visibility rules still can.
   */
  dead?: true;
  /** Why `dead` is set, e.g. `status 9` (for reports). */
  deadReason?: string;
  viewCount?: number;
  downloadCount?: number;
  saveCount?: number;
  /** The whole item as TeraBox sent it, for diagnosis (never holds credentials). */
  raw: Record<string, unknown>;
}

/** Everything the product knows about one share when it evaluates it. */
export interface ShareFacts {
  share: Share;
  /** Who asked for it through the queue, when the product created it. */
  requester?: string;
  /** When the product created it (epoch ms), from the share records. */
  recordedCreatedAtMs?: number;
  /** When a sweep first saw it (epoch ms), from the inventory. */
  firstSeenAtMs?: number;
  /** Grace marks: policy id -> when the share was first found breaking it (epoch ms). */
  violatingSince?: Record<string, number>;
  /**
   * Policy id -> when the `ShareMarkedForCancel` notice of that mark was accepted by the event bus
   * (epoch ms). The grace period counts from here, never from the mark: a mark without it is
   * waiting for its notice and cannot lead to a cancellation.
   */
  notifiedAt?: Record<string, number>;
}

export const DEFAULT_ACCOUNT_ID = 'default';
