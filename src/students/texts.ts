import { defineTexts, type KeyOf } from '../web/texts.js';
import type { CommonTextKey } from '../web/common-texts.js';
import type { CredentialsTextKey } from '../credentials/texts.js';
import type { EmailTextKey } from '../email-verification/texts.js';

// The students' screens (manual 000_…): 在学生ログイン, the university SSO, メールアドレス設定, 第2パスワード設定
// and 第2パスワードを忘れた場合.
export const studentTexts = defineTexts({
  'login.student.title': '在学生ログイン',
  'login.user_id': 'ユーザID',
  'login.forgot_second_password': '第2パスワードを忘れた場合',
  'login.failed': 'ユーザID、パスワードまたは第2パスワードが正しくありません。',
  'sso.lead': '大学の認証サービス（シングルサインオン）でログインします。ボタンを押すと、大学のログイン画面へ移動します。',
  'sso.button': '大学の認証サービスでログイン',
  'sso.first_login_hint': '初めてご利用の方は、大学の認証サービスでログインした後、メールアドレスと第2パスワードを設定します。',
  'sso.second_password_lead': '大学の認証サービスでの本人確認が完了しました。続けて第2パスワードを入力してください。',
  'sso.second_password_failed': '第2パスワードが正しくありません。',
  'sso.restart': '大学の認証サービスからやり直す',
  'sso.failed_title': 'ログインできませんでした',
  'sso.failed': '大学の認証サービスからの応答を確認できませんでした。お手数ですが、もう一度ログインしてください。',
  'sso.denied': '大学の認証サービスでログインが取り消されたか、許可されませんでした。',
  'sso.not_eligible': '大学の認証サービスでログインしましたが、在学生として確認できなかったため、このサービスは利用できません。',
  'sso.retry': 'ログイン画面へ戻る',
  'email_setup.title': 'メールアドレス設定',
  'email_setup.not_arrived': '{minutes}分経っても確認メールが届かない場合は、以下をご確認下さい。',
  'email_setup.checklist': [
    'メールアドレスの入力が正しいか。',
    '余分なスペース等を誤って入力していないか。',
    '半角英数文字で入力しているか。',
    '迷惑メールフィルタ許可リストへ追加したメールアドレスが正しいか。',
  ],
  'email_setup.sent_detail': '確認メールに記載されたURLにアクセスし、メールアドレスの設定を完了してください。',
  'email_setup.resend': 'メールアドレスを入力し直す',
  'email_setup.landing': [
    '以下のメールアドレスを設定します。',
    '「メールアドレスを設定する」ボタンを押すと、メールアドレスの設定が完了します。',
  ],
  'email_setup.landing_button': 'メールアドレスを設定する',
  'email_setup.done_title': 'メールアドレス設定完了',
  'email_setup.done': [
    'メールアドレスを設定しました。',
    '今後、システムからの連絡はこのメールアドレス宛に送信されます。',
    'メールアドレスはログイン後のメニューから変更可能です。',
  ],
  'second_password.title': '第2パスワード設定',
  'second_password.confirm_label': '第2パスワード（確認）',
  'second_password.notes': [
    'セキュリティ向上の為、第2パスワードを設定してください。',
    '次回ログイン時より、パスワードと併せて第2パスワードも入力してください。',
    '第2パスワードはログイン後のメニューから変更可能です。',
  ],
  'second_password.rule.not_university': '大学で使用しているパスワードは設定しないでください。',
  'second_password.done': '第2パスワードが設定されました',
  'second_password.already_set': '第2パスワードは、別の画面で既に設定されています。この画面で入力した値ではなく、そこで設定した第2パスワードをお使いください。',
  'forgot.title': '第2パスワード再設定',
  'forgot.lead': '第2パスワードを再設定します。登録済みのメールアドレスを入力してください。',
  'forgot.notes': [
    '「送信」ボタンを押すと、登録済みのメールアドレスに再設定用のURLを記載したメールが送信されます。',
    'メールに記載されたURLにアクセスし、第2パスワードを再設定して下さい。',
  ],
  'forgot.reset_submit': '変更',
  'forgot.reset_notes': [
    '「変更」ボタンを押すと、第2パスワードが再設定されます。',
    '次回ログイン時より、新しい第2パスワードを入力してください。',
    '第2パスワードはログイン後のメニューから変更可能です。',
  ],
}, {
  'login.student.title': 'Student Login',
  'login.user_id': 'User ID',
  'login.forgot_second_password': 'If you forget the second password',
  'login.failed': 'The user ID, password or second password is incorrect.',
  'sso.lead': 'You log in through the university authentication service (single sign-on). The button takes you to the university\'s login page.',
  'sso.button': 'Log in with the university authentication service',
  'sso.first_login_hint': 'On your first login, you set your email address and a second password after logging in at the university authentication service.',
  'sso.second_password_lead': 'The university authentication service has confirmed who you are. Please enter your second password.',
  'sso.second_password_failed': 'The second password is incorrect.',
  'sso.restart': 'Start again at the university authentication service',
  'sso.failed_title': 'Login failed',
  'sso.failed': 'The answer of the university authentication service could not be verified. Please log in again.',
  'sso.denied': 'The login was cancelled or not allowed at the university authentication service.',
  'sso.not_eligible': 'You logged in at the university authentication service, but you could not be confirmed as a current student, so you cannot use this service.',
  'sso.retry': 'Back to the login page',
  'email_setup.title': 'Email Address Setting',
  'email_setup.not_arrived': 'If no confirmation mail arrives within {minutes} minutes, please check the following.',
  'email_setup.checklist': [
    'Is the email address entered correctly?',
    'Did you enter an extra space or similar by mistake?',
    'Did you enter it in half-width alphanumeric characters?',
    'Is the address you added to the spam filter allow list correct?',
  ],
  'email_setup.sent_detail': 'Open the URL in the confirmation mail to complete the setting of your email address.',
  'email_setup.resend': 'Enter the address again',
  'email_setup.landing': [
    'The following email address will be set.',
    'Press "Set the email address" to complete the setting.',
  ],
  'email_setup.landing_button': 'Set the email address',
  'email_setup.done_title': 'Email Address Setting Completed',
  'email_setup.done': [
    'Your email address has been set.',
    'From now on, messages from the system are sent to this address.',
    'You can change the address from the menu after logging in.',
  ],
  'second_password.title': 'Second Password Setting',
  'second_password.confirm_label': 'Second password (confirmation)',
  'second_password.notes': [
    'Please set a second password to improve security.',
    'From your next login, enter the second password together with your password.',
    'You can change the second password from the menu after logging in.',
  ],
  'second_password.rule.not_university': 'Do not use the password you use at the university.',
  'second_password.done': 'The second password has been set.',
  'second_password.already_set': 'Your second password has already been set in another window. Use the second password you set there, not the one entered here.',
  'forgot.title': 'Reset Second Password',
  'forgot.lead': 'To reset your second password, enter your registered email address.',
  'forgot.notes': [
    'When you press "Send", a mail with a URL for resetting is sent to the registered address.',
    'Open the URL in the mail and set a new second password.',
  ],
  'forgot.reset_submit': 'Change',
  'forgot.reset_notes': [
    'Pressing "Change" sets the new second password.',
    'From your next login, enter the new second password.',
    'You can change the second password from the menu after logging in.',
  ],
});

/** The keys these screens may use: their own and those of the shared tables they build on. */
export type StudentTextKey = KeyOf<typeof studentTexts> | CommonTextKey | CredentialsTextKey | EmailTextKey;
