import type { CredentialsTextKey } from '../../credentials/texts.js';
import { defineTexts, type KeyOf } from '../../web/texts.js';
import type { StaffTextKey } from '../texts.js';

// パスワード変更 of a staff user (their own password; after an administrator's reset, before anything else).

export const staffPasswordTexts = defineTexts({
  'staff.nav.password': 'パスワード変更',
  'staff.password.title': 'パスワード変更',
  'staff.password.lead': 'ご自身のスタッフ管理画面のパスワードを変更します。変更すると、この画面以外でログイン中のセッションは終了します。',
  'staff.password.required': '管理者が設定したパスワード（初期パスワード、またはリセットによる仮パスワード）でログインしています。続けるには、自分のパスワードを設定してください。',
  'staff.password.current': '現在のパスワード',
  'staff.password.new': '新しいパスワード',
  'staff.password.confirm': '新しいパスワード（確認）',
  'staff.password.label': 'パスワード',
  'staff.password.rules_heading': 'パスワードは下記ルールに従い設定してください。',
  'staff.password.rule_history': '最近使用した{count}個のパスワードと異なること。',
  'staff.password.rule_login_id': 'ログインIDと異なること。',
  'staff.password.submit': '変更',
  'staff.password.wrong_current': '現在のパスワードが正しくありません。',
  'staff.password.done': 'パスワードを変更しました。',
}, {
  'staff.nav.password': 'Change password',
  'staff.password.title': 'Change password',
  'staff.password.lead': 'Changes your password for the staff console. Your other sessions end when you change it.',
  'staff.password.required': 'You logged in with a password an administrator set (an initial password or a temporary one after a reset). To continue, set your own password.',
  'staff.password.current': 'Current password',
  'staff.password.new': 'New password',
  'staff.password.confirm': 'New password (again)',
  'staff.password.label': 'password',
  'staff.password.rules_heading': 'Set the password according to the following rules.',
  'staff.password.rule_history': 'Not one of your last {count} passwords.',
  'staff.password.rule_login_id': 'Not your login ID.',
  'staff.password.submit': 'Change',
  'staff.password.wrong_current': 'The current password is incorrect.',
  'staff.password.done': 'Your password has been changed.',
});

export type StaffPasswordTextKey = KeyOf<typeof staffPasswordTexts> | StaffTextKey | CredentialsTextKey;
