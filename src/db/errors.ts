import { QueryFailedError } from 'typeorm';

/** A unique key refused the row (MySQL/MariaDB and SQLite say it differently). */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; message?: string } }).driverError;
  return driverError?.code === 'ER_DUP_ENTRY' || /UNIQUE constraint failed/.test(driverError?.message ?? error.message);
}
