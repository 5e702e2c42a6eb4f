import path from 'node:path';
import { AccountStore } from './accounts/account-store.js';
import { ApplicationStore } from './applications/store.js';
import { AuditLog } from './audit/audit-log.js';
import type { AppConfig, Lang } from './config/types.js';
import { createDataSource, type Database } from './db/data-source.js';
import type { UniversityDirectory } from './directory/directory.js';
import { createDirectory } from './directory/create.js';
import { MailOutbox } from './mail/outbox.js';
import type { MailContent, MailBranding } from './mail/templates.js';
import { fileTransport, smtpTransport, type MailTransport } from './mail/transport.js';
import { PasswordHasher } from './credentials/hashing.js';
import { SignIns } from './oidc/sign-ins.js';
import { BackgroundTasks } from './ops/background.js';
import { createPostalCodeLookup, type PostalCodeLookup } from './postal/lookup.js';
import { LoginThrottle } from './security/throttle.js';
import { OneTimeTokens } from './tokens/one-time-tokens.js';
import { DocumentVault, loadDocumentKeys } from './uploads/index.js';
import type { Translations } from './web/texts.js';

/** The shared services every capability uses; built once at start-up and passed to the routes. */
export interface Services {
  config: AppConfig;
  database: Database;
  hasher: PasswordHasher;
  accounts: AccountStore;
  /** Graduates' applications, their documents and history (G1, G5, G6 and the staff review). */
  applications: ApplicationStore;
  tokens: OneTimeTokens;
  throttle: LoginThrottle;
  audit: AuditLog;
  /** Ends an account's sign-ins on every replica and tells the relying parties (back-channel logout). */
  signIns: SignIns;
  outbox: MailOutbox;
  directory: UniversityDirectory;
  mailBranding: MailBranding;
  /** Encryption at rest for identity documents and staff TOTP secrets. */
  vault: DocumentVault;
  /** Work a request leaves for after its answer (drained by the graceful stop). */
  background: BackgroundTasks;
  /** 郵便番号検索 (one instance: the fallback service's answers are cached in it). */
  postalCodes: PostalCodeLookup;
  /** Queues a mail; resolves only once it is in the outbox. */
  sendMail(to: string, content: MailContent): Promise<void>;
  langOf(locale: string | null | undefined): Lang;
  /** The screen texts of every capability, composed (src/texts.ts); mails use them through `for(lang)`. */
  texts: Translations;
}

export interface ServiceOverrides {
  database?: Database;
  transport?: MailTransport;
  directory?: UniversityDirectory;
}

export function devOutboxDir(config: AppConfig): string {
  return path.join(config.env.dataDir, 'outbox');
}

/** `texts`: every capability's screen texts, composed by src/texts.ts (this module knows no capability). */
export function createServices(config: AppConfig, texts: Translations, overrides: ServiceOverrides = {}): Services {
  const database = overrides.database ?? createDataSource({
    url: config.env.databaseUrl,
    sqliteFile: config.env.databaseUrl ? undefined : path.join(config.env.dataDir, 'cert-idp.sqlite'),
  });
  const hasher = new PasswordHasher(config.passwordHashing);
  const transport = overrides.transport
    ?? (config.env.smtpUrl ? smtpTransport(config.env.smtpUrl) : fileTransport(devOutboxDir(config)));
  const from = `"${config.mail.fromName.ja}" <${config.mail.from}>`;
  const outbox = new MailOutbox(database, transport, { from, maxAttempts: config.mail.maxAttempts, pollSeconds: config.mail.pollSeconds });
  const directory = overrides.directory ?? createDirectory(config, hasher, database);
  return {
    config,
    database,
    hasher,
    accounts: new AccountStore(database),
    applications: new ApplicationStore(database),
    tokens: new OneTimeTokens(database, config.lifetimes.oneTimeUrlMinutes),
    throttle: new LoginThrottle(database),
    audit: new AuditLog(database),
    signIns: new SignIns(database, config.clients.filter((client) => client.backchannel_logout_uri).map((client) => client.client_id)),
    outbox,
    directory,
    mailBranding: { serviceName: config.branding.serviceName, contact: config.branding.contact },
    vault: new DocumentVault(loadDocumentKeys(config.env)),
    background: new BackgroundTasks(),
    postalCodes: createPostalCodeLookup({ database, config }),
    sendMail: (to, content) => outbox.enqueue({ to, subject: content.subject, text: content.text }),
    langOf: (locale) => (locale === 'en' ? 'en' : 'ja'),
    texts,
  };
}
