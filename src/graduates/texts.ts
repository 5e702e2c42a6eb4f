import { defineTexts, type KeyOf } from '../web/texts.js';
import type { CommonTextKey } from '../web/common-texts.js';
import type { CredentialsTextKey } from '../credentials/texts.js';
import type { EmailTextKey } from '../email-verification/texts.js';
import type { ApplicationTextKey } from '../applications/texts.js';

// The texts several graduate flows share (manual 002): パスワード設定 (G3 at the first login, G11 from a
// reset URL), 利用許諾 (G1's application, G4 at login), the confirmation's lead (G1, G5), and the
// self-service pages' refusal of non-graduates.
// Each flow's own texts live beside it (apply/, login/, password-reset/, self-service/*/).
export const graduateTexts = defineTexts({
  'password_setup.title': 'パスワード設定',
  'password_setup.password': 'パスワード',
  'password_setup.second_password': '第2パスワード',
  'password_setup.password_confirm': 'パスワード（確認）',
  'password_setup.second_password_confirm': '第2パスワード（確認）',
  'password_setup.notes': [
    '初回パスワードの変更、および第2パスワードの設定をしてください。',
    '初回パスワード以外のパスワードを設定してください。',
    'パスワードと第2パスワードは異なるものを設定してください。',
  ],
  'password_setup.rules_heading': 'パスワード・第2パスワードは下記ルールに従い設定してください。',
  'password_setup.done': 'パスワードおよび第2パスワードが設定されました',
  'password_setup.already_set': 'パスワードと第2パスワードは、別の画面で既に設定されています。この画面で入力した値ではなく、そこで設定したパスワードと第2パスワードをお使いください。',
  'password_setup.done_detail': '以上で、「証明書発行サービス」が利用可能となります。',
  'terms.title': '利用許諾',
  'terms.updated': '利用規約が改定されました。内容をご確認のうえ、同意してください。',
  'terms.agree_checkbox': '上記内容に同意する',
  'terms.agree': '同意する',
  'terms.must_agree': '利用規約に同意していただく必要があります。',
  'terms.version_changed': '利用規約が更新されました。もう一度お読みのうえ、同意してください。',
  'self.graduates_only': 'この機能は卒業生のアカウントでのみ利用できます。',
  'apply.confirm.lead': '入力した内容を確認の上、「申請」ボタンを押してください。',
  'mailed_url.address': 'メールアドレス',
  'mailed_url.once': 'ボタンを押したブラウザで手続きを続けます。メールを受け取った端末とは別の端末（パソコン等）のブラウザで開いても構いません。このURLのボタンは一度だけ使えます。',
  'mailed_url.pressed_elsewhere': 'このURLのボタンを既に押した場合は、ボタンを押したブラウザで手続きを続けてください。',
}, {
  'password_setup.title': 'Password Setting',
  'password_setup.password': 'Password',
  'password_setup.second_password': 'Second password',
  'password_setup.password_confirm': 'Password (confirmation)',
  'password_setup.second_password_confirm': 'Second password (confirmation)',
  'password_setup.notes': [
    'Replace the initial password and set a second password.',
    'Choose a password other than the initial password.',
    'The password and the second password must differ.',
  ],
  'password_setup.rules_heading': 'Set the password and the second password according to the following rules.',
  'password_setup.done': 'The password and the second password have been set.',
  'password_setup.already_set': 'Your password and second password have already been set in another window. Use the ones you set there, not the ones entered here.',
  'password_setup.done_detail': 'The Certificate Issuance Service is now ready to use.',
  'terms.title': 'Terms of Use',
  'terms.updated': 'The terms of use have changed. Please read them and agree.',
  'terms.agree_checkbox': 'I agree to the above',
  'terms.agree': 'Agree',
  'terms.must_agree': 'You need to agree to the terms of use.',
  'terms.version_changed': 'The terms of use were updated meanwhile. Please read them again and agree.',
  'self.graduates_only': 'This is available to graduate accounts only.',
  'apply.confirm.lead': 'Check what you entered, then press "Apply".',
  'mailed_url.address': 'Email address',
  'mailed_url.once': 'You continue in the browser where you press the button; it may be another device than the one you read the mail on (e.g. a PC). The button of this URL works once.',
  'mailed_url.pressed_elsewhere': 'If you already pressed the button of this URL, continue in the browser where you pressed it.',
});

/** The keys these screens may use: their own and those of the shared tables they build on. */
export type GraduateTextKey = KeyOf<typeof graduateTexts> | CommonTextKey | CredentialsTextKey | EmailTextKey | ApplicationTextKey;
