import type { AuditEvent } from '../audit/audit-log.js';
import type { Lang } from '../config/types.js';

// What the console calls each audit event and each item of an event's detail, in Japanese and English
// (the audit log, an account's login history, the CSV export). Typed over every code the audit log
// accepts, so a new code does not compile until it has its names; test/staff/audit-names.test.ts also
// checks every code the sources emit.

type Names = Readonly<Record<Lang, string>>;

export const AUDIT_EVENT_NAMES: Readonly<Record<AuditEvent, Names>> = {
  'login.success': { ja: 'ログイン成功', en: 'Login succeeded' },
  'login.failure': { ja: 'ログイン失敗', en: 'Login failed' },
  'login.locked': { ja: 'ログイン拒否（ロック中）', en: 'Login refused (locked)' },
  'login.directory_unavailable': { ja: '大学の認証サービスに接続できず', en: 'University directory unavailable' },
  'email.registration_requested': { ja: 'メールアドレス登録の確認メール送信', en: 'Email registration requested' },
  'email.registered': { ja: 'メールアドレス登録', en: 'Email address registered' },
  'email.change_requested': { ja: 'メールアドレス変更の確認メール送信', en: 'Email change requested' },
  'email.changed': { ja: 'メールアドレス変更', en: 'Email address changed' },
  'second_password.set': { ja: '第2パスワード設定', en: 'Second password set' },
  'second_password.changed': { ja: '第2パスワード変更', en: 'Second password changed' },
  'second_password.change_failed': { ja: '第2パスワード変更の失敗', en: 'Second password change failed' },
  'second_password.reset_requested': { ja: '第2パスワード再設定メールの依頼', en: 'Second password reset requested' },
  'second_password.reset': { ja: '第2パスワード再設定', en: 'Second password reset' },
  'password.set': { ja: 'パスワード設定', en: 'Passwords set' },
  'password.changed': { ja: 'パスワード変更', en: 'Password changed' },
  'password.change_failed': { ja: 'パスワード変更の失敗', en: 'Password change failed' },
  'password.reset_requested': { ja: 'パスワード再設定メールの依頼', en: 'Password reset requested' },
  'password.reset': { ja: 'パスワード再設定', en: 'Passwords reset' },
  'account.reauthenticated': { ja: '再認証', en: 'Re-authenticated' },
  'account.reauthentication_failed': { ja: '再認証の失敗', en: 'Re-authentication failed' },
  'terms.accepted': { ja: '利用規約への同意', en: 'Terms of use accepted' },
  'application.requested': { ja: '申請の開始（確認メール送信）', en: 'Application started' },
  'application.submitted': { ja: '申請', en: 'Application submitted' },
  'personal_data.changed': { ja: '個人情報の変更', en: 'Personal data changed' },
  'personal_data.change_requested': { ja: '個人情報の変更申請', en: 'Personal data change requested' },
  'application.resubmitted': { ja: '再申請', en: 'Application resubmitted' },
  'application.approved': { ja: '申請の承認', en: 'Application approved' },
  'application.approval_requested': { ja: '承認の記録（二者確認待ち）', en: 'Approval recorded (awaiting a second staff member)' },
  'application.approval_withdrawn': { ja: '記録した承認の取り下げ', en: 'Recorded approval withdrawn' },
  'application.rejected': { ja: '申請の却下', en: 'Application rejected' },
  'application.resubmission_requested': { ja: '再申請の依頼', en: 'Resubmission requested' },
  'document.viewed': { ja: '本人確認書類の閲覧', en: 'Identity document viewed' },
  'account.locked': { ja: 'アカウントのロック', en: 'Account locked' },
  'account.unlocked': { ja: 'アカウントのロック解除', en: 'Account unlocked' },
  'account.sessions_ended': { ja: 'アカウントの全セッション終了', en: 'Account signed out everywhere' },
  'initial_password.issued': { ja: '初回パスワードの発行', en: 'Initial password issued' },
  'catalogue.changed': { ja: '大学・学部・学科の変更', en: 'Catalogue changed' },
  'staff.login': { ja: 'スタッフのログイン', en: 'Staff login' },
  'staff.login_failed': { ja: 'スタッフのログイン失敗', en: 'Staff login failed' },
  'staff.logout': { ja: 'スタッフのログアウト', en: 'Staff logout' },
  'staff.created': { ja: 'スタッフの追加', en: 'Staff member added' },
  'staff.disabled': { ja: 'スタッフの無効化', en: 'Staff member disabled' },
  'staff.enabled': { ja: 'スタッフの有効化', en: 'Staff member enabled' },
  'staff.totp_enrolled': { ja: 'スタッフの二要素認証設定', en: 'Staff two-factor set up' },
  'staff.totp_reset': { ja: 'スタッフの二要素認証リセット', en: 'Staff two-factor reset' },
  'staff.password_changed': { ja: 'スタッフのパスワード変更', en: 'Staff password changed' },
  'staff.password_change_failed': { ja: 'スタッフのパスワード変更の失敗', en: 'Staff password change failed' },
  'staff.password_reset': { ja: 'スタッフのパスワードと二要素認証のリセット', en: 'Staff password and two-factor reset' },
  'audit.exported': { ja: '監査ログのCSV出力', en: 'Audit log exported (CSV)' },
  'logout': { ja: 'ログアウト', en: 'Logout' },
};

/** Every code, in the table's order (the event filter's choices). */
export const AUDIT_EVENTS = Object.keys(AUDIT_EVENT_NAMES) as AuditEvent[];

export function isAuditEvent(code: string): code is AuditEvent {
  return Object.hasOwn(AUDIT_EVENT_NAMES, code);
}

/** An event's name in the language; a code recorded by an older version (no longer known) as itself. */
export function auditEventName(code: string, lang: Lang): string {
  return isAuditEvent(code) ? AUDIT_EVENT_NAMES[code][lang] : code;
}

/** The names of the detail items the sources record; other items are shown by their key. */
const DETAIL_NAMES: Readonly<Record<string, Names>> = {
  staffId: { ja: '操作者', en: 'By' },
  targetStaffId: { ja: '対象スタッフ', en: 'Staff member' },
  loginId: { ja: 'ログインID', en: 'Login ID' },
  role: { ja: '権限', en: 'Role' },
  reason: { ja: '理由', en: 'Reason' },
  userType: { ja: '区分', en: 'User type' },
  applicationId: { ja: '申請', en: 'Application' },
  documentId: { ja: '画像', en: 'Image' },
  documents: { ja: '画像の数', en: 'Images' },
  requestedBy: { ja: '承認を記録した担当者', en: 'Approval recorded by' },
  confirmedBy: { ja: '承認を確認した担当者', en: 'Approval confirmed by' },
  reasons: { ja: '定型の理由', en: 'Standard reasons' },
  mailQueued: { ja: 'メール送信', en: 'Mail queued' },
  lockedNow: { ja: 'この失敗でロック', en: 'Locked by this failure' },
  by: { ja: '契機', en: 'Through' },
  matched: { ja: 'アカウントに該当', en: 'Matched an account' },
  limited: { ja: 'メール送信数の上限', en: 'Mail limit reached' },
  complete: { ja: 'ログイン完了', en: 'Login complete' },
  federated: { ja: '統合認証', en: 'Federated' },
  upstream: { ja: '統合認証の応答', en: 'Upstream answer' },
  entryId: { ja: '項目', en: 'Entry' },
  action: { ja: '操作', en: 'Action' },
  fields: { ja: '項目', en: 'Items' },
  purpose: { ja: '申請の種類', en: 'Purpose' },
  reissued: { ja: '再発行', en: 'Re-issued' },
  sessions: { ja: '終了したセッション数', en: 'Sessions ended' },
  staffLock: { ja: 'スタッフによるロック', en: 'Staff lock' },
  loginLock: { ja: 'ログイン失敗によるロック', en: 'Failed-login lock' },
  rows: { ja: '件数', en: 'Rows' },
  filters: { ja: '条件', en: 'Filters' },
  ip: { ja: 'IPアドレス', en: 'IP address' },
  directoryReason: { ja: '大学の認証サービスの理由', en: 'Directory reason' },
  locked: { ja: 'ロック中', en: 'Locked' },
};

export function detailName(key: string, lang: Lang): string {
  return Object.hasOwn(DETAIL_NAMES, key) ? DETAIL_NAMES[key]![lang] : key;
}
