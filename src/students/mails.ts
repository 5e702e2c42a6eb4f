import type { Lang } from '../config/types.js';
import { type MailBranding, urlMail } from '../mail/templates.js';

// The students' own mails (manual 000 §2.4(c) 第2パスワードを忘れた場合).

export const studentMails = {
  resetSecondPassword: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: '第2パスワードの再設定', lead: '第2パスワードの再設定を行います。\n以下の URL にアクセスし、第2パスワードを再設定して下さい。' },
    en: { title: 'Resetting your second password', lead: 'You asked to reset your second password.\nOpen the URL below to set a new one.' },
  }),
};
