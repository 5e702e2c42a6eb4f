import { randomInt } from 'node:crypto';
import type { PasswordPolicy } from '../config/types.js';
import { checkPasswordPolicy, passwordPolicyOf } from '../credentials/policy.js';
import type { Services } from '../services.js';

// Initial passwords: a graduate's (mailed at the approval and at a re-issue) and a new staff member's
// (shown once). Upper case, lower case and digits without the ones that are easily misread (0/O/o,
// 1/l/I), at least one of each kind, checked against the password policy.

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const DIGITS = '23456789';

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)]!;
}

export function generateInitialPassword(policy: PasswordPolicy, length = 12): string {
  const size = Math.min(Math.max(length, policy.minLength), policy.maxLength);
  const all = UPPER + LOWER + DIGITS;
  for (;;) {
    const chars = [pick(UPPER), pick(LOWER), pick(DIGITS)];
    while (chars.length < size) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i -= 1) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (!checkPasswordPolicy(candidate, policy).length) return candidate;
  }
}

/** The graduates' password policy, the strictest the product has: initial passwords and staff passwords follow it. */
export function strictPasswordPolicy(services: Pick<Services, 'config'>): PasswordPolicy {
  return passwordPolicyOf(services.config);
}

export interface IssuedPassword { password: string; hash: string; expiresAt: Date }

/** A graduate's initial password, hashed, with its expiry (graduates.initialPasswordDays). Slow: hash before any write. */
export async function issueInitialPassword(services: Pick<Services, 'config' | 'hasher'>): Promise<IssuedPassword> {
  const password = generateInitialPassword(strictPasswordPolicy(services));
  const days = services.config.graduates?.initialPasswordDays ?? 14;
  return { password, hash: await services.hasher.hash(password), expiresAt: new Date(Date.now() + days * 86400_000) };
}
