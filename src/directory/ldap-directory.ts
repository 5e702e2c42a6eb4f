import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import type { Client, Entry } from 'ldapts';
import type { LdapDirectoryConfig } from '../config/types.js';
import { lazyModule } from '../lazy-module.js';
import { logger } from '../logger.js';
import type { DirectoryAnswer, PasswordDirectory } from './directory.js';
import { mapPerson, MAX_USER_ID_LENGTH } from './mapping.js';

/**
 * RFC 4515 §3: a value inside a search filter. `*`, `(`, `)`, `\` and NUL are written as \XX, so
 * that no input can add a wildcard or another clause to the filter.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * RFC 4514 §2.4: an attribute value inside a DN. The special characters are backslash-escaped, a
 * leading space or # and a trailing space too, and NUL as \00, so that no input can add an RDN or
 * move the DN elsewhere in the tree.
 */
export function escapeDnValue(value: string): string {
  let escaped = value.replace(/[\\"+,;<>=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (escaped.startsWith(' ') || escaped.startsWith('#')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ') && !escaped.endsWith('\\ ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/** Puts an (already escaped) value in place of every {id}; split/join, so `$&` and the like stay literal. */
export function fillTemplate(template: string, escapedValue: string): string {
  return template.split('{id}').join(escapedValue);
}

/** The LDAP client only where the LDAP adapter is configured (DESIGN §7: memory). */
const ldapts = lazyModule<typeof import('ldapts')>('ldapts');

class PoolTimeoutError extends Error {
  override name = 'PoolTimeoutError';
}

class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

/**
 * A directory connection, watched: a socket under it closing (the directory restarted, a failover
 * moved the address, a reset) marks it lost at once. ldapts alone does not notice when the TLS
 * socket of a StartTLS connection closes: it would keep the connection, and the next operation
 * would wait for its timeout.
 */
export interface DirectoryConnection {
  client: Client;
  isLost(): boolean;
  /** Rejects with ConnectionLostError once the connection is lost (never resolves). */
  readonly whenLost: Promise<never>;
}

interface Slot {
  connection: DirectoryConnection;
  /** How many logins have used it: a failure on a reused connection may be its staleness. */
  uses: number;
  idleTimer?: NodeJS.Timeout;
}

function usable(slot: Slot): boolean {
  return !slot.connection.isLost() && slot.connection.client.isConnected;
}

/**
 * A bounded pool of directory connections: at most `size` are open or being opened; a login that
 * finds them all busy waits up to `waitMs` (then the directory counts as unavailable). Idle
 * connections are closed after `idleMs`; a lost one is never handed out.
 */
export class ConnectionPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve: (slot: Slot) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }> = [];
  private busy = 0;
  private closed = false;

  constructor(
    private readonly open: () => Promise<DirectoryConnection>,
    private readonly size: number,
    private readonly waitMs: number,
    private readonly idleMs = 60_000,
  ) {}

  /** Open connections (idle and in use): never more than `size`. */
  get openCount(): number {
    return this.busy + this.idle.length;
  }

  async acquire(): Promise<Slot> {
    if (this.closed) throw new Error('the directory connection pool is closed');
    while (this.idle.length) {
      const slot = this.idle.pop()!;
      clearTimeout(slot.idleTimer);
      if (usable(slot)) {
        this.busy += 1;
        slot.uses += 1;
        return slot;
      }
      discard(slot);
    }
    if (this.busy < this.size) {
      this.busy += 1;
      try {
        return { connection: await this.open(), uses: 1 };
      } catch (error) {
        this.busy -= 1;
        this.handOver();
        throw error;
      }
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(new PoolTimeoutError('no directory connection became free in time'));
        }, this.waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Gives a connection back; one that failed (or was closed) is dropped instead of reused. */
  release(slot: Slot, reusable: boolean): void {
    if (!reusable || this.closed || !usable(slot)) {
      discard(slot);
      this.busy -= 1;
      this.handOver();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      slot.uses += 1;
      waiter.resolve(slot);
      return;
    }
    this.busy -= 1;
    slot.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(slot);
      if (index >= 0) this.idle.splice(index, 1);
      discard(slot);
    }, this.idleMs);
    slot.idleTimer.unref();
    this.idle.push(slot);
  }

  /** Closes the idle connections: one of them turned out stale, and they went to the same server. */
  dropIdle(): void {
    for (const slot of this.idle.splice(0)) discard(slot);
  }

  /** A place became free: open a connection for the first one waiting. */
  private handOver(): void {
    if (this.closed || this.busy >= this.size) return;
    const waiter = this.waiting.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.busy += 1;
    this.open().then(
      (connection) => waiter.resolve({ connection, uses: 1 }),
      (error: Error) => {
        this.busy -= 1;
        waiter.reject(error);
        this.handOver();
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('the directory connection pool is closed'));
    }
    await Promise.all(this.idle.splice(0).map((slot) => {
      clearTimeout(slot.idleTimer);
      return slot.connection.client.unbind().catch(() => undefined);
    }));
  }
}

function discard(slot: Slot): void {
  clearTimeout(slot.idleTimer);
  slot.connection.client.unbind().catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Result codes that say the directory is busy or down rather than anything about the student. */
function transient(error: unknown): boolean {
  return error instanceof ldapts().BusyError || error instanceof ldapts().UnavailableError
    || error instanceof ldapts().TimeLimitExceededError || error instanceof ldapts().AdminLimitExceededError;
}

/** An operation (or the wait for a connection) that ran out of time: trying again would only wait as long. */
function timedOut(error: unknown): boolean {
  return error instanceof PoolTimeoutError || /timed out|timeout/i.test((error as Error)?.message ?? '');
}

type Step = 'connect' | 'service_bind' | 'search' | 'user_bind' | 'read_entry';

class StepError extends Error {
  constructor(readonly step: Step, readonly original: unknown) {
    super((original as Error)?.message ?? String(original));
  }
}

async function stepOf<T>(name: Step, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StepError(name, error);
  }
}

/**
 * The university LDAP directory (OpenLDAP, Active Directory, …). Search-then-bind: a service account
 * (or an anonymous search) finds the student's entry by a configured filter, then a bind as that
 * entry checks the password. Direct bind: the DN comes from a template. The user ID is escaped
 * (RFC 4515 in filters, RFC 4514 in DNs) wherever it goes.
 */
export class LdapDirectory implements PasswordDirectory {
  readonly kind = 'password' as const;
  private readonly pool: ConnectionPool;
  private readonly tlsOptions: ConnectionOptions | undefined;
  private readonly attributeList: string[];

  constructor(private readonly settings: LdapDirectoryConfig, private readonly bindPassword: string | undefined, private readonly university: string) {
    const secure = settings.url.startsWith('ldaps://');
    this.tlsOptions = secure || settings.startTls
      ? { minVersion: 'TLSv1.2', ...(settings.caFile ? { ca: readFileSync(settings.caFile) } : {}) }
      : undefined;
    this.attributeList = [...new Set(Object.values(settings.attributes).filter((v): v is string => typeof v === 'string'))];
    const timeoutMs = settings.timeoutMs ?? 5000;
    this.pool = new ConnectionPool(() => this.openConnection(), settings.poolSize ?? 5, timeoutMs);
  }

  /** How many connections are open now (for tests and metrics). */
  get openConnections(): number {
    return this.pool.openCount;
  }

  private async openConnection(): Promise<DirectoryConnection> {
    const { url, startTls } = this.settings;
    const connectTimeout = this.settings.connectTimeoutMs ?? 5000;
    const timeout = this.settings.timeoutMs ?? 5000;
    // Every socket the connection opens (the plain one, the TLS one of ldaps:// or of the StartTLS
    // upgrade) is watched: when one closes, the connection is lost.
    let lost = false;
    let markLost!: () => void;
    const whenLost = new Promise<never>((_, reject) => {
      markLost = () => {
        if (lost) return;
        lost = true;
        reject(new ConnectionLostError('the directory closed the connection'));
      };
    });
    whenLost.catch(() => undefined);
    const watch = <S extends net.Socket>(socket: S): S => socket.once('close', markLost);
    // With StartTLS, a connection that dropped must not be silently re-opened in the clear (which
    // ldapts would do on the next operation): only the upgrade below may open one.
    const gate = { open: !startTls };
    const createConnection = ((port: number, host: string) => {
      if (!gate.open) throw new Error('refusing to reconnect without StartTLS');
      return watch(net.connect(port, host));
    }) as unknown as typeof net.connect;
    const createSecureConnection = ((...args: Parameters<typeof tls.connect>) => watch(tls.connect(...args))) as typeof tls.connect;
    // ldapts takes any tlsOptions as "connect with TLS", so they go to the constructor for ldaps:// only.
    const secure = url.startsWith('ldaps://');
    const client = new (ldapts().Client)({ url, connectTimeout, timeout, tlsOptions: secure ? this.tlsOptions : undefined, createConnection, createSecureConnection });
    if (startTls) {
      gate.open = true;
      const host = new URL(url).hostname;
      try {
        await withTimeout(client.startTLS({ ...this.tlsOptions, ...(net.isIP(host) ? {} : { servername: host }) }), connectTimeout + timeout, 'StartTLS');
      } catch (error) {
        await client.unbind().catch(() => undefined);
        throw error;
      } finally {
        gate.open = false;
      }
    }
    return { client, isLost: () => lost, whenLost };
  }

  async verify(userId: string, password: string): Promise<DirectoryAnswer> {
    // An empty password would be an unauthenticated bind, which succeeds (RFC 4513 §5.1.2).
    if (!userId || !password || userId.length > MAX_USER_ID_LENGTH) return { outcome: 'invalid', reason: 'credentials' };
    const first = await this.attempt(userId, password);
    if (first.kind === 'answer') return first.answer;
    // A pooled connection that died unnoticed (a failover: the old address answers with a reset)
    // fails at its first use; its idle siblings went the same way. Once more on a new connection.
    logger.info({ directory: 'ldap', step: first.failed.step, err: { name: (first.failed.original as Error)?.name } }, 'a pooled directory connection had broken; trying a new one');
    this.pool.dropIdle();
    const second = await this.attempt(userId, password);
    return second.kind === 'answer' ? second.answer : this.classify(second.failed);
  }

  /** One try on a pooled connection; `stale` when a reused connection broke under it (worth one more try). */
  private async attempt(userId: string, password: string): Promise<{ kind: 'answer'; answer: DirectoryAnswer } | { kind: 'stale'; failed: StepError }> {
    let slot: Slot;
    try {
      slot = await this.pool.acquire();
    } catch (error) {
      this.warn('connect', error);
      return { kind: 'answer', answer: { outcome: 'unavailable' } };
    }
    let reusable = false;
    try {
      const answer = await this.check(slot.connection, userId, password);
      reusable = true;
      return { kind: 'answer', answer };
    } catch (error) {
      const failed = error instanceof StepError ? error : new StepError('connect', error);
      // A protocol answer leaves the connection usable; a socket, TLS or timeout error does not.
      reusable = failed.original instanceof ldapts().ResultCodeError;
      if (!reusable && slot.uses > 1 && !timedOut(failed.original)) return { kind: 'stale', failed };
      return { kind: 'answer', answer: this.classify(failed) };
    } finally {
      this.pool.release(slot, reusable);
    }
  }

  private async check(connection: DirectoryConnection, userId: string, password: string): Promise<DirectoryAnswer> {
    const { client, whenLost } = connection;
    // Each operation ends as soon as the connection is lost, not at its timeout.
    const step = <T>(name: Step, run: () => Promise<T>) => stepOf(name, () => Promise.race([run(), whenLost]));
    const { search, directBind } = this.settings;
    let entry: Entry | undefined;
    if (search) {
      // Every use starts with the service bind: a pooled connection may still be bound as the last student.
      await step('service_bind', () => (search.bindDn ? client.bind(search.bindDn, this.bindPassword) : client.bind('', '')));
      const filter = fillTemplate(search.filter, escapeFilterValue(userId));
      const found = await step('search', () => client.search(search.baseDn, {
        scope: search.scope ?? 'sub',
        filter,
        attributes: this.attributeList,
        derefAliases: 'never',
        sizeLimit: 2,
        timeLimit: Math.ceil((this.settings.timeoutMs ?? 5000) / 1000),
      }));
      if (found.searchEntries.length === 0) return { outcome: 'invalid', reason: 'not_found' };
      if (found.searchEntries.length > 1) {
        logger.warn({ directory: 'ldap' }, 'the login filter matched more than one entry; refused');
        return { outcome: 'invalid', reason: 'ambiguous' };
      }
      entry = found.searchEntries[0]!;
      const dn = entry.dn;
      await step('user_bind', () => client.bind(dn, password));
    } else if (directBind) {
      const dn = fillTemplate(directBind.dnTemplate, escapeDnValue(userId));
      await step('user_bind', () => client.bind(dn, password));
      const read = await step('read_entry', () => client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: this.attributeList, derefAliases: 'never' }));
      entry = read.searchEntries[0];
      if (!entry) return { outcome: 'invalid', reason: 'not_found' };
    }
    if (!entry) return { outcome: 'invalid', reason: 'not_found' };
    const found = entry;
    const mapped = mapPerson((name) => entryValues(found, name), this.settings.attributes, {
      enrolledValues: this.settings.enrolledValues,
      university: this.university,
    });
    if (mapped.outcome === 'invalid') {
      if (mapped.missing) logger.warn({ directory: 'ldap', missing: mapped.missing }, 'a directory entry lacks a mapped attribute; refused');
      return { outcome: 'invalid', reason: mapped.reason };
    }
    return mapped;
  }

  private classify(failed: StepError): DirectoryAnswer {
    const error = failed.original;
    if (failed.step === 'user_bind' && error instanceof ldapts().InvalidCredentialsError) return { outcome: 'invalid', reason: 'credentials' };
    if (failed.step === 'read_entry' && error instanceof ldapts().NoSuchObjectError) return { outcome: 'invalid', reason: 'not_found' };
    if (failed.step === 'user_bind' && error instanceof ldapts().ResultCodeError && !transient(error)) {
      // The directory refused this student's bind for a reason of its own (e.g. a locked or expired account).
      return { outcome: 'invalid', reason: 'credentials' };
    }
    if (failed.step === 'service_bind' && error instanceof ldapts().InvalidCredentialsError) {
      logger.error({ directory: 'ldap' }, 'the directory refused the service account (directory.ldap.search.bindDn / its password)');
    } else {
      this.warn(failed.step, error);
    }
    return { outcome: 'unavailable' };
  }

  private warn(stepName: Step, error: unknown): void {
    const e = error as { name?: string; code?: unknown; message?: string };
    logger.warn({ directory: 'ldap', step: stepName, err: { name: e?.name, code: e?.code, message: e?.message } }, 'the university directory could not be asked');
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Every value of an attribute, found case-insensitively (LDAP attribute names are). */
function entryValues(entry: Entry, name: string): string[] {
  const wanted = name.toLowerCase();
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === wanted);
  if (!key) return [];
  const value = entry[key];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}
