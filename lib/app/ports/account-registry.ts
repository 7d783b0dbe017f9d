/**
 * The account registry: the TeraBox accounts one deployment serves (issue 15). Entries are
 * validated contracts (lib/contracts/account-entry.ts); an item that is not a valid entry (edited
 * by hand) is reported beside the valid ones and never used.
 */
import type { AccountEntry } from '../../contracts/account-entry';

/** An entry as stored, with its bookkeeping times (epoch ms). */
export interface RegisteredAccount extends AccountEntry {
  createdAtMs: number;
  updatedAtMs: number;
}

/** A stored item that is not a valid entry: its key and what is wrong with it. */
export interface InvalidAccountItem {
  itemId: string;
  errors: string[];
}

export interface AccountRegistry {
  /** Every account in id order, and the items that are not valid entries. Strongly consistent. */
  list(): Promise<{ accounts: RegisteredAccount[]; invalid: InvalidAccountItem[] }>;
  /** The account, undefined when there is none; throws a StoreError naming the problem when its item is invalid. */
  get(accountId: string): Promise<RegisteredAccount | undefined>;
  /** Adds an account; false (nothing written) when the id is taken. */
  add(entry: AccountEntry, nowMs: number): Promise<boolean>;
  /** Enables or disables an account; undefined when there is none. */
  setEnabled(accountId: string, enabled: boolean, nowMs: number): Promise<RegisteredAccount | undefined>;
  /** Removes an account; false when there was none. */
  remove(accountId: string): Promise<boolean>;
}
