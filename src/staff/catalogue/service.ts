import {
  addCatalogueEntry, CatalogueEntryExistsError, listCatalogue, seedCatalogue, setCatalogueEntryActive,
} from '../../applications/catalogue.js';
import type { CatalogueEntryRow } from '../../db/entities.js';
import type { Services } from '../../services.js';
import type { StaffActor } from '../actions.js';

// The 大学名/学部名/学科名 catalogue as administrators edit it (the catalogue itself: applications/catalogue.ts).
// Every change is audited (catalogue.changed).

type CatalogueServices = Pick<Services, 'config' | 'database' | 'audit'>;

/** Every entry, active or not; an empty catalogue is first filled from the configuration. */
export async function catalogueEntries(services: Pick<Services, 'config' | 'database'>): Promise<CatalogueEntryRow[]> {
  await seedCatalogue(services);
  return listCatalogue(services);
}

/** A new entry, or 'exists' when the combination is already in the catalogue. */
export async function addEntry(
  services: CatalogueServices, actor: StaffActor, input: { university: string; faculty: string; department: string },
): Promise<CatalogueEntryRow | 'exists'> {
  try {
    const entry = await addCatalogueEntry(services, input);
    await services.audit.record('catalogue.changed', { ip: actor.ip, detail: { staffId: actor.id, entryId: entry.id, action: 'added' } });
    return entry;
  } catch (error) {
    if (error instanceof CatalogueEntryExistsError) return 'exists';
    throw error;
  }
}

/** Deactivates (or activates again) an entry; undefined when there is none of this id. */
export async function setEntryActive(services: CatalogueServices, actor: StaffActor, id: string, active: boolean): Promise<CatalogueEntryRow | undefined> {
  const entry = await setCatalogueEntryActive(services, id, active);
  if (entry) await services.audit.record('catalogue.changed', { ip: actor.ip, detail: { staffId: actor.id, entryId: id, action: active ? 'activated' : 'deactivated' } });
  return entry;
}
