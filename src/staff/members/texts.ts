import { defineTexts, type KeyOf } from '../../web/texts.js';
import type { StaffTextKey } from '../texts.js';

// スタッフ管理: resetting a member's password and two-factor authentication (the rest is in ../texts.ts).

export const memberTexts = defineTexts({
  'staff.staff.reset_password': 'パスワードと二要素認証をリセット',
  'staff.staff.reset_password_note': '「パスワードと二要素認証をリセット」は、新しい仮パスワードと二要素認証の設定用リンクを発行し、その人のログイン中のセッションを終了します。本人は設定用リンクを開いて仮パスワードでログインし、二要素認証を設定し直してから、自分のパスワードを設定します。',
  'staff.staff.password_reset_done': 'スタッフ「{login}」のパスワードと二要素認証をリセットしました。次の仮パスワードと設定用リンクを、安全な方法で本人に伝えてください。この画面を離れると再表示できません。',
  'staff.staff.temporary_password': '仮パスワード',
  'staff.staff.members_table': 'スタッフの一覧',
  'staff.staff.actions': '操作',
  'staff.staff.add_note_password': '追加されたスタッフは、最初のログインで初期パスワードを自分のパスワードに変更します。',
}, {
  'staff.staff.reset_password': 'Reset password and two-factor',
  'staff.staff.reset_password_note': '"Reset password and two-factor" issues a new temporary password and an enrolment link, and ends the member\'s sessions. The member opens the link, logs in with the temporary password, sets up two-factor authentication again and then chooses their own password.',
  'staff.staff.password_reset_done': 'The password and two-factor authentication of "{login}" have been reset. Hand over the temporary password and the enrolment link below in a safe way; they are not shown again once you leave this page.',
  'staff.staff.temporary_password': 'Temporary password',
  'staff.staff.members_table': 'Staff members',
  'staff.staff.actions': 'Actions',
  'staff.staff.add_note_password': 'At the first sign-in, the new member replaces the initial password with their own.',
});

export type MemberTextKey = KeyOf<typeof memberTexts> | StaffTextKey;
