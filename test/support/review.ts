import type { ApplicationForm } from '../../src/applications/fields.js';
import type { ApplicationRow } from '../../src/db/entities.js';
import { createStaffUser } from '../../src/staff/members/service.js';
import type { HttpBrowser } from './browser.js';
import type { TestServer } from './harness.js';
import { pngImage } from './images.js';
import { signIn, type StaffCredentials } from './staff.js';

// The review suites' applications and staff: submitted applications as the applicant's pages leave
// them (form, two document images: front and back), made straight through the store so that a queue of
// twenty costs little; staff members enrolled and signed in over HTTP.

let serial = 0;

export interface SeedOptions {
  email?: string;
  lang?: string;
  purpose?: 'account' | 'enrollment';
  accountId?: string;
  /** Days before now that the application was submitted (the queue's days waiting). */
  daysAgo?: number;
  documents?: number;
  form?: Partial<ApplicationForm>;
}

export async function seedApplication(server: TestServer, options: SeedOptions = {}): Promise<ApplicationRow> {
  serial += 1;
  const store = server.services.applications;
  const email = options.email ?? `review${serial}.${Date.now()}@example.jp`;
  const draft = await store.createDraft({ purpose: options.purpose ?? 'account', email, lang: options.lang ?? 'ja', accountId: options.accountId ?? null });
  const form: ApplicationForm = {
    kind: 'new', name_kanji: `審査 花子${serial}`, name_kana: 'シンサ ハナコ', name_romaji: 'SHINSA HANAKO', gender: 'female', birth_date: `1998-04-${String((serial % 28) + 1).padStart(2, '0')}`,
    last_enrolled_month: '2020-03', university: 'サンプル大学', faculty: '文学部', department: '日本文学科', student_number: `R${String(serial).padStart(6, '0')}`,
    graduated_month: '2020-03', leaving_type: 'graduated', home_postal_code: '530-0001', home_prefecture: '大阪府', home_city: '大阪市北区', home_street: '梅田1-1-1',
    document_type: 'drivers_license', ...options.form,
  };
  await store.update(draft.id, { form, kind: form.kind === 'change' ? 'change' : 'new', termsVersion: '2026-04', termsAcceptedAt: new Date() });
  for (let i = 0; i < (options.documents ?? 2); i += 1) {
    const png = pngImage(40 + i * 20, 25, undefined);
    await store.addDocument({ applicationId: draft.id, documentType: 'drivers_license', contentType: 'image/png', byteSize: png.length, data: server.services.vault.encrypt(png) });
  }
  await store.transition((await store.findById(draft.id))!, 'submit', { type: 'applicant', id: null });
  if (options.daysAgo) {
    const { dataSource, entities } = server.services.database;
    await dataSource.getRepository(entities.Application).update({ id: draft.id }, { submittedAt: new Date(Date.now() - options.daysAgo * 86400_000 - 3600_000) });
  }
  return (await store.findById(draft.id))!;
}

let staffSerial = 0;

/** A staff member created, enrolled and signed in (HTTP); `creds` keep the TOTP secret for further sign-ins. */
export async function reviewer(server: TestServer, displayName: string, role: 'reviewer' | 'administrator' = 'reviewer'): Promise<{ creds: StaffCredentials; browser: HttpBrowser; id: string }> {
  staffSerial += 1;
  const creds: StaffCredentials = { loginId: `rev${staffSerial}.${Date.now() % 100000}`, password: 'Shinsa2026Pw' };
  const created = await createStaffUser(server.services, { loginId: creds.loginId, displayName, role, password: creds.password });
  if (created.kind !== 'ok') throw new Error(`staff user not created: ${created.kind}`);
  creds.enrolmentUrl = created.enrolment.url;
  const browser = await signIn(server, creds);
  return { creds, browser, id: created.staff.id };
}
