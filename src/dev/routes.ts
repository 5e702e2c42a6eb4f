import Router from '@koa/router';
import type { AppConfig } from '../config/types.js';
import { readDevOutbox } from '../mail/transport.js';
import { devOutboxDir } from '../services.js';
import { render } from '../web/render.js';
import { demoRelyingPartyClient } from './demo-rp.js';

export interface DevPages {
  /** The file outbox's folder: mail goes there when SMTP_URL is not set (the page exists only then). */
  outboxDir?: string;
  /** Whether the demo relying party is mounted (a configuration with `demo: true` and the `demo-rp` client). */
  demoRelyingParty: boolean;
}

/** The development pages of this configuration. */
export function devPages(config: AppConfig): DevPages {
  return { outboxDir: config.env.smtpUrl ? undefined : devOutboxDir(config), demoRelyingParty: Boolean(demoRelyingPartyClient(config)) };
}

/** Development only (never mounted with NODE_ENV=production): the home page and the mails the file outbox wrote. */
export function devRoutes(pages: DevPages): Router {
  const router = new Router();
  const { outboxDir } = pages;
  if (outboxDir) {
    router.get('/dev/outbox', async (ctx) => {
      const mails = await readDevOutbox(outboxDir);
      render(ctx, 'dev/outbox', { title: 'Mail outbox (development)', mails, outboxDir });
    });
  }
  router.get('/', (ctx) => {
    render(ctx, 'dev/home', { title: 'cert-idp', demoRelyingParty: pages.demoRelyingParty, outbox: Boolean(outboxDir) });
  });
  return router;
}

/** The development start-up banner: where the server runs, and the demo pages that exist in this configuration. */
export function startupBanner(config: AppConfig): string {
  const pages = devPages(config);
  const lines = [`cert-idp is running at ${config.issuer}`];
  if (pages.demoRelyingParty) lines.push(`Demo relying party login: ${config.issuer}/`);
  if (pages.outboxDir) lines.push(`Mail outbox: ${config.issuer}/dev/outbox`);
  return `\n${lines.map((line) => `  ${line}\n`).join('')}\n`;
}
