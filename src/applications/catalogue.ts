import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import type { Database } from '../db/data-source.js';
import type { CatalogueEntryRow } from '../db/entities.js';
import type { Services } from '../services.js';

// The 大学名/学部名/学科名 catalogue applicants choose from (DESIGN §2.2 G1), edited by administrators.
// Entries are deactivated rather than deleted: approved accounts and past applications keep naming them.

type CatalogueServices = Pick<Services, 'config' | 'database'>;

function rows(services: Pick<Services, 'database'>) {
  return services.database.dataSource.getRepository(services.database.entities.CatalogueEntry);
}

export class CatalogueEntryExistsError extends Error {
  override name = 'CatalogueEntryExistsError';
}

/**
 * Fills the empty catalogue from the configuration (graduates.catalogue). Safe to call at every start
 * and from several replicas at once: it does nothing once the table has rows, and the unique index on
 * (university, faculty, department) keeps a concurrent seed from doubling entries. Returns the
 * number of entries after seeding (0 when there was nothing to do).
 */
export async function seedCatalogue(services: CatalogueServices): Promise<number> {
  const seed = services.config.graduates?.catalogue ?? [];
  if (!seed.length || (await rows(services).count()) > 0) return 0;
  for (const [index, entry] of seed.entries()) {
    await rows(services).createQueryBuilder().insert()
      .values({ id: randomUUID(), university: entry.university, faculty: entry.faculty, department: entry.department, active: true, sortOrder: (index + 1) * 10 })
      .orIgnore()
      .execute();
  }
  return rows(services).count();
}

/** The 大学名/学部名/学科名 choices applicants see (staff edit them in the console). */
export function activeCatalogue(database: Database): Promise<CatalogueEntryRow[]> {
  return listCatalogue({ database }, { activeOnly: true });
}

export function catalogueLabel(entry: Pick<CatalogueEntryRow, 'university' | 'faculty' | 'department'>): string {
  return `${entry.university} / ${entry.faculty} / ${entry.department}`;
}

export function listCatalogue(services: Pick<Services, 'database'>, options: { activeOnly?: boolean } = {}): Promise<CatalogueEntryRow[]> {
  return rows(services).find({
    where: options.activeOnly ? { active: true } : {},
    order: { sortOrder: 'ASC', university: 'ASC', faculty: 'ASC', department: 'ASC' },
  });
}

export async function addCatalogueEntry(services: CatalogueServices, input: { university: string; faculty: string; department: string }): Promise<CatalogueEntryRow> {
  const clean = (value: string) => value.normalize('NFKC').trim();
  const entry = { university: clean(input.university), faculty: clean(input.faculty), department: clean(input.department) };
  const existing = await rows(services).findOneBy(entry);
  if (existing) {
    if (existing.active) throw new CatalogueEntryExistsError();
    await rows(services).update({ id: existing.id }, { active: true });
    return { ...existing, active: true };
  }
  const last = await rows(services).find({ order: { sortOrder: 'DESC' }, take: 1 });
  const row: CatalogueEntryRow = { id: randomUUID(), ...entry, active: true, sortOrder: (last[0]?.sortOrder ?? 0) + 10 };
  try {
    await rows(services).insert(row);
  } catch (error) {
    if (error instanceof QueryFailedError) throw new CatalogueEntryExistsError();
    throw error;
  }
  return row;
}

export async function setCatalogueEntryActive(services: CatalogueServices, id: string, active: boolean): Promise<CatalogueEntryRow | undefined> {
  const entry = await rows(services).findOneBy({ id });
  if (!entry) return undefined;
  await rows(services).update({ id }, { active });
  return { ...entry, active };
}
