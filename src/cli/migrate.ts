// `npm run migrate`: applies pending migrations (`-- --revert` undoes the last one). Used by the
// Helm pre-install/pre-upgrade hook; the server also applies them at start.
import path from 'node:path';
import { createDataSource } from '../db/data-source.js';
import { applyPendingMigrations, revertLastMigration, withMigrationLock } from '../db/migration-lock.js';

const url = process.env.DATABASE_URL || undefined;
if (!url && process.env.NODE_ENV === 'production') {
  process.stderr.write('migration failed: DATABASE_URL is required in production\n');
  process.exit(2);
}
const { dataSource } = createDataSource({ url, sqliteFile: url ? undefined : path.resolve(process.env.DATA_DIR ?? 'data', 'cert-idp.sqlite') });
const onWait = () => process.stdout.write('waiting for another process to finish the database migrations\n');
try {
  await dataSource.initialize();
  // Under the database's migration lock, like the server's start: replicas starting meanwhile wait.
  if (process.argv.includes('--revert')) {
    await withMigrationLock(dataSource, (runner) => revertLastMigration(dataSource, runner), { onWait });
    process.stdout.write('reverted the last migration\n');
  } else {
    const applied = await withMigrationLock(dataSource, (runner) => applyPendingMigrations(dataSource, runner), { onWait });
    process.stdout.write(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}\n` : 'no pending migrations\n');
  }
  await dataSource.destroy();
} catch (error) {
  process.stderr.write(`migration failed: ${(error as Error).message}\n`);
  process.exit(1);
}
