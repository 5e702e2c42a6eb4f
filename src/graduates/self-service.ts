import type { GraduatesConfig, Lang, PersonalDataGroup } from '../config/types.js';
import type { AccountProfile, AccountRow, ApplicationRow, Enrollment } from '../db/entities.js';
import { mailTemplates } from '../mail/templates.js';
import type { Services } from '../services.js';
import { AWAITING_REVIEW, applicantMayEdit, splitName, type ApplicationForm } from './application-rules.js';
import { visibleFields, type FormFieldName } from './application-form.js';
import { applications } from './apply-service.js';

// The graduate's self-service (DESIGN §2.2 G5, G6; manual 002 §2.3 and §2.4(a)): plain functions over
// the services; src/graduates/self-service-routes.ts only parses and renders.

export const SELF_SERVICE_PATHS = {
  enrollmentNew: '/account/enrollments/new',
  enrollmentContinue: '/account/enrollments/continue',
  personal: '/account/personal',
} as const;

// G5 — 学籍番号追加登録 ---------------------------------------------------------------------------------

/** The enrolment items of the application form that G5 asks for (manual §2.3 steps 7–9). */
const ENROLLMENT_FIELDS: FormFieldName[] = [
  'enrolled_name_kanji', 'enrolled_name_kana', 'enrolled_name_romaji', 'catalogue_id', 'student_number', 'graduated_month', 'leaving_type',
];

/** The G5 form's fields in this deployment ("入力項目は利用環境により異なります"). */
export function enrollmentFields(graduates: GraduatesConfig): FormFieldName[] {
  const visible = new Set(visibleFields(graduates));
  return ENROLLMENT_FIELDS.filter((f) => visible.has(f));
}

/**
 * 送信: a draft application (purpose 'enrollment') for the signed-in graduate's account and a mail
 * 学籍番号追加 with its one-time URL to the account's address.
 */
export async function requestEnrollment(services: Services, input: { account: AccountRow; lang: Lang; ip: string }): Promise<{ kind: 'sent' | 'limited' }> {
  const store = applications(services);
  const email = input.account.email!;
  if ((await store.countStartedSince(email, new Date(Date.now() - 3600_000))) >= services.config.throttle.mailPerAccountPerHour) return { kind: 'limited' };
  const application = await store.createDraft({ purpose: 'enrollment', email, lang: input.lang, accountId: input.account.id });
  const minutes = services.config.lifetimes.oneTimeUrlMinutes;
  const key = await store.issueAccessFor(application.id, minutes * 60_000);
  const url = `${services.config.issuer}${SELF_SERVICE_PATHS.enrollmentContinue}?key=${encodeURIComponent(key)}`;
  await services.sendMail(email, mailTemplates.enrollmentStart(input.lang, services.mailBranding, url, minutes));
  await services.audit.record('application.requested', { accountId: input.account.id, ip: input.ip, detail: { applicationId: application.id, purpose: 'enrollment' } });
  return { kind: 'sent' };
}

export type OpenedEnrollment = { kind: 'ok'; application: ApplicationRow; key: string } | { kind: 'expired' | 'unknown' };

/** The mailed URL: its key is used up (no replay) and replaced by a longer-lived one for a cookie. */
export async function openEnrollment(services: Services, mailedKey: unknown): Promise<OpenedEnrollment> {
  const store = applications(services);
  const found = await store.findByAccessKey(mailedKey);
  if (!found) return { kind: 'unknown' };
  if ('expired' in found) return { kind: 'expired' };
  if (found.purpose !== 'enrollment') return { kind: 'unknown' };
  const key = await store.issueAccess(found.id, services.config.graduates?.applicationAccessDays ?? 14);
  return { kind: 'ok', application: found, key };
}

export type CurrentEnrollment = { kind: 'ok'; application: ApplicationRow; account: AccountRow } | { kind: 'expired' | 'none' | 'closed' };

export async function currentEnrollment(services: Services, key: string | undefined): Promise<CurrentEnrollment> {
  if (!key) return { kind: 'none' };
  const found = await applications(services).findByAccessKey(key);
  if (!found) return { kind: 'none' };
  if ('expired' in found) return { kind: 'expired' };
  if (found.purpose !== 'enrollment' || !found.accountId) return { kind: 'none' };
  const account = await services.accounts.findById(found.accountId);
  if (!account || account.locked || account.userType !== 'graduate') return { kind: 'none' };
  if (!applicantMayEdit(found.status)) return { kind: 'closed' };
  return { kind: 'ok', application: found, account };
}

function sameEnrollment(a: Pick<Enrollment, 'university' | 'student_number'>, b: Pick<Enrollment, 'university' | 'student_number'>): boolean {
  return Boolean(a.student_number) && a.student_number === b.student_number && a.university === b.university;
}

/**
 * The accounts other than `exceptAccountId` whose enrolments hold this student number of this
 * university. A student number found there is never attached to another account automatically.
 */
export async function enrollmentHolders(services: Services, enrollment: Pick<Enrollment, 'university' | 'student_number'>, exceptAccountId: string | null): Promise<AccountRow[]> {
  if (!enrollment.student_number) return [];
  const { dataSource, entities } = services.database;
  // The JSON is searched as text to narrow the rows, then compared exactly.
  const pattern = `%${enrollment.student_number.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await dataSource.getRepository(entities.Account).createQueryBuilder('a')
    .where('a.profile LIKE :pattern', { pattern })
    .getMany();
  return rows.filter((row) => row.id !== exceptAccountId && (row.profile?.enrollments ?? []).some((e) => sameEnrollment(e, enrollment)));
}

/** True when the graduate's own account already has this enrolment. */
export function hasEnrollment(account: AccountRow, enrollment: Pick<Enrollment, 'university' | 'student_number'>): boolean {
  return (account.profile?.enrollments ?? []).some((e) => sameEnrollment(e, enrollment));
}

/** 申請: the draft (or a returned application) goes to the staff queue; the applicant's access ends. */
export async function submitEnrollment(services: Services, application: ApplicationRow, ip: string): Promise<void> {
  const store = applications(services);
  const action = application.status === 'resubmission_requested' ? 'resubmit' : 'submit';
  await store.transition(application, action, { type: 'applicant', id: null });
  await store.revokeAccess(application.id);
  await services.audit.record(action === 'submit' ? 'application.submitted' : 'application.resubmitted', {
    accountId: application.accountId, ip, detail: { applicationId: application.id, purpose: 'enrollment' },
  });
}

// G6 — 個人情報設定・変更 ---------------------------------------------------------------------------------

export const PERSONAL_GROUPS: Record<PersonalDataGroup, FormFieldName[]> = {
  name: ['name_kanji', 'name_kana', 'name_romaji'],
  gender: ['gender'],
  homeAddress: ['home_postal_code', 'home_prefecture', 'home_city', 'home_street', 'home_building'],
  homePhone: ['home_phone'],
  mobilePhone: ['mobile_phone'],
  workplace: ['work_name', 'work_postal_code', 'work_prefecture', 'work_city', 'work_street', 'work_building', 'work_phone'],
};

const GROUP_ORDER = Object.keys(PERSONAL_GROUPS) as PersonalDataGroup[];

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
export async function pendingPersonalRequests(services: Services, accountId: string): Promise<Array<{ application: ApplicationRow; groups: PersonalDataGroup[] }>> {
  const { dataSource, entities } = services.database;
  const rows = await dataSource.getRepository(entities.Application).find({ where: { accountId, purpose: 'personal' }, order: { createdAt: 'ASC' } });
  return rows.filter((r) => AWAITING_REVIEW.includes(r.status)).map((application) => ({
    application,
    groups: GROUP_ORDER.filter((g) => PERSONAL_GROUPS[g].some((f) => Object.hasOwn(application.form ?? {}, f))),
  }));
}

/**
 * Writes personal-data values to the account: the names into the profile (they are the claims), the
 * rest into the personal data. An empty value clears an optional item.
 */
export async function writePersonalData(services: Services, accountId: string, values: ApplicationForm): Promise<void> {
  const account = await services.accounts.findById(accountId);
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
  await services.database.dataSource.getRepository(services.database.entities.Account)
    .update({ id: accountId }, { profile, personal, updatedAt: new Date() });
}

export type PersonalChange =
  | { kind: 'done'; changed: PersonalDataGroup[]; requested: PersonalDataGroup[] }
  | { kind: 'no_change' }
  | { kind: 'pending'; fields: FormFieldName[] };

/**
 * 変更: the items of directly editable groups are written at once; those of reviewed groups become a
 * request (an application with purpose 'personal', holding the whole group's new values) that staff
 * approve or reject in the console. Mailed and audited (item names only, never the values).
 */
export async function changePersonalData(
  services: Services,
  input: { account: AccountRow; values: Record<string, string>; labels: (group: PersonalDataGroup) => string; ip: string },
): Promise<PersonalChange> {
  const graduates = services.config.graduates!;
  const fields = personalFields(graduates);
  const { account } = input;
  const current = currentPersonalValues(account, fields);
  const changed = changedFields(current, input.values, fields);
  if (!changed.length) return { kind: 'no_change' };
  const reviewed = reviewedGroups(graduates);
  const pending = new Set((await pendingPersonalRequests(services, account.id)).flatMap((p) => p.groups));
  const blocked = changed.filter((f) => pending.has(groupOf(f)!) && reviewed.has(groupOf(f)!));
  if (blocked.length) return { kind: 'pending', fields: blocked };

  const direct: ApplicationForm = {};
  const request: ApplicationForm = {};
  const changedGroups = new Set<PersonalDataGroup>();
  const requestedGroups = new Set<PersonalDataGroup>();
  for (const field of changed) {
    const group = groupOf(field)!;
    if (reviewed.has(group)) requestedGroups.add(group);
    else {
      direct[field] = input.values[field] ?? '';
      changedGroups.add(group);
    }
  }
  for (const group of requestedGroups) for (const field of PERSONAL_GROUPS[group]) if (fields.includes(field)) request[field] = input.values[field] ?? '';

  if (changedGroups.size) {
    await writePersonalData(services, account.id, direct);
    await services.audit.record('personal_data.changed', { accountId: account.id, ip: input.ip, detail: { fields: Object.keys(direct).join(','), by: 'user' } });
  }
  if (requestedGroups.size) {
    const store = applications(services);
    const application = await store.createDraft({ purpose: 'personal', email: account.email ?? '', lang: services.langOf(account.locale), accountId: account.id });
    await store.update(application.id, { form: request as Record<string, string> });
    await store.transition(application, 'submit', { type: 'applicant', id: null });
    await services.audit.record('personal_data.change_requested', { accountId: account.id, ip: input.ip, detail: { applicationId: application.id, fields: Object.keys(request).join(',') } });
  }
  const order = (set: Set<PersonalDataGroup>) => GROUP_ORDER.filter((g) => set.has(g));
  if (account.email) {
    await services.sendMail(account.email, mailTemplates.personalDataChanged(
      services.langOf(account.locale), services.mailBranding, order(changedGroups).map(input.labels), order(requestedGroups).map(input.labels),
    ));
  }
  return { kind: 'done', changed: order(changedGroups), requested: order(requestedGroups) };
}
