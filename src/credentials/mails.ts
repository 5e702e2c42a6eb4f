import type { Lang } from '../config/types.js';
import { type MailBranding, noticeMail } from '../mail/templates.js';

// The notices of a changed credential: the user learns of every change (an unknown one is an alarm).

export const credentialMails = {
  passwordsSet: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: 'パスワード設定のお知らせ', body: 'パスワードおよび第2パスワードが設定されました。\nお心当たりのない場合は、至急お問い合わせ下さい。' },
    en: { title: 'Your passwords were set', body: 'The password and the second password of your account were set.\nIf you did not do this, contact us at once.' },
  }),
  passwordChanged: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: 'パスワード変更のお知らせ', body: 'パスワードが変更されました。\nお心当たりのない場合は、至急お問い合わせ下さい。' },
    en: { title: 'Your password was changed', body: 'The password of your account was changed.\nIf you did not do this, contact us at once.' },
  }),
  passwordsReset: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: 'パスワード再設定のお知らせ', body: 'パスワードおよび第2パスワードが再設定されました。\nすべての端末でログアウトしました。\nお心当たりのない場合は、至急お問い合わせ下さい。' },
    en: { title: 'Your passwords were reset', body: 'The password and the second password of your account were reset.\nYou were signed out everywhere.\nIf you did not do this, contact us at once.' },
  }),
  secondPasswordChanged: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: '第2パスワード変更のお知らせ', body: '第2パスワードが変更されました。\nお心当たりのない場合は、至急お問い合わせ下さい。' },
    en: { title: 'Your second password was changed', body: 'The second password of your account was changed.\nIf you did not do this, contact us at once.' },
  }),
};
