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

/**
 * The three dependent selects 大学名 → 学部名 → 学科名 (manual 002 §2.1 step 10): what is chosen in each
 * and the choices each offers. Without JavaScript the 学部名 and 学科名 lists follow a 選択 press
 * (a form post that re-renders the page); with it, public/js/catalogue-select.js filters in place.
 * A 学科 that does not belong to the chosen 大学/学部 (the university was changed afterwards) is not
 * chosen. Values posted for the first two selects win over the ones the 学科 implies.
 */
export interface CatalogueSelects {
  university: string;
  faculty: string;
  /** The chosen entry's id ('' when none fits the chosen university and faculty). */
  entryId: string;
  universities: string[];
  faculties: string[];
  departments: Array<{ id: string; department: string }>;
}

export function catalogueSelects(
  catalogue: ReadonlyArray<Pick<CatalogueEntryRow, 'id' | 'university' | 'faculty' | 'department'>>,
  chosen: { catalogue_university?: unknown; catalogue_faculty?: unknown; catalogue_id?: unknown },
): CatalogueSelects {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const entry = catalogue.find((e) => e.id === chosen.catalogue_id);
  const distinct = (values: string[]) => [...new Set(values)];
  const universities = distinct(catalogue.map((e) => e.university));
  let university = text(chosen.catalogue_university) ?? entry?.university ?? '';
  if (!universities.includes(university)) university = '';
  const faculties = university ? distinct(catalogue.filter((e) => e.university === university).map((e) => e.faculty)) : [];
  let faculty = text(chosen.catalogue_faculty) ?? (entry?.university === university ? entry.faculty : '');
  if (!faculties.includes(faculty)) faculty = '';
  const departments = faculty ? catalogue.filter((e) => e.university === university && e.faculty === faculty).map((e) => ({ id: e.id, department: e.department })) : [];
  const entryId = entry && departments.some((d) => d.id === entry.id) ? entry.id : '';
  return { university, faculty, entryId, universities, faculties, departments };
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
