// Dates typed on the application forms (manual 002: 生年月日 and the year-months, 西暦). They are text
// inputs, not type=date/month (Firefox and Safari on PCs show those as plain text, and the native
// picker of 生年月日 opens on today): whatever a person naturally types is read — 2015/03, 2015-03,
// 2015.3, 2015年3月, full-width digits (NFKC) — and stored in one form (YYYY-MM, YYYY-MM-DD). Text that is
// not a date is returned unchanged, so that the form's rules report it.

const SEPARATOR = '(?:[/\\-.]|年)';

/** 2015/03, 2015-3, 2015年3月, 201503, ２０１５／０３ → 2015-03. */
export function normalizeYearMonth(text: string): string {
  const v = text.normalize('NFKC').replace(/\s+/g, '');
  const m = new RegExp(`^(\\d{4})${SEPARATOR}(\\d{1,2})月?$`).exec(v) ?? /^(\d{4})(\d{2})$/.exec(v);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}` : text;
}

/** 1999/09/09, 1999-9-9, 1999年9月9日, 19990909, full-width digits → 1999-09-09. */
export function normalizeDate(text: string): string {
  const v = text.normalize('NFKC').replace(/\s+/g, '');
  const m = new RegExp(`^(\\d{4})${SEPARATOR}(\\d{1,2})(?:[/\\-.]|月)(\\d{1,2})日?$`).exec(v) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : text;
}

/** A stored date as the manual shows it: 1999-09-09 → 1999/09/09 (other text unchanged). */
export function displayDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.replaceAll('-', '/') : value;
}
