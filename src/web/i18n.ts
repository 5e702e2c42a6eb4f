import type { Lang } from '../config/types.js';

// Screen texts. The Japanese ones quote the manuals (seeds/000_…); English is beyond the manuals.
const ja = {
  'lang.switch': 'English',
  'common.notes': '注意事項',
  'common.notes_warning': '！注意事項は必ずお読みください',
  'common.confirm': '確認',
  'common.ok': 'OK',
  'common.required': '必須',
  'common.back': '戻る',
  'common.menu': 'メニュー',
  'common.logout': 'ログアウト',
  'common.go_to_login': 'ログインページへ移動',
  'common.errors_heading': '入力内容を確認してください。',
  'common.skip_to_content': '本文へ移動',

  'login.student.title': '在学生ログイン',
  'login.user_id': 'ユーザID',
  'login.password': 'パスワード',
  'login.second_password': '第2パスワード',
  'login.submit': 'ログイン',
  'login.forgot_second_password': '第2パスワードを忘れた場合',
  'login.failed': 'ユーザID、パスワードまたは第2パスワードが正しくありません。',
  'login.cancel': 'ログインをやめて戻る',

  'email_setup.title': 'メールアドレス設定',
  'email.label': 'メールアドレス',
  'email.confirm_label': '確認',
  'email_setup.notes': [
    '「確認」ボタンを押すと、指定のメールアドレスに確認メールが送信されます。',
    '確認メールに記載されたURLにアクセスし、メールアドレスの設定を完了して下さい。',
    '確認メールの送信までには、少々時間がかかる場合があります。',
    'フリーメールアドレスの場合、確認メールを受信出来ない可能性があります。',
  ],
  'email_setup.allow_list': '※迷惑メールフィルタ等で、確認メールを受信出来ない場合があります。事前に、許可リストへ以下のアドレスを追加するようにして下さい。',
  'email_setup.allow_list_address': 'アドレス: ',
  'email_setup.not_arrived': '{minutes}分経っても確認メールが届かない場合は、以下をご確認下さい。',
  'email_setup.checklist': [
    'メールアドレスの入力が正しいか。',
    '余分なスペース等を誤って入力していないか。',
    '半角英数文字で入力しているか。',
    '迷惑メールフィルタ許可リストへ追加したメールアドレスが正しいか。',
  ],
  'email_setup.sent': '確認メールを送信しました。',
  'email_setup.sent_detail': '確認メールに記載されたURLにアクセスし、メールアドレスの設定を完了してください。',
  'email_setup.resend': 'メールアドレスを入力し直す',
  'email_setup.done_title': 'メールアドレス設定完了',
  'email_setup.done': [
    'メールアドレスを設定しました。',
    '今後、システムからの連絡はこのメールアドレス宛に送信されます。',
    'メールアドレスはログイン後のメニューから変更可能です。',
  ],

  'second_password.title': '第2パスワード設定',
  'second_password.label': '第2パスワード',
  'second_password.confirm_label': '確認',
  'second_password.notes': [
    'セキュリティ向上の為、第2パスワードを設定してください。',
    '次回ログイン時より、パスワードと併せて第2パスワードも入力してください。',
    '第2パスワードはログイン後のメニューから変更可能です。',
  ],
  'second_password.rules_heading': '第2パスワードは下記ルールに従い設定してください。',
  'second_password.rule.min_length': '{min}文字以上であること。',
  'second_password.rule.uppercase': '1文字以上の半角英大文字(A-Z)が含まれること。',
  'second_password.rule.lowercase': '1文字以上の半角英小文字(a-z)が含まれること。',
  'second_password.rule.digit': '1文字以上の半角数字(0-9)が含まれること。',
  'second_password.rule.alphanumeric': '半角英数字以外を含まないこと。',
  'second_password.rule.not_university': '大学で使用しているパスワードは設定しないでください。',
  'second_password.submit': '設定',
  'second_password.done_title': '変更完了',
  'second_password.done': '第2パスワードが設定されました',
  'second_password.changed': '第2パスワードが変更されました',

  'change_email.title': 'メールアドレス変更',
  'change_email.new_label': '新しいメールアドレス',
  'change_email.notes': [
    '「確認」ボタンを押すと、新しいメールアドレスに確認メールが送信されます。',
    '確認メールに記載されたURLにアクセスし、メールアドレスの変更を完了して下さい。',
  ],
  'change_email.sent_detail': '確認メールに記載されたURLにアクセスし、メールアドレスの変更を完了してください。',
  'change_email.done': 'メールアドレスを変更しました。',
  'change_email.current': '現在のメールアドレス',

  'change_second_password.title': '第2パスワード変更',
  'change_second_password.current_label': '現在の第2パスワード',
  'change_second_password.new_label': '新しい第2パスワード',
  'change_second_password.submit': '変更',
  'change_second_password.wrong_current': '現在の第2パスワードが正しくありません。',

  'forgot.title': '第2パスワード再設定',
  'forgot.lead': '第2パスワードを再設定します。登録済みのメールアドレスを入力してください。',
  'forgot.notes': [
    '「送信」ボタンを押すと、登録済みのメールアドレスに再設定用のURLを記載したメールが送信されます。',
    'メールに記載されたURLにアクセスし、第2パスワードを再設定して下さい。',
  ],
  'forgot.submit': '送信',
  'forgot.sent': '入力されたメールアドレスが登録されている場合、再設定用のURLを記載したメールを送信しました。',
  'forgot.reset_submit': '変更',

  'menu.title': 'メニュー',
  'menu.signed_in_as': 'ログイン中',
  'menu.change_email': 'メールアドレス変更',
  'menu.change_second_password': '第2パスワード変更',
  'menu.manual': 'マニュアル',
  'menu.back_to_service': 'サービスへ戻る',

  'consent.title': '情報提供の確認',
  'consent.lead': '{client} が次の情報を求めています。',
  'consent.allow': '許可する',
  'consent.deny': '許可しない',
  'scope.openid': '利用者の識別子',
  'scope.email': 'メールアドレス',
  'scope.profile': '氏名',
  'scope.enrollment': '学籍情報（学籍番号・所属）',
  'scope.offline_access': 'ログアウト後も継続して利用する権限',

  'logout.title': 'ログアウト',
  'logout.confirm': 'ログアウトしますか？',
  'logout.submit': 'ログアウト',
  'logout.cancel': 'ログアウトしない',
  'logout.done': 'ログアウトしました。',
  'logout.close_browser': '利用後はブラウザも閉じるようにしてください。',

  'token.expired': 'URLの有効期限が切れています。お手数ですが、もう一度最初から操作してください。',
  'token.used': 'このURLは既に使用されています。',
  'token.unknown': 'URLが正しくありません。メールに記載されたURLをそのまま開いてください。',
  'token.title': 'URLを開けません',
  'token.address_taken': 'このメールアドレスは既に別のアカウントで登録されているため、設定できませんでした。',

  'error.title': 'エラー',
  'error.generic': '処理中にエラーが発生しました。しばらくしてから、もう一度お試しください。',
  'error.not_found': 'ページが見つかりません。',
  'error.csrf': '画面の有効期限が切れたか、不正な操作です。もう一度お試しください。',
  'error.too_large': '入力内容が大きすぎます。',
  'error.bad_request': '入力内容が正しくありません。',
  'error.session_expired_title': 'ログインの有効期限切れ',
  'error.session_expired': 'ログインの有効期限が切れました。お手数ですが、もう一度ご利用のサービスからログインしてください。',
  'error.directory_unavailable_title': '一時的に利用できません',
  'error.directory_unavailable': 'ただいま大学の認証サービスに接続できません。しばらくしてから、もう一度お試しください。',
  'error.oidc': 'ログイン要求を処理できませんでした。ご利用のサービスからもう一度やり直してください。',
  'error.mail_limit': '短時間に送信できるメールの数を超えました。しばらくしてから、もう一度お試しください。',

  'field.required': '{field}を入力してください。',
  'field.too_long': '{field}は{limit}文字以内で入力してください。',
  'field.email_invalid': 'メールアドレスの形式が正しくありません。',
  'field.mismatch': '{field}と確認の入力が一致しません。',
  'field.invalid': '{field}の入力内容が正しくありません。',
  'policy.too_short': '{field}は{min}文字以上で入力してください。',
  'policy.too_long': '{field}は{max}文字以内で入力してください。',
  'policy.needs_uppercase': '{field}には半角英大文字(A-Z)を1文字以上含めてください。',
  'policy.needs_lowercase': '{field}には半角英小文字(a-z)を1文字以上含めてください。',
  'policy.needs_digit': '{field}には半角数字(0-9)を1文字以上含めてください。',
  'policy.alphanumeric_only': '{field}には半角英数字以外を含めないでください。',
  'policy.too_common': '{field}は推測されやすいため使用できません。',
  'policy.same_as_current': '新しい{field}は現在のものと異なるものにしてください。',
  'policy.same_as_university': '{field}に大学のパスワードは設定できません。',

  'chooser.title': 'ログイン',
  'chooser.lead': 'ご利用の区分を選んでください。',
  'chooser.student': '在学生の方',
  'chooser.graduate': '卒業生の方',
  'login.graduate.title': '卒業生ログイン',
  'login.graduate.failed': 'メールアドレス、パスワードまたは第2パスワードが正しくありません。',
  'login.graduate.initial_expired': '初回パスワードの有効期限が切れています。大学の事務担当へ初回パスワードの再発行を依頼してください。',
  'login.forgot_password': 'パスワードを忘れた場合',
  'login.register': '新規登録',
  'login.register_lead': '初回利用時には、本サービスの利用申請が必要です。',
  'login.register_link': '新規登録手続き',
  'login.other_type': '在学生・卒業生の選択に戻る',
  'password_setup.title': 'パスワード設定',
  'password_setup.password': 'パスワード',
  'password_setup.second_password': '第2パスワード',
  'password_setup.confirm': '確認',
  'password_setup.notes': [
    '初回パスワードの変更、および第2パスワードの設定をしてください。',
    '初回パスワード以外のパスワードを設定してください。',
    'パスワードと第2パスワードは異なるものを設定してください。',
  ],
  'password_setup.rules_heading': 'パスワード・第2パスワードは下記ルールに従い設定してください。',
  'password_setup.done': 'パスワードおよび第2パスワードが設定されました',
  'password_setup.done_detail': '以上で、「証明書発行サービス」が利用可能となります。',
  'policy.same_as_initial': '初回パスワード以外のパスワードを設定してください。',
  'policy.passwords_equal': 'パスワードと第2パスワードは異なるものを設定してください。',
  'terms.title': '利用許諾',
  'terms.updated': '利用規約が改定されました。内容をご確認のうえ、同意してください。',
  'terms.agree_checkbox': '上記内容に同意する',
  'terms.agree': '同意する',
  'terms.must_agree': '利用規約に同意していただく必要があります。',
  'terms.version_changed': '利用規約が更新されました。もう一度お読みのうえ、同意してください。',
} as const;

export type MessageKey = keyof typeof ja;
type Messages = { [K in MessageKey]: (typeof ja)[K] extends readonly string[] ? readonly string[] : string };

const en: Messages = {
  'lang.switch': '日本語',
  'common.notes': 'Notes',
  'common.notes_warning': 'Please be sure to read the notes.',
  'common.confirm': 'Confirm',
  'common.ok': 'OK',
  'common.required': 'Required',
  'common.back': 'Back',
  'common.menu': 'Menu',
  'common.logout': 'Log out',
  'common.go_to_login': 'Go to Login Page',
  'common.errors_heading': 'Please check what you entered.',
  'common.skip_to_content': 'Skip to content',

  'login.student.title': 'Student Login',
  'login.user_id': 'User ID',
  'login.password': 'Password',
  'login.second_password': 'Second password',
  'login.submit': 'Login',
  'login.forgot_second_password': 'If you forget the second password',
  'login.failed': 'The user ID, password or second password is incorrect.',
  'login.cancel': 'Cancel and go back',

  'email_setup.title': 'Email Address Setting',
  'email.label': 'Email address',
  'email.confirm_label': 'Confirmation',
  'email_setup.notes': [
    'When you press "Confirm", a confirmation mail is sent to the address you entered.',
    'Open the URL in the confirmation mail to complete the setting of your email address.',
    'It may take a little while until the confirmation mail is sent.',
    'Free mail services may not receive the confirmation mail.',
  ],
  'email_setup.allow_list': 'Spam filters may block the confirmation mail. Please add the following address to your allow list beforehand.',
  'email_setup.allow_list_address': 'Address: ',
  'email_setup.not_arrived': 'If no confirmation mail arrives within {minutes} minutes, please check the following.',
  'email_setup.checklist': [
    'Is the email address entered correctly?',
    'Did you enter an extra space or similar by mistake?',
    'Did you enter it in half-width alphanumeric characters?',
    'Is the address you added to the spam filter allow list correct?',
  ],
  'email_setup.sent': 'A confirmation mail has been sent.',
  'email_setup.sent_detail': 'Open the URL in the confirmation mail to complete the setting of your email address.',
  'email_setup.resend': 'Enter the address again',
  'email_setup.done_title': 'Email Address Setting Completed',
  'email_setup.done': [
    'Your email address has been set.',
    'From now on, messages from the system are sent to this address.',
    'You can change the address from the menu after logging in.',
  ],

  'second_password.title': 'Second Password Setting',
  'second_password.label': 'Second password',
  'second_password.confirm_label': 'Confirmation',
  'second_password.notes': [
    'Please set a second password to improve security.',
    'From your next login, enter the second password together with your password.',
    'You can change the second password from the menu after logging in.',
  ],
  'second_password.rules_heading': 'Set the second password according to the following rules.',
  'second_password.rule.min_length': 'At least {min} characters.',
  'second_password.rule.uppercase': 'At least one half-width uppercase letter (A-Z).',
  'second_password.rule.lowercase': 'At least one half-width lowercase letter (a-z).',
  'second_password.rule.digit': 'At least one half-width digit (0-9).',
  'second_password.rule.alphanumeric': 'Nothing but half-width letters and digits.',
  'second_password.rule.not_university': 'Do not use the password you use at the university.',
  'second_password.submit': 'Set',
  'second_password.done_title': 'Change Completed',
  'second_password.done': 'The second password has been set.',
  'second_password.changed': 'The second password has been changed.',

  'change_email.title': 'Change Email Address',
  'change_email.new_label': 'New email address',
  'change_email.notes': [
    'When you press "Confirm", a confirmation mail is sent to the new address.',
    'Open the URL in the confirmation mail to complete the change.',
  ],
  'change_email.sent_detail': 'Open the URL in the confirmation mail to complete the change of your email address.',
  'change_email.done': 'Your email address has been changed.',
  'change_email.current': 'Current email address',

  'change_second_password.title': 'Change Second Password',
  'change_second_password.current_label': 'Current second password',
  'change_second_password.new_label': 'New second password',
  'change_second_password.submit': 'Change',
  'change_second_password.wrong_current': 'The current second password is incorrect.',

  'forgot.title': 'Reset Second Password',
  'forgot.lead': 'To reset your second password, enter your registered email address.',
  'forgot.notes': [
    'When you press "Send", a mail with a URL for resetting is sent to the registered address.',
    'Open the URL in the mail and set a new second password.',
  ],
  'forgot.submit': 'Send',
  'forgot.sent': 'If the address you entered is registered, a mail with a URL for resetting has been sent to it.',
  'forgot.reset_submit': 'Change',

  'menu.title': 'Menu',
  'menu.signed_in_as': 'Signed in',
  'menu.change_email': 'Change email address',
  'menu.change_second_password': 'Change second password',
  'menu.manual': 'Manual',
  'menu.back_to_service': 'Back to the service',

  'consent.title': 'Share your information?',
  'consent.lead': '{client} asks for the following information.',
  'consent.allow': 'Allow',
  'consent.deny': 'Do not allow',
  'scope.openid': 'An identifier for you',
  'scope.email': 'Your email address',
  'scope.profile': 'Your name',
  'scope.enrollment': 'Your enrolment (student numbers and faculty)',
  'scope.offline_access': 'Access that continues after you log out',

  'logout.title': 'Log out',
  'logout.confirm': 'Do you want to log out?',
  'logout.submit': 'Log out',
  'logout.cancel': 'Stay logged in',
  'logout.done': 'You have logged out.',
  'logout.close_browser': 'Please also close your browser.',

  'token.expired': 'This URL has expired. Please start the operation again from the beginning.',
  'token.used': 'This URL has already been used.',
  'token.unknown': 'This URL is not valid. Please open the URL in the mail exactly as it is.',
  'token.title': 'The URL cannot be opened',
  'token.address_taken': 'This address is already registered to another account, so it could not be set.',

  'error.title': 'Error',
  'error.generic': 'Something went wrong. Please try again in a little while.',
  'error.not_found': 'The page was not found.',
  'error.csrf': 'This page has expired or the request was not valid. Please try again.',
  'error.too_large': 'What you sent is too large.',
  'error.bad_request': 'The request was not valid.',
  'error.session_expired_title': 'Login expired',
  'error.session_expired': 'Your login has expired. Please log in again from the service you were using.',
  'error.directory_unavailable_title': 'Temporarily unavailable',
  'error.directory_unavailable': 'The university authentication service cannot be reached right now. Please try again in a little while.',
  'error.oidc': 'The login request could not be processed. Please start again from the service you were using.',
  'error.mail_limit': 'Too many mails were requested in a short time. Please try again later.',

  'field.required': 'Please enter the {field}.',
  'field.too_long': 'The {field} must be {limit} characters or fewer.',
  'field.email_invalid': 'The email address is not valid.',
  'field.mismatch': 'The {field} and its confirmation do not match.',
  'field.invalid': 'The {field} is not valid.',
  'policy.too_short': 'The {field} must be at least {min} characters.',
  'policy.too_long': 'The {field} must be {max} characters or fewer.',
  'policy.needs_uppercase': 'The {field} must contain an uppercase letter (A-Z).',
  'policy.needs_lowercase': 'The {field} must contain a lowercase letter (a-z).',
  'policy.needs_digit': 'The {field} must contain a digit (0-9).',
  'policy.alphanumeric_only': 'The {field} may contain only half-width letters and digits.',
  'policy.too_common': 'The {field} is too easy to guess.',
  'policy.same_as_current': 'The new {field} must differ from the current one.',
  'policy.same_as_university': 'The {field} must not be your university password.',

  'chooser.title': 'Login',
  'chooser.lead': 'Please choose who you are.',
  'chooser.student': 'Current students',
  'chooser.graduate': 'Graduates',
  'login.graduate.title': 'Graduate Login',
  'login.graduate.failed': 'The email address, password or second password is incorrect.',
  'login.graduate.initial_expired': 'Your initial password has expired. Please ask the university office to issue a new one.',
  'login.forgot_password': 'If you forget the password',
  'login.register': 'New registration',
  'login.register_lead': 'Before the first use, you need to apply to use this service.',
  'login.register_link': 'Apply for an account',
  'login.other_type': 'Back to the choice of student or graduate',
  'password_setup.title': 'Password Setting',
  'password_setup.password': 'Password',
  'password_setup.second_password': 'Second password',
  'password_setup.confirm': 'Confirmation',
  'password_setup.notes': [
    'Replace the initial password and set a second password.',
    'Choose a password other than the initial password.',
    'The password and the second password must differ.',
  ],
  'password_setup.rules_heading': 'Set the password and the second password according to the following rules.',
  'password_setup.done': 'The password and the second password have been set.',
  'password_setup.done_detail': 'The Certificate Issuance Service is now ready to use.',
  'policy.same_as_initial': 'Choose a password other than the initial password.',
  'policy.passwords_equal': 'The password and the second password must differ.',
  'terms.title': 'Terms of Use',
  'terms.updated': 'The terms of use have changed. Please read them and agree.',
  'terms.agree_checkbox': 'I agree to the above',
  'terms.agree': 'Agree',
  'terms.must_agree': 'You need to agree to the terms of use.',
  'terms.version_changed': 'The terms of use were updated meanwhile. Please read them again and agree.',
};

const catalogs: Record<Lang, Messages> = { ja, en };

export type Translate = {
  (key: MessageKey, params?: Record<string, string | number>): string;
  list(key: MessageKey): readonly string[];
};

export function translator(lang: Lang): Translate {
  const catalog = catalogs[lang];
  const t = ((key: MessageKey, params: Record<string, string | number> = {}) => {
    const value = catalog[key];
    const text = Array.isArray(value) ? value.join('\n') : (value as string);
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  }) as Translate;
  t.list = (key) => {
    const value = catalog[key];
    return Array.isArray(value) ? value : [value as string];
  };
  return t;
}

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

/** The first supported language of an OIDC ui_locales value ("en-US ja" → en). */
export function langFromUiLocales(uiLocales: unknown): Lang | undefined {
  if (typeof uiLocales !== 'string') return undefined;
  for (const tag of uiLocales.split(/\s+/)) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLang(primary)) return primary;
  }
  return undefined;
}
