import type { Database } from '../db/data-source.js';
import type { CatalogueEntryRow } from '../db/entities.js';
import { listCatalogue } from '../staff/catalogue.js';

/** The 大学名/学部名/学科名 choices applicants see (staff edit them in the console). */
export function activeCatalogue(database: Database): Promise<CatalogueEntryRow[]> {
  return listCatalogue({ database }, { activeOnly: true });
}

export function catalogueLabel(entry: Pick<CatalogueEntryRow, 'university' | 'faculty' | 'department'>): string {
  return `${entry.university} / ${entry.faculty} / ${entry.department}`;
}
