/**
 * Typed factories of the reliability tests: policy sets, share-request messages for emulator
 * files, and a seeded PRNG for reproducible shuffles.
 */
import type { Policy } from '../../lib/domain/policy-types';
import type { ShareRequestMessage } from '../../lib/contracts/share-request';
import { mulberry32 } from '../../lib/terabox/emulator/prng';

/** An enforcing max-age policy over every share. */
export function aMaxAgePolicy(maxAgeDays: number, overrides: Partial<Policy> = {}): Policy {
  return {
    policyId: `older-than-${maxAgeDays}-days`,
    enabled: true,
    mode: 'enforce',
    rule: { type: 'max-age', maxAgeDays },
    graceHours: 0,
    ...overrides,
  };
}

/** An enforcing name policy against secret-looking files (the emulator's seed has some). */
export function aSecretFilesPolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    policyId: 'no-secret-files',
    enabled: true,
    mode: 'enforce',
    rule: { type: 'name', deny: ['**/*.env', '**/*.pem', '**/*.key'] },
    exempt: { pathPrefixes: ['/Public/evergreen/'] },
    graceHours: 0,
    ...overrides,
  };
}

/** A share request for one path, public, 7 days. */
export function aPathRequest(requestId: string, path: string, overrides: Partial<ShareRequestMessage> = {}): ShareRequestMessage {
  return { requestId, requester: 'reliability', paths: [path], period: 7, ...overrides };
}

/** A seeded PRNG in [0, 1) (mulberry32), so that shuffles and picks repeat run after run. */
export const seededRandom = mulberry32;

/** A Fisher-Yates shuffle driven by `random`. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
