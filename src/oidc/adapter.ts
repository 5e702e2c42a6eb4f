import { LessThan, type EntityManager } from 'typeorm';
import { errors, Provider, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/data-source.js';
import type { AccountRow } from '../db/entities.js';
import { millis, rawQuery, utcDatetime, type EntityColumns } from '../db/raw-query.js';
import { ReadsOfOneTurn } from '../db/reads-of-one-turn.js';
import { WritesOfOneTurn } from '../db/writes-of-one-turn.js';
import { runInTransaction } from '../db/transaction.js';
import { logger } from '../logger.js';

// The hot paths (every request of a login, every token, userinfo and refresh) are plain
// parameterised statements rather than TypeORM's repository/query builder, whose query building
// cost more than the database round trip. `?` placeholders and unquoted, non-reserved column names
// work on MySQL/MariaDB (mysql2) and SQLite (sql.js) alike; only the upsert differs by dialect.
// The columns are the OidcPayload entity's (src/db/entities.ts) — keep both in step.

const COLUMNS = 'model, id, payload, grant_id, user_code, uid, session_uid, account_id, expires_at, consumed_at';
const SELECT = 'SELECT payload, expires_at, consumed_at FROM oidc_payload WHERE model = ? AND';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** The upsert of `rows` rows in one statement (a request's upserts are written together, see deferProviderWrites). */
const UPSERT = {
  mysql: (rows: number) => `INSERT INTO oidc_payload (${COLUMNS}) VALUES ${Array(rows).fill(ROW).join(', ')} ON DUPLICATE KEY UPDATE `
    + 'payload = VALUES(payload), grant_id = VALUES(grant_id), user_code = VALUES(user_code), uid = VALUES(uid), session_uid = VALUES(session_uid), '
    + 'account_id = VALUES(account_id), expires_at = VALUES(expires_at), consumed_at = VALUES(consumed_at)',
  sqlite: (rows: number) => `INSERT INTO oidc_payload (${COLUMNS}) VALUES ${Array(rows).fill(ROW).join(', ')} ON CONFLICT(model, id) DO UPDATE SET `
    + 'payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, session_uid = excluded.session_uid, '
    + 'account_id = excluded.account_id, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at',
} as const;

/** An upsert waiting for the end of its request of the provider: the row's values, and its expiry (ms). */
interface PendingUpsert { model: string; id: string; payload: AdapterPayload; values: unknown[]; expiresAt: number | undefined; consumed?: boolean }

/**
 * The upserts of a request of the provider whose writes wait for its end (deferProviderWrites), by
 * `<model>:<id>`: written together in one statement when the provider has made its answer.
 */
const pendingUpserts = new WeakMap<object, { database: Database; rows: Map<string, PendingUpsert>; read: Map<string, ReadRow> }>();

/**
 * A row this request read, unconsumed (its payload as the driver gave it, parsed only if consumed,
 * and its expiry): what a consume of it needs to write it again.
 */
interface ReadRow { payload: unknown; expiresAt: number | undefined }

/** In a request whose writes wait: remembers an unconsumed row read, for a consume of it (see TypeOrmAdapter.consume). */
function rememberRead(model: string, id: string, row: RawRow): void {
  const ctx = Provider.ctx;
  const pending = ctx ? pendingUpserts.get(ctx) : undefined;
  if (!pending || (row.consumed_at !== null && row.consumed_at !== undefined)) return;
  pending.read.set(`${model}:${id}`, { payload: row.payload, expiresAt: row.expires_at === null || row.expires_at === undefined ? undefined : millis(row.expires_at) });
}

function pendingOfRequest(): Map<string, PendingUpsert> | undefined {
  const ctx = Provider.ctx;
  return ctx ? pendingUpserts.get(ctx)?.rows : undefined;
}

/** A pending row as a read would return it from the table: a copy, nothing once expired. */
function pendingPayload(row: PendingUpsert): AdapterPayload | undefined {
  if (row.expiresAt !== undefined && row.expiresAt <= Date.now()) return undefined;
  const payload = JSON.parse(JSON.stringify(row.payload)) as AdapterPayload;
  return row.consumed ? { ...payload, consumed: Math.floor(millis(row.values[9] as string) / 1000) } : payload;
}

/** The rows of a statement by (model, id): two such statements lock the rows they share in the same order. */
function byKey(a: unknown[], b: unknown[]): number {
  const [modelA, idA] = a as [string, string];
  const [modelB, idB] = b as [string, string];
  if (modelA !== modelB) return modelA < modelB ? -1 : 1;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** Per database: the writes of the provider's requests that end in one turn, in one upsert (see WritesOfOneTurn). */
const writesOfOneTurn = new WeakMap<Database, WritesOfOneTurn<unknown[]>>();

async function writePending(database: Database, rows: Map<string, PendingUpsert>): Promise<void> {
  if (!rows.size) return;
  const values = [...rows.values()].map((row) => row.values);
  rows.clear();
  let writes = writesOfOneTurn.get(database);
  if (!writes) {
    writes = new WritesOfOneTurn<unknown[]>(async (all) => {
      // A stable sort: of two requests' rows of one key, the later one's is written last and wins.
      const sorted = [...all].sort(byKey);
      await rawQuery(database, UPSERT[database.dialect](sorted.length), sorted.flat());
    });
    writesOfOneTurn.set(database, writes);
  }
  await writes.add(values);
}

/**
 * Lets the provider's upserts in the request `ctx` wait, and writes them in one statement once `run`
 * (the provider's handling of the request) has ended, before the answer leaves: the resume after a
 * login saves the session, the grant and the code one after the other (three round trips, each a
 * commit, where one does). Reads of the request find its pending rows; any other write of it (a
 * consume, a destroy, a revocation) writes the pending ones first, so the order of its writes holds.
 * Nobody outside the request can know of a pending row before the answer is sent. A write that
 * fails fails the request, as a failed upsert did. Upserts outside such a request (our own routes,
 * the provider's API used elsewhere) are written at once.
 */
export async function deferProviderWrites<T>(ctx: object, database: Database, run: () => Promise<T>): Promise<T> {
  const pending = { database, rows: new Map<string, PendingUpsert>(), read: new Map<string, ReadRow>() };
  pendingUpserts.set(ctx, pending);
  let result: T;
  try {
    result = await run();
  } catch (error) {
    pendingUpserts.delete(ctx);
    // What the provider wrote before it failed is kept, as it was when each write went out at once;
    // the request's own error is what it answers.
    await writePending(database, pending.rows).catch((writeError: unknown) => {
      logger.warn({ err: { name: (writeError as Error).name, code: (writeError as { code?: unknown }).code } }, 'the writes of a failed provider request failed too');
    });
    throw error;
  }
  // Writes after this point (none are known) go out at once.
  pendingUpserts.delete(ctx);
  await writePending(database, pending.rows);
  return result;
}

/**
 * Before a write that is not an upsert: the request's pending upserts go first, so its writes keep
 * their order; and the rows of `model` it read are forgotten (`id`, or all of them), so that a consume
 * never writes back a row the request has just removed.
 */
async function writePendingOfRequest(model: string, id?: string): Promise<void> {
  const ctx = Provider.ctx;
  const pending = ctx ? pendingUpserts.get(ctx) : undefined;
  if (!pending) return;
  if (id !== undefined) pending.read.delete(`${model}:${id}`);
  else for (const key of pending.read.keys()) if (key.startsWith(`${model}:`)) pending.read.delete(key);
  await writePending(pending.database, pending.rows);
}

/** The models whose rows belong to an account (their account_id column is filled, to end them together). */
const ACCOUNT_MODELS = new Set(['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest']);

const TOKEN_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest'];

/**
 * The account_id column of a row: the account it belongs to, or for an Interaction the account its
 * login result names (not its owner: endEverySignInOf does not end interactions), read with it at the resume.
 */
function accountIdOf(model: string, payload: AdapterPayload): string | null {
  if (ACCOUNT_MODELS.has(model)) return payload.accountId ?? null;
  if (model === 'Interaction') {
    const accountId = (payload.result as { login?: { accountId?: unknown } } | undefined)?.login?.accountId;
    return typeof accountId === 'string' ? accountId : null;
  }
  return null;
}

/** The models whose find also reads their grant and account (see TypeOrmAdapter.findWithCompanions). */
const GRANT_BOUND_MODELS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);
/**
 * The models whose find also reads their account without a grant: a session (every authorization
 * request with one asks for its account) and an interaction (the resume after a login asks for the
 * account its result names).
 */
const ACCOUNT_BOUND_MODELS = new Set(['Session', 'Interaction']);
/**
 * The models whose find also reads their session: oidc-provider checks the session binding of an
 * access token (on every find) and of a code (at its exchange) through Session.findByUid, unless
 * offline_access made it outlive the session.
 */
const SESSION_BOUND_MODELS = new Set(['AccessToken', 'AuthorizationCode']);

interface RawRow { payload: unknown; expires_at: Date | string | null; consumed_at: Date | string | null }

/** A row of findWithCompanions: the model's own columns and those of the rows joined to it. */
type CompanionRow = RawRow & { id: string } & Record<string, unknown>;

/**
 * Rows read ahead within one request of the provider, keyed by `Grant:<id>`, `Session:uid:<uid>` or
 * `Account:<id>`; each is taken once (and dropped when the request writes that grant or session), so
 * nothing outlives the request or is read after a write of its own request.
 */
const readAhead = new WeakMap<object, Map<string, unknown>>();

function keepForRequest(key: string, value: unknown): void {
  const ctx = Provider.ctx;
  if (!ctx) return;
  let rows = readAhead.get(ctx);
  if (!rows) readAhead.set(ctx, rows = new Map());
  rows.set(key, value);
}

/** A row read ahead in this request (`found: false` when none was): taken, so asked for once. */
export function takeReadAhead<T>(key: string): { found: true; value: T } | { found: false } {
  const ctx = Provider.ctx;
  const rows = ctx ? readAhead.get(ctx) : undefined;
  if (!rows?.has(key)) return { found: false };
  const value = rows.get(key) as T;
  rows.delete(key);
  return { found: true, value };
}

function forgetReadAhead(key: string): void {
  const ctx = Provider.ctx;
  if (ctx) readAhead.get(ctx)?.delete(key);
}

function forgetSessionsReadAhead(): void {
  const ctx = Provider.ctx;
  const rows = ctx ? readAhead.get(ctx) : undefined;
  if (rows) for (const key of rows.keys()) if (key.startsWith('Session:uid:')) rows.delete(key);
}

/** The payload of a row joined under `prefix` (undefined when the join found none). */
function joinedPayload(row: Record<string, unknown>, prefix: string): AdapterPayload | undefined {
  const payload = row[`${prefix}payload`];
  if (payload === null || payload === undefined) return undefined;
  return payloadOf({ payload, expires_at: row[`${prefix}expires_at`] as RawRow['expires_at'], consumed_at: row[`${prefix}consumed_at`] as RawRow['consumed_at'] });
}

/** A payload row as the provider expects it: nothing once expired, `consumed` once used. */
function payloadOf(row: RawRow): AdapterPayload | undefined {
  if (row.expires_at !== null && row.expires_at !== undefined && millis(row.expires_at) <= Date.now()) return undefined;
  const payload = parsed(row.payload);
  if (row.consumed_at !== null && row.consumed_at !== undefined) return { ...payload, consumed: Math.floor(millis(row.consumed_at) / 1000) };
  return payload;
}

export interface AdapterOptions {
  /** The accounts' columns, read beside a token so that the request's findAccount needs no statement of its own. */
  accounts?: EntityColumns<AccountRow>;
}

/** MySQL's json arrives parsed; MariaDB's json (LONGTEXT) and SQLite's text arrive as a string. */
function parsed(value: unknown): AdapterPayload {
  if (typeof value === 'string') return JSON.parse(value) as AdapterPayload;
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8')) as AdapterPayload;
  return value as AdapterPayload;
}

/**
 * oidc-provider storage in one table keyed by (model, id). Rows are kept until they expire
 * (purgeExpired removes them); a consumed code or token stays, marked, so that a replay is
 * recognised and revokes the grant.
 */
export class TypeOrmAdapter implements Adapter {
  private readonly upsertSql: string;
  private companions: ReadsOfOneTurn<CompanionRow> | undefined;

  constructor(private readonly model: string, private readonly database: Database, private readonly options: AdapterOptions = {}) {
    this.upsertSql = UPSERT[database.dialect](1);
  }

  private query(sql: string, params: unknown[]): Promise<unknown> {
    // The primary (never a replica); on sql.js the file is saved after a write.
    return rawQuery(this.database, sql, params);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    if (this.model === 'Grant') forgetReadAhead(`Grant:${id}`);
    if (this.model === 'Session' && payload.uid) forgetReadAhead(`Session:uid:${payload.uid}`);
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    const values = this.rowValues(id, payload, expiresAt, null);
    const pending = pendingOfRequest();
    if (pending) {
      // The stored copy, not the provider's object (which it may go on changing).
      pending.set(`${this.model}:${id}`, { model: this.model, id, payload: JSON.parse(values[2] as string) as AdapterPayload, values, expiresAt });
      return;
    }
    await this.query(this.upsertSql, values);
  }

  /** The columns of a row, in the order of ROW: each derived from the payload but the expiry and the consumption. */
  private rowValues(id: string, payload: AdapterPayload, expiresAt: number | undefined, consumedAt: number | null): unknown[] {
    return [
      this.model,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.userCode ?? null,
      payload.uid ?? null,
      typeof payload.sessionUid === 'string' ? payload.sessionUid : null,
      accountIdOf(this.model, payload),
      expiresAt === undefined ? null : utcDatetime(expiresAt),
      consumedAt === null ? null : utcDatetime(consumedAt),
    ];
  }

  /** This request's pending upsert of a row of this model that `matches`, if any. */
  private pending(matches: (row: PendingUpsert) => boolean): { found: true; value: AdapterPayload | undefined } | { found: false } {
    const rows = pendingOfRequest();
    if (!rows?.size) return { found: false };
    for (const row of rows.values()) if (row.model === this.model && matches(row)) return { found: true, value: pendingPayload(row) };
    return { found: false };
  }

  private async findOne(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const rows = await this.query(`${SELECT} ${column} = ? LIMIT 1`, [this.model, value]) as RawRow[];
    if (column === 'id' && rows[0]) rememberRead(this.model, value, rows[0]);
    return rows[0] ? payloadOf(rows[0]) : undefined;
  }

  /**
   * A token or code with its grant, its account and (an access token, a code) its session in one statement,
   * and a session with its account: the provider reads them one after the other for every token,
   * refresh and userinfo request and every authorization request with a session (up to four round
   * trips, most of userinfo's time). An interaction is read with the account of its login result
   * (the resume's findAccount). They are kept for this request only (takeReadAhead).
   */
  private async findWithCompanions(id: string): Promise<AdapterPayload | undefined> {
    const withGrant = GRANT_BOUND_MODELS.has(this.model);
    const withSession = SESSION_BOUND_MODELS.has(this.model);
    const accounts = withGrant || ACCOUNT_BOUND_MODELS.has(this.model) ? this.options.accounts : undefined;
    if (!this.companions) {
      const select = 'SELECT t.id, t.payload, t.expires_at, t.consumed_at, t.grant_id, t.account_id, t.session_uid'
        + (withGrant ? ', g.payload AS g_payload, g.expires_at AS g_expires_at, g.consumed_at AS g_consumed_at' : '')
        + (withSession ? ', s.payload AS s_payload, s.expires_at AS s_expires_at, s.consumed_at AS s_consumed_at' : '')
        + (accounts ? `, ${accounts.select('a', 'a_')}` : '')
        + ' FROM oidc_payload t'
        + (withGrant ? ' LEFT JOIN oidc_payload g ON g.model = ? AND g.id = t.grant_id' : '')
        + (withSession ? ' LEFT JOIN oidc_payload s ON s.model = ? AND s.uid = t.session_uid' : '')
        + (accounts ? ` LEFT JOIN ${accounts.escape(accounts.table)} a ON a.${accounts.key} = t.account_id` : '')
        + ' WHERE t.model = ? AND t.id IN ';
      const leading: string[] = [...(withGrant ? ['Grant'] : []), ...(withSession ? ['Session'] : []), this.model];
      // The finds of concurrent requests in one statement (see ReadsOfOneTurn).
      this.companions = new ReadsOfOneTurn<CompanionRow>(
        (ids) => this.query(`${select}(${ids.map(() => '?').join(', ')})`, [...leading, ...ids]) as Promise<CompanionRow[]>,
        (row) => row.id,
      );
    }
    const row = await this.companions.get(id);
    if (!row) return undefined;
    if (withGrant && typeof row.grant_id === 'string') keepForRequest(`Grant:${row.grant_id}`, joinedPayload(row, 'g_'));
    // A row written before the session_uid column has none: its session is read as before.
    if (withSession && typeof row.session_uid === 'string') keepForRequest(`Session:uid:${row.session_uid}`, joinedPayload(row, 's_'));
    if (accounts && typeof row.account_id === 'string') keepForRequest(`Account:${row.account_id}`, accounts.hydrate(row, 'a_'));
    rememberRead(this.model, id, row);
    return payloadOf(row);
  }

  find(id: string) {
    const pending = this.pending((row) => row.id === id);
    if (pending.found) return Promise.resolve(pending.value);
    // The companions are kept for the provider's request only: outside one (our own routes read an
    // interaction or a session through the provider's API) they would be read for nothing.
    const companions = GRANT_BOUND_MODELS.has(this.model) || (ACCOUNT_BOUND_MODELS.has(this.model) && this.options.accounts);
    if (companions && Provider.ctx) return this.findWithCompanions(id);
    if (this.model === 'Grant') {
      const ahead = takeReadAhead<AdapterPayload | undefined>(`Grant:${id}`);
      if (ahead.found) return Promise.resolve(ahead.value);
    }
    return this.findOne('id', id);
  }

  findByUid(uid: string) {
    const pending = this.pending((row) => row.payload.uid === uid);
    if (pending.found) return Promise.resolve(pending.value);
    if (this.model === 'Session') {
      const ahead = takeReadAhead<AdapterPayload | undefined>(`Session:uid:${uid}`);
      if (ahead.found) return Promise.resolve(ahead.value);
    }
    return this.findOne('uid', uid);
  }

  findByUserCode(userCode: string) {
    const pending = this.pending((row) => row.payload.userCode === userCode);
    return pending.found ? Promise.resolve(pending.value) : this.findOne('user_code', userCode);
  }

  /**
   * Uses a code or refresh token up, at once and only if no other request has (a code exchanged or a
   * token rotated twice at the same moment: the provider checked both unconsumed when it read them);
   * the loser gets invalid_grant, as does a consume of a row that is gone (its sign-ins were ended).
   */
  async consume(id: string): Promise<void> {
    const ctx = Provider.ctx;
    const pending = ctx ? pendingUpserts.get(ctx) : undefined;
    const key = `${this.model}:${id}`;
    const written = pending?.rows.get(key);
    const read = pending?.read.get(key);
    const now = Date.now();
    if (pending && (written || read)) {
      // A row this request read is guarded; one only this request knows (written, never read: not yet
      // stored) needs none.
      if (read && !(await this.markConsumed(id, now))) throw new errors.InvalidGrant('grant request is invalid');
      // Written with the request's other rows (the tokens it issues), as the row it was plus the time
      // of its consumption.
      const row = (written ?? read)!;
      pending.read.delete(key);
      const payload = parsed(row.payload);
      const values = this.rowValues(id, payload, row.expiresAt, now);
      pending.rows.set(key, { model: this.model, id, payload, values, expiresAt: row.expiresAt, consumed: true });
      return;
    }
    await writePendingOfRequest(this.model, id);
    if (!(await this.markConsumed(id, now))) throw new errors.InvalidGrant('grant request is invalid');
  }

  /** Sets the row's consumed_at unless it is set already (or the row is gone); true when this call set it. */
  private async markConsumed(id: string, at: number): Promise<boolean> {
    const sql = 'UPDATE oidc_payload SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL';
    const params = [utcDatetime(at), this.model, id];
    if (this.database.dialect === 'mysql') return ((await this.query(sql, params)) as { affectedRows: number }).affectedRows === 1;
    return ((await this.query(`${sql} RETURNING id`, params)) as unknown[]).length === 1;
  }

  async destroy(id: string): Promise<void> {
    await writePendingOfRequest(this.model, id);
    if (this.model === 'Grant') forgetReadAhead(`Grant:${id}`);
    // A session destroyed in this request (a logout) may have been read ahead by its uid.
    if (this.model === 'Session') forgetSessionsReadAhead();
    await this.query('DELETE FROM oidc_payload WHERE model = ? AND id = ?', [this.model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await writePendingOfRequest(this.model);
    // Scoped to this model: Interaction rows carry a grantId too and must survive.
    await this.query('DELETE FROM oidc_payload WHERE model = ? AND grant_id = ?', [this.model, grantId]);
  }
}

export function adapterFactory(database: Database, options: AdapterOptions = {}) {
  return (model: string) => new TypeOrmAdapter(model, database, options);
}

/** Removes expired provider rows (abandoned interactions, old sessions and tokens). */
export async function purgeExpiredPayloads(database: Database, now = new Date()): Promise<number> {
  const result = await database.dataSource.getRepository(database.entities.OidcPayload).delete({ expiresAt: LessThan(now) });
  return result.affected ?? 0;
}

/** A relying party a session had signed in to, and the session's id for it (`sid` of its ID tokens). */
export interface EndedAuthorization { clientId: string; sid?: string }

/**
 * Ends everything an account is signed in with (after a credential reset, a staff lock, an address
 * moved to another mailbox), on every replica: its sessions, its grants and every token issued under
 * them (access and refresh tokens, codes), so a relying party's refresh fails too. Grants are found
 * through the account's rows and through its sessions' authorizations (rows written before the
 * account was recorded on grants and tokens). `alsoWrite` is given the relying parties the ended
 * sessions had signed in to, in the same transaction (their back-channel logouts, src/oidc/sign-ins.ts);
 * what it returns is returned.
 */
export async function endEverySignInOf<T>(
  database: Database, accountId: string, alsoWrite: (manager: EntityManager, ended: EndedAuthorization[]) => Promise<T>,
): Promise<T> {
  return runInTransaction(database, async (manager) => {
    const sessions = await manager.query('SELECT payload FROM oidc_payload WHERE model = ? AND account_id = ?', ['Session', accountId]) as RawRow[];
    const grants = await manager.query('SELECT id FROM oidc_payload WHERE model = ? AND account_id = ?', ['Grant', accountId]) as Array<{ id: string }>;
    const grantIds = new Set(grants.map((row) => row.id));
    const ended: EndedAuthorization[] = [];
    for (const row of sessions) {
      const authorizations = (parsed(row.payload).authorizations ?? {}) as Record<string, { grantId?: unknown; sid?: unknown }>;
      for (const [clientId, authorization] of Object.entries(authorizations)) {
        if (typeof authorization.grantId === 'string') grantIds.add(authorization.grantId);
        ended.push({ clientId, ...(typeof authorization.sid === 'string' ? { sid: authorization.sid } : {}) });
      }
    }
    const ids = [...grantIds];
    if (ids.length) {
      const marks = ids.map(() => '?').join(', ');
      await manager.query(`DELETE FROM oidc_payload WHERE model IN (${TOKEN_MODELS.map(() => '?').join(', ')}) AND grant_id IN (${marks})`, [...TOKEN_MODELS, ...ids]);
      await manager.query(`DELETE FROM oidc_payload WHERE model = ? AND id IN (${marks})`, ['Grant', ...ids]);
    }
    await manager.query(`DELETE FROM oidc_payload WHERE account_id = ? AND model IN (${[...ACCOUNT_MODELS].map(() => '?').join(', ')})`, [accountId, ...ACCOUNT_MODELS]);
    return alsoWrite(manager, ended);
  });
}

/** A live sign-in of an account, as the staff console lists it. */
export interface AccountSession {
  /** When the login that made the session happened. */
  loginAt?: Date;
  /** When the session ends unless it is used (the idle window slides with use). */
  expiresAt?: Date;
  /** The relying parties it has signed in to. */
  clientIds: string[];
  amr: string[];
}

/** The account's sessions that have not expired, newest login first. */
export async function sessionsOf(database: Database, accountId: string): Promise<AccountSession[]> {
  const rows = await database.dataSource.query('SELECT payload, expires_at FROM oidc_payload WHERE model = ? AND account_id = ?', ['Session', accountId]) as RawRow[];
  const now = Date.now();
  return rows
    .filter((row) => row.expires_at === null || row.expires_at === undefined || millis(row.expires_at) > now)
    .map((row) => {
      const payload = parsed(row.payload);
      const loginTs = typeof payload.loginTs === 'number' ? payload.loginTs : undefined;
      return {
        loginAt: loginTs ? new Date(loginTs * 1000) : undefined,
        expiresAt: row.expires_at ? new Date(millis(row.expires_at)) : undefined,
        clientIds: Object.keys((payload.authorizations ?? {}) as Record<string, unknown>),
        amr: Array.isArray(payload.amr) ? payload.amr.filter((v): v is string => typeof v === 'string') : [],
      };
    })
    .sort((a, b) => (b.loginAt?.getTime() ?? 0) - (a.loginAt?.getTime() ?? 0));
}
