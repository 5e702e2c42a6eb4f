import { normalizeEmail } from '../../accounts/account-store.js';
import { nameKey, studentNumberKey } from '../../applications/review-keys.js';
import type { AccountRow, ApplicationRow } from '../../db/entities.js';
import type { Services } from '../../services.js';

// Possible duplicates of an application (DESIGN §2.3): other applications and accounts with the same
// name and birth date, the same student number or the same email address — what a G8 re-application
// and a fraud attempt both look like. Hints for the clerk only; nothing is linked automatically.

export type DuplicateMatch = 'name_birth' | 'student_number' | 'email';

export interface DuplicateHint {
  kind: 'application' | 'account';
  id: string;
  row: ApplicationRow | AccountRow;
  matches: DuplicateMatch[];
}

const LIMIT = 20;

function likePattern(term: string): string {
  return `%${term.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export async function duplicateHints(services: Pick<Services, 'applications' | 'database'>, application: ApplicationRow): Promise<DuplicateHint[]> {
  const form = application.form ?? {};
  const email = normalizeEmail(application.email);
  const hints: DuplicateHint[] = [];

  for (const other of await services.applications.possibleDuplicates(application, LIMIT)) {
    const matches: DuplicateMatch[] = [];
    if (application.nameBirthKey && other.nameBirthKey === application.nameBirthKey) matches.push('name_birth');
    if (application.studentNumberKey && other.studentNumberKey === application.studentNumberKey) matches.push('student_number');
    if (normalizeEmail(other.email) === email) matches.push('email');
    hints.push({ kind: 'application', id: other.id, row: other, matches });
  }

  // Accounts: the profile is JSON, so the name or student number narrows the rows as text and the
  // comparison is exact here. The applicant's own account (G5, G6) is not a duplicate.
  const { dataSource, entities, dialect } = services.database;
  const accounts = dataSource.getRepository(entities.Account);
  // Compared in lower case: MariaDB keeps JSON in a binary collation, where LIKE is case-sensitive.
  const profileText = dialect === 'mysql' ? 'LOWER(CAST(a.profile AS CHAR))' : 'LOWER(a.profile)';
  const name = nameKey(form.name_kanji);
  const family = (form.name_kanji ?? '').normalize('NFKC').trim().split(/\s+/)[0] ?? '';
  const number = studentNumberKey(form.student_number);
  const found = new Map<string, AccountRow>();
  const add = (rows: AccountRow[]) => rows.forEach((row) => found.set(row.id, row));
  add(await accounts.findBy({ email }));
  if (name && form.birth_date && family) {
    add(await accounts.createQueryBuilder('a').where(`${profileText} LIKE :family ESCAPE '!'`, { family: likePattern(family.toLowerCase()) }).take(200).getMany());
  }
  if (number) add(await accounts.createQueryBuilder('a').where(`${profileText} LIKE :number ESCAPE '!'`, { number: likePattern(form.student_number!.normalize('NFKC').trim().toLowerCase()) }).take(200).getMany());

  for (const account of found.values()) {
    if (account.id === application.accountId) continue;
    const matches: DuplicateMatch[] = [];
    const accountName = nameKey(`${account.profile?.name.family ?? ''}${account.profile?.name.given ?? ''}`);
    if (name && form.birth_date && accountName === name && account.personal?.birth_date === form.birth_date) matches.push('name_birth');
    if (number && (account.profile?.enrollments ?? []).some((e) => studentNumberKey(e.student_number) === number)) matches.push('student_number');
    if (account.email === email) matches.push('email');
    if (matches.length) hints.push({ kind: 'account', id: account.id, row: account, matches });
  }
  return hints.slice(0, LIMIT * 2);
}
