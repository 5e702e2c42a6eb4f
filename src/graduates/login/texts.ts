import { defineTexts, type KeyOf } from '../../web/texts.js';
import type { GraduateTextKey } from '../texts.js';

// 卒業生ログイン (manual 002 §2.2).
export const graduateLoginTexts = defineTexts({
  'login.graduate.title': '卒業生ログイン',
  'login.graduate.failed': 'メールアドレス、パスワードまたは第2パスワードが正しくありません。',
  'login.graduate.initial_expired': '初回パスワードの有効期限が切れています。大学の事務担当へ初回パスワードの再発行を依頼してください。',
  'login.forgot_password': 'パスワードを忘れた場合',
  'login.register': '新規登録',
  'login.register_lead': '初回利用時には、本サービスの利用申請が必要です。',
  'login.register_link': '新規登録手続き',
}, {
  'login.graduate.title': 'Graduate Login',
  'login.graduate.failed': 'The email address, password or second password is incorrect.',
  'login.graduate.initial_expired': 'Your initial password has expired. Please ask the university office to issue a new one.',
  'login.forgot_password': 'If you forget the password',
  'login.register': 'New registration',
  'login.register_lead': 'Before the first use, you need to apply to use this service.',
  'login.register_link': 'Apply for an account',
});

/** The keys these screens may use: their own and the graduates' shared ones. */
export type GraduateLoginTextKey = KeyOf<typeof graduateLoginTexts> | GraduateTextKey;
