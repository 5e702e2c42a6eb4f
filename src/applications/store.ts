import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { In, IsNull, MoreThan, Not, type EntityManager, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import { runInTransaction } from '../db/transaction.js';
import type {
  ApplicationDocumentRow, ApplicationEventRow, ApplicationKind, ApplicationPurpose, ApplicationRow, ApplicationStatus, ApplicationViewRow,
} from '../db/entities.js';
import type { ApplicationForm } from './fields.js';
import { isDuplicateKey } from '../db/errors.js';
import { orderedId } from '../db/ordered-id.js';
import { newReceiptNumber } from './receipt.js';
import { reviewKeysOf, searchable } from './review-keys.js';
import { AWAITING_REVIEW, nextStatus, type ApplicationAction } from './state-machine.js';

export class ApplicationStateError extends Error {
  override name = 'ApplicationStateError';
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Applications, their documents (encrypted by the caller) and their history. The applicant reaches
 * an application through an access key (256 bits, stored hashed, expiring) carried in the URL mailed
 * to the verified address: the key is what proves the address.
 */
export class ApplicationStore {
  private readonly rows: Repository<ApplicationRow>;
  private readonly documents: Repository<ApplicationDocumentRow>;
  private readonly events: Repository<ApplicationEventRow>;
  private readonly views: Repository<ApplicationViewRow>;

  /** `manager`: the store inside a transaction (see inTransaction). */
  constructor(private readonly database: Database, manager: EntityManager = database.dataSource.manager) {
    this.rows = manager.getRepository(database.entities.Application);
    this.documents = manager.getRepository(database.entities.ApplicationDocument);
    this.events = manager.getRepository(database.entities.ApplicationEvent);
    this.views = manager.getRepository(database.entities.ApplicationView);
  }

  /**
   * Runs `work` with a store whose every statement belongs to one transaction (all saved, or none);
   * `on`: the connection it must run on (one holding a named lock, src/db/named-lock.ts).
   */
  inTransaction<T>(work: (store: ApplicationStore, manager: EntityManager) => Promise<T>, on?: EntityManager): Promise<T> {
    return runInTransaction(this.database, (manager) => work(new ApplicationStore(this.database, manager), manager), on);
  }


  /** `manager`: the connection to write on (one holding a named lock, src/db/named-lock.ts). */
  async createDraft(input: { purpose: ApplicationPurpose; email: string; lang: string; accountId?: string | null }, manager?: EntityManager): Promise<ApplicationRow> {
    const now = new Date();
    const row: ApplicationRow = {
      id: randomUUID(), purpose: input.purpose, kind: 'new', status: 'draft', email: input.email, lang: input.lang, form: null,
      termsVersion: null, termsAcceptedAt: null, accountId: input.accountId ?? null, accessKeyHash: null, accessExpiresAt: null, usedAccessKeyHash: null, receiptNumber: null,
      staffComment: null, decidedBy: null, decidedAt: null, submittedAt: null, documentsPurgedAt: null, createdAt: now, updatedAt: now,
      ...reviewKeysOf(input.email, null),
    };
    await (manager ? manager.getRepository(this.database.entities.Application) : this.rows).insert(row);
    await this.recordEvent(row.id, 'applicant', null, 'created');
    return row;
  }

  /** A new access key for the applicant (the old one stops working). */
  issueAccess(applicationId: string, days: number): Promise<string> {
    return this.issueAccessFor(applicationId, days * 86400_000);
  }

  async issueAccessFor(applicationId: string, lifetimeMs: number): Promise<string> {
    const key = randomBytes(32).toString('base64url');
    await this.rows.update({ id: applicationId }, { accessKeyHash: hashKey(key), accessExpiresAt: new Date(Date.now() + lifetimeMs) });
    return key;
  }

  /**
   * Uses a live key up: replaced by a new one (`days` long) only if the key is still the application's
   * and unexpired, in one conditional update, so that of two concurrent uses only one gets a new key.
   */
  async exchangeAccess(applicationId: string, usedKey: string, days: number): Promise<string | undefined> {
    const key = randomBytes(32).toString('base64url');
    const now = new Date();
    const result = await this.rows.update(
      { id: applicationId, accessKeyHash: hashKey(usedKey), accessExpiresAt: MoreThan(now) },
      { accessKeyHash: hashKey(key), accessExpiresAt: new Date(now.getTime() + days * 86400_000), usedAccessKeyHash: hashKey(usedKey) },
    );
    return result.affected === 1 ? key : undefined;
  }

  /** How many applications were started for an address since a moment (to cap mails). */
  countStartedSince(email: string, since: Date, manager?: EntityManager): Promise<number> {
    return (manager ? manager.getRepository(this.database.entities.Application) : this.rows).createQueryBuilder('a').where('a.email = :email', { email }).andWhere('a.created_at > :since', { since }).getCount();
  }

  async findByAccessKey(key: unknown): Promise<ApplicationRow | { expired: true } | undefined> {
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(key)) return undefined;
    const row = await this.rows.findOneBy({ accessKeyHash: hashKey(key) });
    if (!row) return undefined;
    if (!row.accessExpiresAt || row.accessExpiresAt.getTime() <= Date.now()) return { expired: true };
    return row;
  }

  /** The application whose mailed key this was, once used up by its landing page's button. */
  async findByUsedAccessKey(key: unknown): Promise<ApplicationRow | undefined> {
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(key)) return undefined;
    return (await this.rows.findOneBy({ usedAccessKeyHash: hashKey(key) })) ?? undefined;
  }

  async revokeAccess(applicationId: string): Promise<void> {
    await this.rows.update({ id: applicationId }, { accessKeyHash: null, accessExpiresAt: null });
  }

  findById(id: string): Promise<ApplicationRow | null> {
    return this.rows.findOneBy({ id });
  }

  async update(id: string, changes: Partial<Pick<ApplicationRow, 'form' | 'kind' | 'termsVersion' | 'termsAcceptedAt' | 'accountId' | 'lang'>>): Promise<void> {
    // The queue's search and the duplicate hints follow the form (review-keys.ts).
    const keys = changes.form !== undefined ? reviewKeysOf((await this.rows.findOne({ select: { id: true, email: true }, where: { id } }))?.email ?? '', changes.form) : {};
    await this.rows.update({ id }, { ...changes, ...keys, updatedAt: new Date() });
  }

  /**
   * Moves an application by an action, only from a status that allows it (concurrent decisions:
   * the first wins, the others get ApplicationStateError).
   */
  async transition(
    application: ApplicationRow,
    action: ApplicationAction,
    actor: { type: 'applicant' | 'staff' | 'system'; id: string | null },
    extra: { comment?: string | null; accountId?: string | null } = {},
  ): Promise<ApplicationStatus> {
    const to = nextStatus(application.status, action);
    if (!to) throw new ApplicationStateError(`cannot ${action} an application that is ${application.status}`);
    const now = new Date();
    const changes: Partial<ApplicationRow> = { status: to, updatedAt: now };
    if (action === 'submit' || action === 'resubmit') changes.submittedAt = now;
    if (actor.type === 'staff') {
      changes.decidedBy = actor.id;
      changes.decidedAt = now;
      changes.staffComment = extra.comment ?? null;
    }
    // A four-eyes request ends with any move (decided, or back with the applicant).
    Object.assign(changes, { pendingAccountId: null, pendingBy: null, pendingAt: null });
    if (extra.accountId !== undefined) changes.accountId = extra.accountId;
    // Also only in the four-eyes state it was read in: a confirmation of an approval withdrawn (or a
    // decision on one requested) meanwhile fails like any other late decision.
    const pending = application.pendingBy ? application.pendingBy : IsNull();
    const result = await this.rows.update({ id: application.id, status: application.status, pendingBy: pending }, changes);
    if (result.affected !== 1) throw new ApplicationStateError(`application ${application.id} changed meanwhile`);
    await this.recordEvent(application.id, actor.type, actor.id, action, extra.comment ?? null);
    return to;
  }

  async recordEvent(applicationId: string, actorType: ApplicationEventRow['actorType'], actorId: string | null, action: string, comment: string | null = null): Promise<void> {
    await this.events.insert({ id: orderedId(), applicationId, occurredAt: new Date(), actorType, actorId, action, comment });
  }

  history(applicationId: string): Promise<ApplicationEventRow[]> {
    return this.events.find({ where: { applicationId }, order: { occurredAt: 'ASC', id: 'ASC' } });
  }

  // Documents: `data` is already encrypted by the caller (DocumentVault).
  /**
   * The application as it is now, locked until the end of the transaction this store runs in (only
   * inside inTransaction; MySQL/MariaDB — the embedded SQLite runs one transaction at a time): of the
   * applicant's edits sent at once (uploads, form saves), each sees what the ones before it wrote.
   */
  lockedForEdit(id: string): Promise<ApplicationRow | null> {
    return this.rows.findOne({ where: { id }, lock: this.database.dialect === 'mysql' ? { mode: 'pessimistic_write' } : undefined });
  }

  countDocuments(applicationId: string): Promise<number> {
    return this.documents.countBy({ applicationId });
  }

  async addDocument(input: Omit<ApplicationDocumentRow, 'id' | 'createdAt' | 'position' | 'caption'> & { caption?: string | null }): Promise<ApplicationDocumentRow> {
    const position = await this.documents.countBy({ applicationId: input.applicationId });
    const row: ApplicationDocumentRow = { ...input, caption: input.caption ?? null, id: randomUUID(), position, createdAt: new Date() };
    await this.documents.insert(row);
    return row;
  }

  listDocuments(applicationId: string): Promise<Array<Omit<ApplicationDocumentRow, 'data'>>> {
    return this.documents.find({
      select: { id: true, applicationId: true, documentType: true, contentType: true, byteSize: true, position: true, caption: true, createdAt: true },
      where: { applicationId },
      order: { position: 'ASC' },
    });
  }

  findDocument(applicationId: string, documentId: string): Promise<ApplicationDocumentRow | null> {
    return this.documents.findOneBy({ applicationId, id: documentId });
  }

  /** The applicant's caption of an image (表面, 裏面, …; null: none chosen). */
  async setDocumentCaption(applicationId: string, documentId: string, caption: string | null): Promise<void> {
    await this.documents.update({ applicationId, id: documentId }, { caption });
  }

  /**
   * The application's receipt number (申請受付), given once: an application that has one keeps it (a
   * resubmission is the same application). A drawn number that another application holds already
   * (the unique index refuses it) is drawn again.
   */
  async assignReceiptNumber(applicationId: string): Promise<string> {
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.rows.findOne({ select: { id: true, receiptNumber: true }, where: { id: applicationId } });
      if (!current) throw new Error(`no application ${applicationId}`);
      if (current.receiptNumber) return current.receiptNumber;
      try {
        await this.rows.update({ id: applicationId, receiptNumber: IsNull() }, { receiptNumber: newReceiptNumber() });
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 5) throw error;
      }
    }
  }

  async removeDocument(applicationId: string, documentId: string): Promise<void> {
    await this.documents.delete({ applicationId, id: documentId });
  }

  /** Retention: documents of decided applications go after the configured period. */
  async purgeDocumentsDecidedBefore(cutoff: Date): Promise<number> {
    const decided = await this.rows.createQueryBuilder('a')
      .select('a.id', 'id')
      .where('a.status IN (:...statuses)', { statuses: ['approved', 'rejected'] })
      .andWhere('a.decided_at < :cutoff', { cutoff })
      .andWhere('a.documents_purged_at IS NULL')
      .getRawMany<{ id: string }>();
    if (!decided.length) return 0;
    const ids = decided.map((d) => d.id);
    await this.documents.delete({ applicationId: In(ids) });
    await this.rows.update({ id: In(ids) }, { documentsPurgedAt: new Date() });
    return ids.length;
  }

  /**
   * The staff queue: one page of the applications (never drafts) within the filter, sorted, and how
   * many there are in all. Every word of `search` must appear in the address or a form value (the
   * stored search_text, so the search covers every application, not a page of them).
   */
  async queue(filter: QueueFilter, page: { sort?: QueueSort; descending?: boolean; limit?: number; offset?: number } = {}): Promise<{ rows: ApplicationRow[]; total: number }> {
    const query = this.filtered(filter);
    const total = await query.clone().getCount();
    const column = QUEUE_SORT_COLUMNS[page.sort ?? 'submitted'];
    const direction = page.descending ? 'DESC' : 'ASC';
    query.orderBy(column, direction);
    if (column !== 'a.submitted_at') query.addOrderBy('a.submitted_at', 'ASC');
    const rows = await query.addOrderBy('a.id', 'ASC').take(page.limit ?? 50).skip(page.offset ?? 0).getMany();
    return { rows, total };
  }

  /** The first application of the filtered, sorted queue that awaits a decision, other than `exceptId` (次の申請へ). */
  async nextAwaiting(filter: QueueFilter, page: { sort?: QueueSort; descending?: boolean }, exceptId: string): Promise<ApplicationRow | null> {
    const query = this.filtered(filter).andWhere('a.status IN (:...awaiting)', { awaiting: AWAITING_REVIEW }).andWhere('a.id <> :except', { except: exceptId });
    const column = QUEUE_SORT_COLUMNS[page.sort ?? 'submitted'];
    query.orderBy(column, page.descending ? 'DESC' : 'ASC');
    if (column !== 'a.submitted_at') query.addOrderBy('a.submitted_at', 'ASC');
    return query.addOrderBy('a.id', 'ASC').getOne();
  }

  private filtered(filter: QueueFilter) {
    const query = this.rows.createQueryBuilder('a').where('a.status <> :draft', { draft: 'draft' });
    if (filter.statuses?.length) query.andWhere('a.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.purpose) query.andWhere('a.purpose = :purpose', { purpose: filter.purpose });
    if (filter.kind) query.andWhere('a.kind = :kind', { kind: filter.kind });
    const words = searchable(filter.search ?? '').split(/\s+/).filter(Boolean).slice(0, 5);
    words.forEach((word, i) => {
      // The receipt number (申請受付) is searched too: applicants quote it on the phone.
      query.andWhere(`(a.search_text LIKE :w${i} ESCAPE '!' OR LOWER(a.receipt_number) LIKE :w${i} ESCAPE '!')`, { [`w${i}`]: `%${word.replace(/[!%_]/g, (c) => `!${c}`)}%` });
    });
    return query;
  }

  /** Other submitted applications with the same name and birth date, the same student number or the same address. */
  possibleDuplicates(application: ApplicationRow, limit = 20): Promise<ApplicationRow[]> {
    const query = this.rows.createQueryBuilder('a').where('a.id <> :id', { id: application.id }).andWhere('a.status <> :draft', { draft: 'draft' });
    const same: string[] = ['a.email = :email'];
    if (application.nameBirthKey) same.push('a.name_birth_key = :nameBirth');
    if (application.studentNumberKey) same.push('a.student_number_key = :studentNumber');
    query.andWhere(`(${same.join(' OR ')})`, { email: application.email, nameBirth: application.nameBirthKey, studentNumber: application.studentNumberKey });
    return query.orderBy('a.submitted_at', 'DESC').take(limit).getMany();
  }

  // Who has an application open: each staff member's latest view of it.
  async recordView(applicationId: string, staffId: string, at = new Date()): Promise<void> {
    await this.views.upsert({ applicationId, staffId, viewedAt: at }, ['applicationId', 'staffId']);
  }

  /** The staff other than `staffId` who opened the application since `since`, latest first. */
  viewsSince(applicationId: string, staffId: string, since: Date): Promise<ApplicationViewRow[]> {
    return this.views.find({ where: { applicationId, staffId: Not(staffId), viewedAt: MoreThan(since) }, order: { viewedAt: 'DESC' } });
  }

  /**
   * Four-eyes: records that `staffId` approved the move to `accountId`, awaiting a second staff member.
   * Only from a status awaiting review and when nobody has asked yet (the first of two wins).
   */
  async requestApproval(application: ApplicationRow, staffId: string, accountId: string): Promise<void> {
    const now = new Date();
    const result = await this.rows.update(
      { id: application.id, status: In(AWAITING_REVIEW), pendingBy: IsNull() },
      { pendingAccountId: accountId, pendingBy: staffId, pendingAt: now, updatedAt: now },
    );
    if (result.affected !== 1) throw new ApplicationStateError(`application ${application.id} changed meanwhile`);
    await this.recordEvent(application.id, 'staff', staffId, 'approval_requested');
  }

  /** Four-eyes: the request withdrawn (by anyone, e.g. its author after a mistake). */
  async withdrawApproval(application: ApplicationRow, staffId: string): Promise<void> {
    const result = await this.rows.update(
      { id: application.id, status: In(AWAITING_REVIEW), pendingBy: Not(IsNull()) },
      { pendingAccountId: null, pendingBy: null, pendingAt: null, updatedAt: new Date() },
    );
    if (result.affected !== 1) throw new ApplicationStateError(`application ${application.id} changed meanwhile`);
    await this.recordEvent(application.id, 'staff', staffId, 'approval_withdrawn');
  }
}

export interface QueueFilter { statuses?: ApplicationStatus[]; purpose?: ApplicationPurpose; kind?: ApplicationKind; search?: string }

/** The queue's sortable columns. */
export const QUEUE_SORTS = ['submitted', 'status', 'purpose', 'kind', 'email'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
const QUEUE_SORT_COLUMNS: Record<QueueSort, string> = { submitted: 'a.submitted_at', status: 'a.status', purpose: 'a.purpose', kind: 'a.kind', email: 'a.email' };

export type { ApplicationForm };
