import type { AccountRow, UserType } from '../db/entities.js';
import type { Services } from '../services.js';

/** LIKE with '!' as the escape character (the same in MySQL/MariaDB and SQLite). */
function likePattern(term: string): string {
  return `%${term.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * Account search for the console: every word of the query must appear in the email address, the
 * names or the enrolments (student numbers, faculties) — the profile is JSON, searched as text.
 * Words are NFKC-normalised and compared in lower case.
 */
export async function searchAccounts(services: Pick<Services, 'database'>, query: string, options: { userType?: UserType; limit?: number } = {}): Promise<AccountRow[]> {
  const terms = query.normalize('NFKC').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
  if (!terms.length) return [];
  const { database } = services;
  const profileText = database.dialect === 'mysql' ? 'LOWER(CAST(a.profile AS CHAR))' : 'LOWER(a.profile)';
  const builder = database.dataSource.getRepository(database.entities.Account).createQueryBuilder('a');
  terms.forEach((term, i) => {
    builder.andWhere(`(LOWER(a.email) LIKE :t${i} ESCAPE '!' OR ${profileText} LIKE :t${i} ESCAPE '!')`, { [`t${i}`]: likePattern(term) });
  });
  if (options.userType) builder.andWhere('a.user_type = :userType', { userType: options.userType });
  return builder.orderBy('a.created_at', 'DESC').take(options.limit ?? 50).getMany();
}

/** "family given" of an account, for lists. */
export function displayNameOf(account: Pick<AccountRow, 'profile'>): string {
  const name = account.profile?.name;
  return name ? `${name.family} ${name.given}`.trim() : '';
}

/** The student numbers of an account's enrolments, for lists. */
export function studentNumbersOf(account: Pick<AccountRow, 'profile'>): string {
  return (account.profile?.enrollments ?? []).map((e) => e.student_number).filter(Boolean).join(', ');
}
