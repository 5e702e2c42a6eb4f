import type { Lang, Localized } from '../config/types.js';

export interface MailBranding { serviceName: Localized; contact: Localized }
export interface MailContent { subject: string; text: string }

// The wording follows the manual's mails (000_… §2.1, §2.4): the URL, its expiry, and the
// 送信専用 footer. English is beyond the manuals.

export function footer(lang: Lang, branding: MailBranding): string {
  return lang === 'ja'
    ? `※もしこのメールにお心当たりのない方は削除して下さい。\n◎このメールは送信専用メールです。\n${branding.contact.ja}`
    : `If you did not request this, please delete this mail.\nThis address only sends mail; replies are not read.\n${branding.contact.en}`;
}

export function subject(lang: Lang, branding: MailBranding, title: string): string {
  return `【${branding.serviceName[lang]}】${title}`;
}

function withUrl(lang: Lang, branding: MailBranding, title: string, lead: string, url: string, minutes: number): MailContent {
  const expiry = lang === 'ja' ? `URL 期限 : ${minutes} 分` : `The URL expires in ${minutes} minutes.`;
  return { subject: subject(lang, branding, title), text: `${lead}\n\n${url}\n\n${expiry}\n\n${footer(lang, branding)}\n` };
}

function notice(lang: Lang, branding: MailBranding, title: string, body: string): MailContent {
  return { subject: subject(lang, branding, title), text: `${body}\n\n${footer(lang, branding)}\n` };
}

export const mailTemplates = {
  registerEmail: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, 'メールアドレスの登録', 'メールアドレスの登録を行います。\n以下の URL にアクセスし、メールアドレスの登録を完了して下さい。', url, minutes)
    : withUrl(lang, b, 'Registering your email address', 'You are registering this email address.\nOpen the URL below to complete the registration.', url, minutes),

  changeEmail: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, 'メールアドレスの変更', 'メールアドレスの変更を行います。\n以下の URL にアクセスし、メールアドレスの変更を完了して下さい。', url, minutes)
    : withUrl(lang, b, 'Changing your email address', 'You are changing your email address to this one.\nOpen the URL below to complete the change.', url, minutes),

  resetSecondPassword: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, '第2パスワードの再設定', '第2パスワードの再設定を行います。\n以下の URL にアクセスし、第2パスワードを再設定して下さい。', url, minutes)
    : withUrl(lang, b, 'Resetting your second password', 'You asked to reset your second password.\nOpen the URL below to set a new one.', url, minutes),

  applicationStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, '利用申請の手続き', '証明書発行サービスの利用申請を行います。\n以下の URL にアクセスし、申請者情報の登録に進んで下さい。', url, minutes)
    : withUrl(lang, b, 'Applying for an account', 'You are applying to use the Certificate Issuance Service.\nOpen the URL below to continue with your application.', url, minutes),

  applicationReceived: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, '利用申請受付のお知らせ', '証明書発行サービスの利用申請を受け付けました。\n大学が申請内容を確認後、利用申請結果をこのメールアドレス宛にお送りします。')
    : notice(lang, b, 'Your application was received', 'Your application to use the Certificate Issuance Service was received.\nAfter the university has checked it, the result is sent to this address.'),

  /** Sent instead of a link when the address already belongs to another account (no enumeration on the page). */
  addressInUse: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, 'メールアドレスの登録', 'このメールアドレスは既に別のアカウントで登録されているため、登録できませんでした。\n別のメールアドレスをご利用ください。')
    : notice(lang, b, 'Registering your email address', 'This address is already registered to another account, so it could not be registered.\nPlease use another address.'),

  emailChangedNotice: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, 'メールアドレス変更のお知らせ', 'ご登録のメールアドレスが変更されました。\n今後、システムからの連絡は新しいメールアドレス宛に送信されます。\nお心当たりのない場合は、至急お問い合わせ下さい。')
    : notice(lang, b, 'Your email address was changed', 'The email address of your account was changed.\nFrom now on, mail from the service goes to the new address.\nIf you did not do this, contact us at once.'),

  passwordsSet: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, 'パスワード設定のお知らせ', 'パスワードおよび第2パスワードが設定されました。\nお心当たりのない場合は、至急お問い合わせ下さい。')
    : notice(lang, b, 'Your passwords were set', 'The password and the second password of your account were set.\nIf you did not do this, contact us at once.'),

  /** G5 (manual 002 §2.3 step 6, mail 学籍番号追加). */
  enrollmentStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, '学籍番号追加', '学籍番号の追加を行います。\n以下のURLにアクセスし、追加したい学籍番号の利用申請を完了してください。', url, minutes)
    : withUrl(lang, b, 'Adding a student number', 'You are adding a student number.\nOpen the URL below and complete the application for the student number you want to add.', url, minutes),

  /** G6: what changed (item names only); `requested` lists items sent to the university for approval. */
  personalDataChanged: (lang: Lang, b: MailBranding, changed: readonly string[], requested: readonly string[] = []) => notice(lang, b, lang === 'ja' ? '個人情報変更のお知らせ' : 'Your personal information was changed', (lang === 'ja'
    ? [
      ...(changed.length ? ['個人情報が変更されました。', `変更された項目：${changed.join('、')}`] : []),
      ...(requested.length ? ['次の項目の変更を受け付けました。大学の承認後に反映されます。', `申請した項目：${requested.join('、')}`] : []),
      'お心当たりのない場合は、至急お問い合わせ下さい。',
    ]
    : [
      ...(changed.length ? ['Your personal information was changed.', `Changed: ${changed.join(', ')}`] : []),
      ...(requested.length ? ['A change of these items was received; it takes effect once the university approves it.', `Requested: ${requested.join(', ')}`] : []),
      'If you did not do this, contact us at once.',
    ]).join('\n')),

  resetPassword: (lang: Lang, b: MailBranding, url: string, minutes: number) => lang === 'ja'
    ? withUrl(lang, b, 'パスワードの再設定', 'パスワードの再設定を行います。\n以下の URL にアクセスし、パスワードおよび第2パスワードを再設定して下さい。', url, minutes)
    : withUrl(lang, b, 'Resetting your password', 'You asked to reset your password.\nOpen the URL below to set a new password and second password.', url, minutes),

  passwordChanged: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, 'パスワード変更のお知らせ', 'パスワードが変更されました。\nお心当たりのない場合は、至急お問い合わせ下さい。')
    : notice(lang, b, 'Your password was changed', 'The password of your account was changed.\nIf you did not do this, contact us at once.'),

  passwordsReset: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, 'パスワード再設定のお知らせ', 'パスワードおよび第2パスワードが再設定されました。\nすべての端末でログアウトしました。\nお心当たりのない場合は、至急お問い合わせ下さい。')
    : notice(lang, b, 'Your passwords were reset', 'The password and the second password of your account were reset.\nYou were signed out everywhere.\nIf you did not do this, contact us at once.'),

  secondPasswordChanged: (lang: Lang, b: MailBranding) => lang === 'ja'
    ? notice(lang, b, '第2パスワード変更のお知らせ', '第2パスワードが変更されました。\nお心当たりのない場合は、至急お問い合わせ下さい。')
    : notice(lang, b, 'Your second password was changed', 'The second password of your account was changed.\nIf you did not do this, contact us at once.'),
};
