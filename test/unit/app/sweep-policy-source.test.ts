import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyFileSource, policyItemsFromJson, policyStoreSource, PolicySourceError } from '../../../lib/app/policy-source';
import { maxAgePolicy } from './sweep-fakes';

describe('policy sources of the sweep', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sweep-policies-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a policy file into policies and global exemptions, unvalidated', async () => {
    const path = join(dir, 'policies.json');
    const exemption = { kind: 'exemption', exemptionId: 'legal', shareIds: ['1'], reason: 'hold' };
    const broken = { policyId: 'broken', rule: { type: 'max-age', maxAgeDays: -1 } };
    await writeFile(path, JSON.stringify([maxAgePolicy(), exemption, broken]));
    const source = policyFileSource(path);
    expect(source.description).toBe(`policy file ${path}`);
    expect(await source.load()).toEqual({ policies: [maxAgePolicy(), broken], exemptions: [exemption], unrecognized: [] });
  });

  it('reads a policy file saved with a UTF-8 byte-order mark (as Windows editors save it)', async () => {
    const path = join(dir, 'bom.json');
    await writeFile(path, `\uFEFF${JSON.stringify([maxAgePolicy()])}`, 'utf8');
    expect(await policyFileSource(path).load()).toEqual({ policies: [maxAgePolicy()], exemptions: [], unrecognized: [] });
  });

  it.each([
    ['a missing file', null, /: no such file$/],
    ['text that is not JSON', '[{"policyId": ', /: not valid JSON \(/],
    ['JSON that is not an array', '{"policyId": "x"}', /: must be a JSON array of policies and exemptions$/],
  ])('refuses %s with a clear error', async (_label, content, message) => {
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    if (content !== null) await writeFile(path, content);
    const error = await policyFileSource(path).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicySourceError);
    expect((error as Error).name).toBe('PolicySourceError');
    expect((error as Error).message).toMatch(message);
  });

  it('reads the policies table through the store', async () => {
    const items = { policies: [maxAgePolicy()], exemptions: [], unrecognized: [{ itemId: 'x', reason: 'unknown kind' }] };
    const source = policyStoreSource({ loadItems: async () => items });
    expect(source.description).toBe('policies table');
    expect(await source.load()).toBe(items);
  });

  it('treats elements that are not objects as policies, so that validation reports them', () => {
    expect(policyItemsFromJson([1, 'x', null])).toEqual({ policies: [1, 'x', null], exemptions: [], unrecognized: [] });
  });
});
