import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Database } from '../db/data-source.js';
import type { PostalCodeRow } from '../db/entities.js';
import { normalizeTown } from './normalize.js';
import { runInTransaction } from '../db/transaction.js';

/** A file that is not Japan Post's postal code CSV; the message names the line. Nothing was changed. */
export class PostalImportError extends Error {
  override name = 'PostalImportError';
}

/** One line of CSV (RFC 4180 quoting: "…" with "" for a quote); undefined when a quote is left open. */
export function parseCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= line.length) return undefined;
        const quote = line.indexOf('"', i);
        if (quote < 0) return undefined;
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      // Anything between the closing quote and the comma is tolerated (and ignored).
      i = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      value = line.slice(i, end);
      i = end;
    }
    fields.push(value);
    if (i >= line.length) return fields;
    i += 1; // the comma
  }
}

type NewRow = Omit<PostalCodeRow, 'id'>;

/**
 * Reads Japan Post's 郵便番号データ in the "1レコード1行、UTF-8形式" (utf_ken_all.csv): columns 全国地方公共団体コード,
 * (旧)郵便番号(5桁), 郵便番号(7桁), 都道府県名カナ, 市区町村名カナ, 町域名カナ, 都道府県名, 市区町村名, 町域名, then six
 * flag columns (ignored). The older KEN_ALL.CSV layout, where a long 町域名 continues over several lines, is
 * joined as well — but the file must be UTF-8 (KEN_ALL.CSV itself is Shift_JIS).
 */
export async function* readPostalCsv(filePath: string): AsyncGenerator<NewRow> {
  const lines = createInterface({ input: createReadStream(filePath, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let pending: { code: string; prefecture: string; city: string; town: string } | undefined;
  const seen = new Set<string>();
  const emit = (row: NewRow): NewRow | undefined => {
    const key = `${row.code}\t${row.prefecture}\t${row.city}\t${row.town}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    return row;
  };
  const finish = (p: NonNullable<typeof pending>) => emit({ code: p.code, prefecture: p.prefecture, city: p.city, town: normalizeTown(p.town) });

  for await (const raw of lines) {
    lineNumber += 1;
    const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    if (line.includes('\uFFFD')) {
      throw new PostalImportError(`line ${lineNumber}: not UTF-8 — use the UTF-8 file (utf_ken_all.csv), not the Shift_JIS KEN_ALL.CSV`);
    }
    const fields = parseCsvLine(line);
    if (!fields || fields.length < 9) throw new PostalImportError(`line ${lineNumber}: expected at least 9 comma-separated columns`);
    const code = fields[2]!.trim();
    const prefecture = fields[6]!.trim();
    const city = fields[7]!.trim();
    const town = fields[8]!.trim();
    if (!/^[0-9]{7}$/.test(code)) throw new PostalImportError(`line ${lineNumber}: column 3 is not a 7-digit postal code`);
    if (!prefecture || prefecture.length > 10 || !city || city.length > 60) {
      throw new PostalImportError(`line ${lineNumber}: 都道府県名 or 市区町村名 is empty or too long`);
    }
    if (pending && pending.code === code && pending.city === city) {
      // KEN_ALL.CSV continuation of a 町域名 whose parenthesis is still open.
      pending.town += town;
      if (/[）)]/.test(town)) {
        const row = finish(pending);
        pending = undefined;
        if (row) yield row;
      }
      continue;
    }
    if (pending) {
      const row = finish(pending);
      pending = undefined;
      if (row) yield row;
    }
    const opens = (town.match(/[（(]/g) ?? []).length;
    const closes = (town.match(/[）)]/g) ?? []).length;
    if (opens > closes) {
      pending = { code, prefecture, city, town };
      continue;
    }
    const row = emit({ code, prefecture, city, town: normalizeTown(town) });
    if (row) yield row;
  }
  if (pending) {
    const row = finish(pending);
    if (row) yield row;
  }
}

/**
 * Replaces the postal_codes table with the file's contents, atomically: the old rows are deleted and
 * the new ones inserted in one transaction, so a lookup sees either the old or the new table and a bad
 * file (PostalImportError) leaves the old table as it was. Returns the number of rows imported.
 */
export async function importPostalCodes(database: Database, filePath: string): Promise<number> {
  const { entities, dialect } = database;
  // sql.js allows 999 bound parameters per statement; 4 columns a row.
  const batchSize = dialect === 'sqlite' ? 200 : 1000;
  return runInTransaction(database, async (manager) => {
    await manager.createQueryBuilder().delete().from(entities.PostalCode).execute();
    let count = 0;
    let batch: NewRow[] = [];
    for await (const row of readPostalCsv(filePath)) {
      batch.push(row);
      if (batch.length >= batchSize) {
        await manager.insert(entities.PostalCode, batch);
        count += batch.length;
        batch = [];
      }
    }
    if (batch.length) {
      await manager.insert(entities.PostalCode, batch);
      count += batch.length;
    }
    if (count === 0) throw new PostalImportError('the file holds no postal codes');
    return count;
  });
}
