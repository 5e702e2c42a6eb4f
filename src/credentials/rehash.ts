import type { AccountRow } from '../db/entities.js';
import type { Services } from '../services.js';

/**
 * After a successful login: the credentials just verified whose stored hashes were made with other
 * parameters than the configured ones (`passwordHashing` changed, or an older implementation's
 * defaults) are hashed again and stored. Only the values that were verified in this login are given.
 */
export async function upgradeStoredHashes(
  services: Pick<Services, 'hasher' | 'accounts'>,
  account: Pick<AccountRow, 'id' | 'passwordHash' | 'secondPasswordHash'>,
  verified: { password?: string; secondPassword?: string },
): Promise<void> {
  const { hasher } = services;
  const [passwordHash, secondPasswordHash] = await Promise.all([
    verified.password === undefined ? undefined : hasher.upgraded(account.passwordHash, verified.password),
    verified.secondPassword === undefined ? undefined : hasher.upgraded(account.secondPasswordHash, verified.secondPassword),
  ]);
  await services.accounts.replaceHashes(account.id, { passwordHash, secondPasswordHash });
}
