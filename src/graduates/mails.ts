import type { Lang } from '../config/types.js';
import { noticeMail, urlMail, type MailBranding } from '../mail/templates.js';

// The graduates' mails (manual 002): the application (§2.1) and 学籍番号追加 (§2.3); パスワードの再設定
// (§2.4(f)) is a reset link of email-verification/reset-link.ts (staff send it too).
export const graduateMails = {
  applicationStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: '利用申請の手続き', lead: '証明書発行サービスの利用申請を行います。\n以下の URL にアクセスし、申請者情報の登録に進んで下さい。' },
    en: { title: 'Applying for an account', lead: 'You are applying to use the Certificate Issuance Service.\nOpen the URL below to continue with your application.' },
  }),
  applicationReceived: (lang: Lang, b: MailBranding) => noticeMail(lang, b, {
    ja: { title: '利用申請受付のお知らせ', body: '証明書発行サービスの利用申請を受け付けました。\n大学が申請内容を確認後、利用申請結果をこのメールアドレス宛にお送りします。' },
    en: { title: 'Your application was received', body: 'Your application to use the Certificate Issuance Service was received.\nAfter the university has checked it, the result is sent to this address.' },
  }),
  /** G5 (manual 002 §2.3 step 6, mail 学籍番号追加). */
  enrollmentStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: '学籍番号追加', lead: '学籍番号の追加を行います。\n以下のURLにアクセスし、追加したい学籍番号の利用申請を完了してください。' },
    en: { title: 'Adding a student number', lead: 'You are adding a student number.\nOpen the URL below and complete the application for the student number you want to add.' },
  }),
};
