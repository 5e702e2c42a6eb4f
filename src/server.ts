import type { Server } from 'node:http';
import { createApp } from './app.js';
import { startupBanner } from './dev/routes.js';
import { applyPendingMigrations, withMigrationLock } from './db/migration-lock.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { logger } from './logger.js';
import { seedCatalogue } from './applications/catalogue.js';
import { importPostalCodes } from './postal/import.js';
import { projectPath } from './project-root.js';
import { purgeExpiredPayloads } from './oidc/adapter.js';
import { loadKeyMaterial } from './oidc/keys.js';
import { checkClients } from './oidc/provider.js';
import { createOperations, type Operations } from './ops/index.js';
import { releaseStartupGarbage } from './ops/memory.js';
import { createTranslations } from './texts.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';
import type { AppConfig } from './config/types.js';

export interface RunningServer {
  server: Server;
  services: Services;
  operations: Operations;
  url: string;
  stop(): Promise<void>;
}

const HOUSEKEEPING_MS = 10 * 60_000;

/** The demo gets a handful of postal codes (530-0001 梅田, 100-0001 千代田…) for 郵便番号 検索. */
async function importDemoPostalCodes(services: Pick<Services, 'database'>): Promise<void> {
  const { dataSource, entities } = services.database;
  if ((await dataSource.getRepository(entities.PostalCode).count()) > 0) return;
  await importPostalCodes(services.database, projectPath('config/postal-codes-demo.csv'));
}

/** Starts everything: database (migrations applied), mail outbox, housekeeping, HTTP. */
export async function startServer(config: AppConfig, overrides: ServiceOverrides = {}): Promise<RunningServer> {
  const services = createServices(config, createTranslations(), overrides);
  const { dataSource } = services.database;
  if (!dataSource.isInitialized) await dataSource.initialize();
  // Replicas starting together take turns: the first migrates and seeds, the others find it done.
  await withMigrationLock(dataSource, async (runner) => {
    await applyPendingMigrations(dataSource, runner);
    await seedCatalogue(services);
    if (config.demo) await importDemoPostalCodes(services);
  }, { onWait: () => logger.info('waiting for another instance to finish the database migrations') });
  const keys = await loadKeyMaterial(config.env);
  const operations = createOperations(services);
  const { koa, provider } = createApp(services, keys, operations.middleware);
  await checkClients(provider, config);
  services.outbox.start();
  services.signIns.start();

  const housekeeping = setInterval(() => {
    const now = new Date();
    const dayAgo = new Date(now.getTime() - 86400_000);
    Promise.all([
      purgeExpiredPayloads(services.database, now),
      services.tokens.purgeOlderThan(dayAgo),
      services.throttle.purgeStale(dayAgo),
      // Identity documents go once the application was decided and the retention period passed.
      config.graduates
        ? services.applications.purgeDocumentsDecidedBefore(new Date(now.getTime() - config.graduates.documentRetentionDays * 86400_000))
        : Promise.resolve(0),
    ]).catch((error: unknown) => logger.error({ err: (error as Error).message }, 'housekeeping failed'));
  }, HOUSEKEEPING_MS);
  housekeeping.unref();

  releaseStartupGarbage();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = koa.listen(config.env.port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  await operations.listen();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.env.port;
  return {
    server,
    services,
    operations,
    url: `http://localhost:${port}`,
    /**
     * Graceful: readiness off (still serving for SHUTDOWN_DRAIN_SECONDS), no new connections, the requests
     * under way finish, then the work they left for after their answers (services.background), then mail
     * and database close.
     */
    async stop() {
      clearInterval(housekeeping);
      const timeoutMs = (config.env.shutdownTimeoutSeconds ?? 25) * 1000;
      await operations.shutdown(server, { drainMs: (config.env.shutdownDrainSeconds ?? 0) * 1000, timeoutMs });
      await services.background.drain(timeoutMs);
      await services.signIns.stop();
      await services.outbox.stop();
      if (!overrides.directory) await services.directory.close?.();
      if (!overrides.database && dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

async function main(): Promise<void> {
  let config: AppConfig;
  let running: RunningServer;
  try {
    config = loadConfig();
    running = await startServer(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cert-idp: cannot start: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`cert-idp: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  logger.info({ issuer: config.issuer, port: config.env.port, database: config.env.databaseUrl ? 'mysql' : 'sqlite', mail: config.env.smtpUrl ? 'smtp' : 'dev-outbox' }, 'cert-idp started');
  if (!config.env.production) process.stdout.write(startupBanner(config));
  // A signal repeated within a second is the same request (`npm run …` passes on the SIGINT that a
  // terminal's Ctrl-C also sent the server directly); one repeated later stops at once.
  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 1000) return;
      logger.warn({ signal }, 'stopping at once: signal repeated during the shutdown');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down: finishing the requests under way');
    running.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    }, (error: unknown) => {
      logger.error({ err: (error as Error).message }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
