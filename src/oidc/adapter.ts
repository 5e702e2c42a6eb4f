import { In, LessThan, type FindOptionsWhere, type Repository } from 'typeorm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/data-source.js';
import type { OidcPayloadRow } from '../db/entities.js';

/**
 * oidc-provider storage in one table keyed by (model, id). Rows are kept until they expire
 * (purgeExpired removes them); a consumed code or token stays, marked, so that a replay is
 * recognised and revokes the grant.
 */
export class TypeOrmAdapter implements Adapter {
  private readonly rows: Repository<OidcPayloadRow>;

  constructor(private readonly model: string, database: Database) {
    this.rows = database.dataSource.getRepository(database.entities.OidcPayload);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    await this.rows.upsert({
      model: this.model,
      id,
      payload,
      grantId: payload.grantId ?? null,
      userCode: payload.userCode ?? null,
      uid: payload.uid ?? null,
      accountId: this.model === 'Session' ? payload.accountId ?? null : null,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      consumedAt: null,
    }, ['model', 'id']);
  }

  private async findOne(where: FindOptionsWhere<OidcPayloadRow>): Promise<AdapterPayload | undefined> {
    const row = await this.rows.findOneBy({ model: this.model, ...where });
    if (!row) return undefined;
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return undefined;
    const payload = row.payload as AdapterPayload;
    if (row.consumedAt) return { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) };
    return payload;
  }

  find(id: string) { return this.findOne({ id }); }
  findByUid(uid: string) { return this.findOne({ uid }); }
  findByUserCode(userCode: string) { return this.findOne({ userCode }); }

  async consume(id: string): Promise<void> {
    await this.rows.update({ model: this.model, id }, { consumedAt: new Date() });
  }

  async destroy(id: string): Promise<void> {
    await this.rows.delete({ model: this.model, id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Scoped to this model: Interaction rows carry a grantId too and must survive.
    await this.rows.delete({ model: this.model, grantId });
  }
}

export function adapterFactory(database: Database) {
  return (model: string) => new TypeOrmAdapter(model, database);
}

/** Removes expired provider rows (abandoned interactions, old sessions and tokens). */
export async function purgeExpiredPayloads(database: Database, now = new Date()): Promise<number> {
  const result = await database.dataSource.getRepository(database.entities.OidcPayload).delete({ expiresAt: LessThan(now) });
  return result.affected ?? 0;
}

/** Ends every session of an account (after a credential reset), on every replica. */
export async function destroySessionsOf(database: Database, accountId: string): Promise<void> {
  await database.dataSource.getRepository(database.entities.OidcPayload).delete({ model: In(['Session']), accountId });
}
