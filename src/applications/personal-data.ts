import type { EntityManager } from 'typeorm';
import type { GraduatesConfig, PersonalDataGroup } from '../config/types.js';
import type { AccountProfile, AccountRow, ApplicationRow } from '../db/entities.js';
import type { Services } from '../services.js';
import { splitName, type ApplicationForm } from './fields.js';
import { visibleFields, type FormFieldName } from './form.js';
import { AWAITING_REVIEW } from './state-machine.js';
import { runInTransaction } from '../db/transaction.js';

// A graduate's personal data (G6): its groups of items, which ones staff review, and how values are
// read from and written to the account (directly by the graduate, or by staff approving a request).

export const PERSONAL_GROUPS: Record<PersonalDataGroup, FormFieldName[]> = {
  name: ['name_kanji', 'name_kana', 'name_romaji'],
  gender: ['gender'],
  homeAddress: ['home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building'],
  homePhone: ['home_phone'],
  mobilePhone: ['mobile_phone'],
  workplace: ['work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'],
};

/** The groups in the order the form and the mails list them. */
export const GROUP_ORDER = Object.keys(PERSONAL_GROUPS) as PersonalDataGroup[];

export function groupOf(field: string): PersonalDataGroup | undefined {
  return GROUP_ORDER.find((g) => PERSONAL_GROUPS[g].includes(field as FormFieldName));
}

/** The G6 form's fields in this deployment: the names always, the rest as the application form shows them. */
export function personalFields(graduates: GraduatesConfig): FormFieldName[] {
  const visible = new Set(visibleFields(graduates));
  return GROUP_ORDER.flatMap((g) => PERSONAL_GROUPS[g]).filter((f) => visible.has(f));
}

export function reviewedGroups(graduates: GraduatesConfig): Set<PersonalDataGroup> {
  return new Set(graduates.personalDataReview ?? []);
}

const full = (name: { family: string; given: string } | undefined) => (name ? `${name.family} ${name.given}`.trim() : '');

/** The account's current values, as the form's fields. */
export function currentPersonalValues(account: AccountRow, fields: readonly FormFieldName[]): Record<string, string> {
  const values: Record<string, string> = {};
  const profile = account.profile;
  for (const field of fields) {
    if (field === 'name_kanji') values[field] = full(profile?.name);
    else if (field === 'name_kana') values[field] = full(profile?.nameKana);
    else if (field === 'name_romaji') values[field] = full(profile?.nameLatin);
    else values[field] = account.personal?.[field] ?? '';
  }
  return values;
}

/** The fields whose value differs from the current one (an optional item left empty clears it). */
export function changedFields(current: Record<string, string>, input: Record<string, string>, fields: readonly FormFieldName[]): FormFieldName[] {
  return fields.filter((f) => (input[f] ?? '') !== (current[f] ?? ''));
}

/** The groups of the account's personal-data change requests still waiting for staff. */
export async function pendingPersonalRequests(services: Pick<Services, 'database'>, accountId: string): Promise<Array<{ application: ApplicationRow; groups: PersonalDataGroup[] }>> {
  const { dataSource, entities } = services.database;
  const rows = await dataSource.getRepository(entities.Application).find({ where: { accountId, purpose: 'personal' }, order: { createdAt: 'ASC' } });
  return rows.filter((r) => AWAITING_REVIEW.includes(r.status)).map((application) => ({
    application,
    groups: GROUP_ORDER.filter((g) => PERSONAL_GROUPS[g].some((f) => Object.hasOwn(application.form ?? {}, f))),
  }));
}

/**
 * Writes personal-data values to the account: the names into the profile (they are the claims), the
 * rest into the personal data. An empty value clears an optional item. The account is read and
 * written in one transaction, its row locked on MySQL/MariaDB (the embedded SQLite runs one
 * transaction at a time), so a graduate's own change and a staff approval at the same moment both stay.
 */
export async function writePersonalData(
  services: Pick<Services, 'database'>, accountId: string, values: ApplicationForm,
  /** Inside a transaction (staff approving a request with the application's move), its manager. */
  manager?: EntityManager,
): Promise<void> {
  if (!manager) return runInTransaction(services.database, (own) => writePersonalData(services, accountId, values, own));
  const rows = manager.getRepository(services.database.entities.Account);
  const lock = services.database.dialect === 'mysql' ? { mode: 'pessimistic_write' as const } : undefined;
  const account = await rows.findOne({ where: { id: accountId }, lock });
  if (!account) throw new Error(`account ${accountId} not found`);
  const profile: AccountProfile = { ...(account.profile ?? { name: { family: '', given: '' }, enrollments: [] }) };
  const personal = { ...(account.personal ?? {}) };
  for (const [field, value] of Object.entries(values) as Array<[string, string | undefined]>) {
    if (field === 'name_kanji') profile.name = splitName(value) ?? { family: value ?? '', given: '' };
    else if (field === 'name_kana') profile.nameKana = splitName(value);
    else if (field === 'name_romaji') profile.nameLatin = splitName(value);
    else if (value) personal[field] = value;
    else delete personal[field];
  }
  await rows.update({ id: accountId }, { profile, personal, updatedAt: new Date() });
}
