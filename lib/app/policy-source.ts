/**
 * Where a sweep's policies come from: the policies table (the Lambda, the CLI against a deployed
 * stack) or a JSON file (the CLI's `--policies-file`, so that a user can try policies against an
 * account before deploying them). Both give raw, unvalidated items; the sweep validates them with
 * `validatePolicyItems`, so an invalid item is reported and skipped the same way whatever its source.
 */
import { readFile } from 'node:fs/promises';
import type { PolicyItems, PolicyStore } from './store-ports';
import { isRecord } from '../shared/records';
import { stripByteOrderMark } from '../shared/text';

/** The raw policy items of one account (see `PolicyItems`). */
export interface PolicySource {
  /** Where the items come from, for reports and errors (`policies table`, `file policies.json`). */
  readonly description: string;
  /** Throws `PolicySourceError` (or the store's error) when the source as a whole cannot be read. */
  load(): Promise<PolicyItems>;
}

/** The source as a whole could not be read (missing file, not JSON, not an array). */
export class PolicySourceError extends Error {
  override readonly name = 'PolicySourceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Policies from the policies table (`PolicyStore.loadItems`). */
export function policyStoreSource(store: Pick<PolicyStore, 'loadItems'>, description = 'policies table'): PolicySource {
  return { description, load: () => store.loadItems() };
}

/**
 * Splits the elements of a policy file the way the table is split: elements with
 * `"kind": "exemption"` are global exemptions, everything else is a policy (validation then
 * names whatever is wrong with it). Throws `PolicySourceError` when `json` is not an array.
 */
export function policyItemsFromJson(json: unknown, description = 'policy file'): PolicyItems {
  if (!Array.isArray(json)) throw new PolicySourceError(`${description}: must be a JSON array of policies and exemptions`);
  const items: PolicyItems = { policies: [], exemptions: [], unrecognized: [] };
  for (const element of json as unknown[]) {
    if (isRecord(element) && element.kind === 'exemption') items.exemptions.push(element);
    else items.policies.push(element);
  }
  return items;
}

/**
 * Policies from a JSON file: an array of policies and exemptions, the same JSON the table holds
 * (`share-lifecycle policies apply FILE` takes the same file). Read at every `load()`, so a
 * long-running local loop sees edits. `read` is injected in tests.
 */
export function policyFileSource(
  path: string,
  options: { read?: (path: string) => Promise<string> } = {},
): PolicySource {
  const read = options.read ?? ((p: string) => readFile(p, 'utf8'));
  const description = `policy file ${path}`;
  return {
    description,
    async load() {
      let text: string;
      try {
        text = await read(path);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const why = code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : 'cannot be read';
        throw new PolicySourceError(`${description}: ${why}`, { cause: error });
      }
      let json: unknown;
      try {
        json = JSON.parse(stripByteOrderMark(text)) as unknown;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new PolicySourceError(`${description}: not valid JSON (${detail})`, { cause: error });
      }
      return policyItemsFromJson(json, description);
    },
  };
}

/** Policies given in memory (tests, the local run's sample policies). */
export function staticPolicySource(items: readonly unknown[], description = 'policies given in memory'): PolicySource {
  return { description, load: async () => policyItemsFromJson([...items], description) };
}
