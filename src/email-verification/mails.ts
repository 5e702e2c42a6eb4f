import type { Lang } from '../config/types.js';
import { type MailBranding, urlMail, noticeMail } from '../mail/templates.js';

// The mails of address verification (manual 000 §2.1, §2.4(a)).

export const emailMails = {
  registerEmail: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: 'メールアドレスの登録', lead: 'メールアドレスの登録を行います。\n以下の URL にアクセスし、メールアドレスの登録を完了して下さい。' },
    en: { title: 'Registering your email address', lead: 'You are registering this email address.\nOpen the URL below to complete the registration.' },
  }),
  changeEmail: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: 'メールアドレスの変更', lead: 'メールアドレスの変更を行います。\n以下の URL にアクセスし、メールアドレスの変更を完了して下さい。' },
    en: { title: 'Changing your email address', lead: 'You are changing your email address to this one.\nOpen the URL below to complete the change.' },
  }),
  /** Sent instead of a link when the address already belongs to another account (no enumeration on the page). */
  addressInUse: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: 'メールアドレスの登録', body: 'このメールアドレスは既に別のアカウントで登録されているため、登録できませんでした。\n別のメールアドレスをご利用ください。' },
    en: { title: 'Registering your email address', body: 'This address is already registered to another account, so it could not be registered.\nPlease use another address.' },
  }),
  emailChangedNotice: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: 'メールアドレス変更のお知らせ', body: 'ご登録のメールアドレスが変更されました。\n今後、システムからの連絡は新しいメールアドレス宛に送信されます。\nお心当たりのない場合は、至急お問い合わせ下さい。' },
    en: { title: 'Your email address was changed', body: 'The email address of your account was changed.\nFrom now on, mail from the service goes to the new address.\nIf you did not do this, contact us at once.' },
  }),
};
