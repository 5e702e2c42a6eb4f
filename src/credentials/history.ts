import { randomUUID } from 'node:crypto';
import type { CredentialKind } from '../db/entities.js';
import type { Services } from '../services.js';

export const DEFAULT_HISTORY_SIZE = 5;

type HistoryDeps = Pick<Services, 'config' | 'database' | 'hasher'>;

export function historySize(services: Pick<Services, 'config'>): number {
  return services.config.passwordPolicy.historySize ?? DEFAULT_HISTORY_SIZE;
}

function repository(services: Pick<Services, 'database'>) {
  const { dataSource, entities } = services.database;
  return dataSource.getRepository(entities.PasswordHistory);
}

/**
 * True when `candidate` is one of the account's last N values of this kind. One argon2 verification
 * per entry, through the hasher (so its concurrency bound holds); N is at most 10.
 */
export async function isReused(services: HistoryDeps, accountId: string, kind: CredentialKind, candidate: string): Promise<boolean> {
  const size = historySize(services);
  if (size === 0) return false;
  const entries = await repository(services).find({ where: { accountId, kind }, order: { createdAt: 'DESC' }, take: size });
  for (const entry of entries) {
    if (await services.hasher.verify(entry.hash, candidate)) return true;
  }
  return false;
}

/** Records a newly set value (its hash, as stored on the account) and keeps only the last N of its kind. */
export async function recordCredential(services: Pick<Services, 'config' | 'database'>, accountId: string, kind: CredentialKind, hash: string): Promise<void> {
  const size = historySize(services);
  const rows = repository(services);
  // Strictly increasing times per account, so that "the last N" is well defined even within one millisecond.
  const latest = await rows.findOne({ where: { accountId, kind }, order: { createdAt: 'DESC' } });
  const now = new Date(Math.max(Date.now(), (latest?.createdAt.getTime() ?? 0) + 1));
  if (size > 0) await rows.insert({ id: randomUUID(), accountId, kind, hash, createdAt: now });
  // Everything older than the last N (MySQL wants a LIMIT with an OFFSET; nobody has 1000 entries).
  const older = await rows.find({ where: { accountId, kind }, order: { createdAt: 'DESC' }, select: { id: true }, skip: size, take: 1000 });
  if (older.length) await rows.delete(older.map((row) => row.id));
}
