// What the staff queue searches and what the review page compares to find possible duplicates
// (DESIGN §2.3), kept beside the application as plain columns: the form is JSON, which neither
// database can search or index alike. The store writes them whenever the form or the address is written.

/** NFKC, lower case: how search words and stored text are compared. */
export function searchable(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The address and every form value, one per line, searchable. */
export function searchTextOf(email: string, form: Record<string, string> | null | undefined): string {
  return searchable([email, ...Object.values(form ?? {}).filter((v) => typeof v === 'string' && v)].join('\n')).slice(0, 8000);
}

/** A name compared across forms and accounts: NFKC, no spaces, lower case. */
export function nameKey(name: string | null | undefined): string {
  return searchable(name ?? '').replace(/\s+/g, '');
}

/** "name|birth date" (kanji name), or null when either is missing. */
export function nameBirthKeyOf(form: Record<string, string> | null | undefined): string | null {
  const name = nameKey(form?.name_kanji);
  const birth = (form?.birth_date ?? '').trim();
  return name && birth ? `${name}|${birth}`.slice(0, 300) : null;
}

/** A student number compared across forms and accounts: NFKC, no spaces, upper case; null when empty. */
export function studentNumberKey(value: string | null | undefined): string | null {
  const key = (value ?? '').normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  return key ? key.slice(0, 64) : null;
}

/** The columns written beside an application's form and address. */
export function reviewKeysOf(email: string, form: Record<string, string> | null | undefined) {
  return { searchText: searchTextOf(email, form), nameBirthKey: nameBirthKeyOf(form), studentNumberKey: studentNumberKey(form?.student_number) };
}
