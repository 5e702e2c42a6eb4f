import { randomUUID } from 'node:crypto';
import { IsNull, LessThan, LessThanOrEqual, Or, type Repository } from 'typeorm';
import type { Database } from '../db/data-source.js';
import type { MailOutboxRow } from '../db/entities.js';
import { logger } from '../logger.js';
import { PollingLoop, retryDelaySeconds } from '../ops/polling-loop.js';
import type { MailTransport } from './transport.js';

export interface MailMessage { to: string; subject: string; text: string }

const CLAIM_SECONDS = 120;

/**
 * Every mail goes through this table: a page says a mail was sent only once it is queued here,
 * and an SMTP outage delays mail without losing any. Rows are claimed before sending, so several
 * replicas never send the same mail twice.
 */
export class MailOutbox {
  private readonly rows: Repository<MailOutboxRow>;
  private readonly loop: PollingLoop;
  /** Told the result of every delivery attempt (metrics). */
  observer: ((result: 'sent' | 'retry' | 'failed') => void) | undefined;

  constructor(
    database: Database,
    private readonly transport: MailTransport,
    private readonly options: { from: string; maxAttempts: number; pollSeconds: number },
  ) {
    this.rows = database.dataSource.getRepository(database.entities.MailOutbox);
    this.loop = new PollingLoop(() => this.processDue(), options.pollSeconds * 1000, (error) => {
      logger.error({ err: describeSmtpError(error) }, 'mail outbox pass failed');
    });
  }

  async enqueue(message: MailMessage): Promise<void> {
    const now = new Date();
    await this.rows.insert({
      id: randomUUID(),
      recipient: message.to,
      subject: message.subject,
      bodyText: message.text,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
    });
    this.kick();
  }

  /** Sends every mail that is due; returns how many were sent. */
  async processDue(now = new Date()): Promise<number> {
    const due = await this.rows.find({
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(now), lockedUntil: Or(IsNull(), LessThan(now)) },
      order: { nextAttemptAt: 'ASC' },
      take: 20,
    });
    let sent = 0;
    for (const row of due) {
      // Shutting down: leave the rest unclaimed, for another replica or the next start.
      if (this.loop.stopping) break;
      const claimed = await this.rows.update(
        { id: row.id, status: 'pending', lockedUntil: row.lockedUntil === null ? IsNull() : LessThan(now) },
        { lockedUntil: new Date(now.getTime() + CLAIM_SECONDS * 1000) },
      );
      if (claimed.affected !== 1) continue; // another replica took it
      try {
        await this.transport.send({ from: this.options.from, to: row.recipient, subject: row.subject, text: row.bodyText });
        // The body may hold a one-time URL: once delivered it is not kept.
        await this.rows.update({ id: row.id }, { status: 'sent', sentAt: new Date(), lockedUntil: null, bodyText: '', attempts: row.attempts + 1 });
        sent += 1;
        this.observer?.('sent');
      } catch (error) {
        const attempts = row.attempts + 1;
        const failed = attempts >= this.options.maxAttempts;
        const reason = describeSmtpError(error);
        await this.rows.update({ id: row.id }, {
          attempts,
          status: failed ? 'failed' : 'pending',
          lastError: reason,
          lockedUntil: null,
          nextAttemptAt: new Date(Date.now() + retryDelaySeconds(attempts) * 1000),
        });
        this.observer?.(failed ? 'failed' : 'retry');
        logger.warn({ mailId: row.id, attempts, failed, reason }, 'mail delivery failed');
      }
    }
    return sent;
  }

  /** Outbox depth (pending mails), for metrics and tests. */
  pendingCount(): Promise<number> {
    return this.rows.countBy({ status: 'pending' });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling; a mail being sent is finished, the pass stops there. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.transport.close();
  }

  /** Runs a delivery pass soon (right after a mail is queued). */
  kick(): void {
    this.loop.kick();
  }
}

/** An SMTP error without the message text, which may echo addresses. */
function describeSmtpError(error: unknown): string {
  const e = error as { code?: string; responseCode?: number; name?: string };
  return [e.name, e.code, e.responseCode].filter(Boolean).join(' ').slice(0, 200) || 'unknown error';
}
