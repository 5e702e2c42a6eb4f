import type { PersonalDataGroup } from '../../../config/types.js';
import type { AccountRow } from '../../../db/entities.js';
import type { Services } from '../../../services.js';
import type { ApplicationForm } from '../../../applications/fields.js';
import type { FormFieldName } from '../../../applications/form.js';
import {
  changedFields, currentPersonalValues, GROUP_ORDER, groupOf, pendingPersonalRequests, PERSONAL_GROUPS, personalFields, reviewedGroups, writePersonalData,
} from '../../../applications/personal-data.js';
import { applicationMails } from '../../../applications/mails.js';

// G6 個人情報設定・変更 (DESIGN §2.2 G6; manual 002 §2.4(a)): plain functions over the services they
// name; routes.ts only parses and renders.

export type PersonalChangeCheck =
  | { kind: 'ok'; changed: FormFieldName[]; reviewed: Set<PersonalDataGroup> }
  | { kind: 'no_change' }
  | { kind: 'pending'; fields: FormFieldName[] };

/**
 * 確認 and 変更: something must change, and an item of a group that staff review cannot change while
 * an earlier request of that group waits for them.
 */
export async function checkPersonalChange(services: Pick<Services, 'config' | 'database'>, account: AccountRow, values: Record<string, string>): Promise<PersonalChangeCheck> {
  const graduates = services.config.graduates!;
  const fields = personalFields(graduates);
  const changed = changedFields(currentPersonalValues(account, fields), values, fields);
  if (!changed.length) return { kind: 'no_change' };
  const reviewed = reviewedGroups(graduates);
  const pending = new Set((await pendingPersonalRequests(services, account.id)).flatMap((p) => p.groups));
  const blocked = changed.filter((f) => pending.has(groupOf(f)!) && reviewed.has(groupOf(f)!));
  if (blocked.length) return { kind: 'pending', fields: blocked };
  return { kind: 'ok', changed, reviewed };
}

export type PersonalChange =
  | { kind: 'done'; changed: PersonalDataGroup[]; requested: PersonalDataGroup[] }
  | { kind: 'no_change' }
  | { kind: 'pending'; fields: FormFieldName[] };

/**
 * 変更: the items of directly editable groups are written at once; those of reviewed groups become a
 * request (an application with purpose 'personal', holding the whole group's new values) that staff
 * approve or reject in the console. Mailed (groups named in the account's language) and audited
 * (item names only, never the values).
 */
export async function changePersonalData(
  services: Pick<Services, 'config' | 'database' | 'accounts' | 'applications' | 'audit' | 'sendMail' | 'langOf' | 'mailBranding' | 'texts'>,
  input: { account: AccountRow; values: Record<string, string>; ip: string },
): Promise<PersonalChange> {
  const { account } = input;
  const check = await checkPersonalChange(services, account, input.values);
  if (check.kind !== 'ok') return check;
  const fields = personalFields(services.config.graduates!);

  const direct: ApplicationForm = {};
  const request: ApplicationForm = {};
  const changedGroups = new Set<PersonalDataGroup>();
  const requestedGroups = new Set<PersonalDataGroup>();
  for (const field of check.changed) {
    const group = groupOf(field)!;
    if (check.reviewed.has(group)) requestedGroups.add(group);
    else {
      direct[field] = input.values[field] ?? '';
      changedGroups.add(group);
    }
  }
  for (const group of requestedGroups) for (const field of PERSONAL_GROUPS[group]) if (fields.includes(field)) request[field] = input.values[field] ?? '';

  // The direct change and the request for staff are saved together, or neither.
  const requestId = await services.applications.inTransaction(async (store, manager) => {
    if (changedGroups.size) await writePersonalData(services, account.id, direct, manager);
    if (!requestedGroups.size) return undefined;
    const application = await store.createDraft({ purpose: 'personal', email: account.email ?? '', lang: services.langOf(account.locale), accountId: account.id });
    await store.update(application.id, { form: request as Record<string, string> });
    await store.transition(application, 'submit', { type: 'applicant', id: null });
    return application.id;
  });
  if (changedGroups.size) {
    await services.audit.record('personal_data.changed', { accountId: account.id, ip: input.ip, detail: { fields: Object.keys(direct).join(','), by: 'user' } });
  }
  if (requestId) {
    await services.audit.record('personal_data.change_requested', { accountId: account.id, ip: input.ip, detail: { applicationId: requestId, fields: Object.keys(request).join(',') } });
  }
  const order = (set: Set<PersonalDataGroup>) => GROUP_ORDER.filter((g) => set.has(g));
  if (account.email) {
    const lang = services.langOf(account.locale);
    const t = services.texts.for(lang);
    const label = (group: PersonalDataGroup) => t(`self.group.${group}`);
    await services.sendMail(account.email, applicationMails.personalDataChanged(lang, services.mailBranding, order(changedGroups).map(label), order(requestedGroups).map(label)));
  }
  return { kind: 'done', changed: order(changedGroups), requested: order(requestedGroups) };
}
