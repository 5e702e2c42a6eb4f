import { defineTexts, type KeyOf } from '../../web/texts.js';
import type { StaffTextKey } from '../texts.js';

// 監査ログ's filters, columns and export (the console's shared texts are in ../texts.ts).

export const auditTexts = defineTexts({
  'staff.audit.filters': '絞り込み条件',
  'staff.audit.any_event': 'すべてのイベント',
  'staff.audit.actor': '操作者（スタッフ）',
  'staff.audit.any_actor': 'すべて',
  'staff.audit.subject': '対象',
  'staff.audit.subject_hint': 'アカウントID・メールアドレス・学内ID、スタッフのログインID、または申請ID',
  'staff.audit.from': '期間（開始日）',
  'staff.audit.to': '期間（終了日）',
  'staff.audit.date_hint': '日付はYYYY-MM-DD（{zone}の日付、両端を含む）',
  'staff.audit.date_order': '終了日は開始日以降の日付にしてください。',
  'staff.audit.clear': '条件をクリア',
  'staff.audit.total': '{total}件中 {from}〜{to}件目（{page}/{pages}ページ）',
  'staff.audit.table': '監査ログ',
  'staff.audit.code': 'コード',
  'staff.audit.subject_column': '対象',
  'staff.audit.actor_column': '操作者',
  'staff.audit.export': 'CSVで出力',
  'staff.audit.export_note': 'この条件に該当する記録を、新しい順に最大{limit}件、CSVファイル（UTF-8）で出力します。出力は監査ログに記録されます。',
  'staff.audit.csv_detail_json': '詳細（記録されたまま）',
  'staff.audit.times_in': '日時は{zone}で表示しています。',
}, {
  'staff.audit.filters': 'Filters',
  'staff.audit.any_event': 'All events',
  'staff.audit.actor': 'Done by (staff)',
  'staff.audit.any_actor': 'Anyone',
  'staff.audit.subject': 'Concerning',
  'staff.audit.subject_hint': 'An account ID, email address or university ID, a staff login ID, or an application ID',
  'staff.audit.from': 'From (date)',
  'staff.audit.to': 'To (date)',
  'staff.audit.date_hint': 'Dates as YYYY-MM-DD (days in {zone}, both included)',
  'staff.audit.date_order': 'The end date must not be before the start date.',
  'staff.audit.clear': 'Clear the filters',
  'staff.audit.total': '{from}–{to} of {total} (page {page} of {pages})',
  'staff.audit.table': 'Audit log',
  'staff.audit.code': 'Code',
  'staff.audit.subject_column': 'Concerning',
  'staff.audit.actor_column': 'Done by',
  'staff.audit.export': 'Export as CSV',
  'staff.audit.export_note': 'Exports the records matching these filters, newest first, at most {limit}, as a CSV file (UTF-8). The export is recorded in the audit log.',
  'staff.audit.csv_detail_json': 'Detail (as recorded)',
  'staff.audit.times_in': 'Times are shown in {zone}.',
});

export type AuditTextKey = KeyOf<typeof auditTexts> | StaffTextKey;
