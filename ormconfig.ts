// The data source for the TypeORM CLI (e.g. `npx typeorm-ts-node-esm migration:show -d ormconfig.ts`).
// The application builds the same one through src/db/data-source.ts.
import path from 'node:path';
import { createDataSource } from './src/db/data-source.js';

export default createDataSource({
  url: process.env.DATABASE_URL || undefined,
  sqliteFile: process.env.DATABASE_URL ? undefined : path.resolve(process.env.DATA_DIR ?? 'data', 'cert-idp.sqlite'),
}).dataSource;
