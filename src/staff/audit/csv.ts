// CSV for spreadsheet programs (RFC 4180, UTF-8 with a byte-order mark so that Excel reads Japanese,
// CRLF line ends), safe against formula injection: a cell that a spreadsheet would take for a formula
// (it starts with = + - @, a tab or a carriage return, or their full-width forms) gets a leading
// apostrophe, so that it stays text (OWASP "CSV Injection").

const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;

/** One cell: quoted, inner quotes doubled, defused when it could start a formula. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** The file: a header row and the rows. */
export function csvFile(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
