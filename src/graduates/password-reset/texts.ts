import { defineTexts, type KeyOf } from '../../web/texts.js';
import type { GraduateTextKey } from '../texts.js';

// G11 パスワードを忘れた場合 (manual 002 §2.4(f)).
export const passwordResetTexts = defineTexts({
  'forgot_password.title': 'パスワード再設定',
  'forgot_password.lead': 'パスワードのリセットを行うため、登録しているメールアドレスを入力してください。',
  'forgot_password.notes': [
    '「送信」ボタンを押すと、登録しているメールアドレス宛にワンタイムURLを記載したメールが送信されます。',
    'URLには期限があります。期限内に操作を完了させてください。',
  ],
  'reset_password.notes': [
    '旧パスワード以外のパスワードと第2パスワードを設定してください。',
    'パスワードと第2パスワードは異なるものを設定してください。',
    '最近使用したパスワード・第2パスワードは設定できません。',
  ],
}, {
  'forgot_password.title': 'Reset Password',
  'forgot_password.lead': 'To reset your password, enter your registered email address.',
  'forgot_password.notes': [
    'Pressing "Send" sends a mail with a one-time URL to your registered address.',
    'The URL expires: finish within the time it states.',
  ],
  'reset_password.notes': [
    'Choose a password other than the old one, and a second password.',
    'The password and the second password must differ.',
    'Passwords and second passwords used recently cannot be set again.',
  ],
});

/** The keys these screens may use: their own and the graduates' shared ones. */
export type PasswordResetTextKey = KeyOf<typeof passwordResetTexts> | GraduateTextKey;
