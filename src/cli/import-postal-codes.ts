// `npm run import-postal-codes -- <utf_ken_all.csv>`: replaces the postal_codes table (郵便番号検索) with
// Japan Post's 郵便番号データ（1レコード1行、UTF-8形式）, unzipped from
// https://www.post.japanpost.jp/zipcode/download.html (utf_ken_all.zip). Uses DATABASE_URL, or the
// embedded SQLite in DATA_DIR — stop `npm start` first then, as the running server keeps its own copy of
// that file in memory and would overwrite the import. Applies pending migrations first, as the server does.
import path from 'node:path';
import { createDataSource } from '../db/data-source.js';
import { importPostalCodes, PostalImportError } from '../postal/import.js';

const file = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (!file) {
  process.stderr.write('usage: npm run import-postal-codes -- <utf_ken_all.csv>\n');
  process.exit(2);
}

const url = process.env.DATABASE_URL || undefined;
const database = createDataSource({ url, sqliteFile: url ? undefined : path.resolve(process.env.DATA_DIR ?? 'data', 'cert-idp.sqlite') });
try {
  await database.dataSource.initialize();
  await database.dataSource.runMigrations({ transaction: 'each' });
  const started = Date.now();
  const count = await importPostalCodes(database, path.resolve(file));
  process.stdout.write(`imported ${count} postal code rows from ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  await database.dataSource.destroy();
} catch (error) {
  const message = error instanceof PostalImportError ? error.message : (error as Error).message;
  process.stderr.write(`import failed, the postal code table is unchanged: ${message}\n`);
  process.exit(1);
}
