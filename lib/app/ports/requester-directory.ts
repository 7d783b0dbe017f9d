/** The requester directory port: where a requester's notices go, and the account's fallback. */
import type { FallbackEntry, RequesterEntry, RequesterEntryInput } from '../../contracts/requester-entry';

export type { FallbackEntry, RequesterEntry, RequesterEntryInput } from '../../contracts/requester-entry';

export interface DirectoryEntry extends RequesterEntry {
  createdAtMs: number;
  updatedAtMs: number;
}

/** A directory item that is not a valid entry (edited by hand): reported, never used. */
export interface InvalidDirectoryItem {
  itemId: string;
  errors: string[];
}

export interface RequesterDirectory {
  /** The entry of `requester`, or undefined. Throws a StoreError on an invalid item. */
  get(requester: string): Promise<DirectoryEntry | undefined>;
  list(): Promise<{ entries: DirectoryEntry[]; fallback?: FallbackEntry; invalid: InvalidDirectoryItem[] }>;
  /** Writes (creates or replaces) an entry after validating it; `createdAtMs` survives a replace. */
  set(entry: RequesterEntryInput, nowMs: number): Promise<DirectoryEntry>;
  /** Whether there was an entry to remove. */
  remove(requester: string): Promise<boolean>;
  /** The account's fallback addresses (undefined when none is set). */
  getFallback(): Promise<FallbackEntry | undefined>;
  setFallback(entry: FallbackEntry, nowMs: number): Promise<void>;
  removeFallback(): Promise<boolean>;
}
