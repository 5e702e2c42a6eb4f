import type { Lang } from '../config/types.js';
import { composeMail, urlMail, type MailBranding } from '../mail/templates.js';

// The graduates' mails (manual 002): the application (§2.1) and 学籍番号追加 (§2.3); パスワードの再設定
// (§2.4(f)) is a reset link of email-verification/reset-link.ts (staff send it too).
export const graduateMails = {
  applicationStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: '利用申請の手続き', lead: '証明書発行サービスの利用申請を行います。\n以下の URL にアクセスし、申請者情報の登録に進んで下さい。' },
    en: { title: 'Applying for an account', lead: 'You are applying to use the Certificate Issuance Service.\nOpen the URL below to continue with your application.' },
  }),
  /** 申請受付: the receipt number to quote, and the next steps (graduates.nextSteps, as on the page). */
  applicationReceived: (lang: Lang, b: MailBranding, receiptNumber: string, nextSteps: readonly string[]) => composeMail(lang, b, {
    ja: '利用申請受付のお知らせ', en: 'Your application was received',
  }[lang], [
    { ja: '証明書発行サービスの利用申請を受け付けました。', en: 'Your application to use the Certificate Issuance Service was received.' }[lang],
    '',
    { ja: `受付番号：${receiptNumber}`, en: `Receipt number: ${receiptNumber}` }[lang],
    { ja: 'お問い合わせの際は、この受付番号をお伝えください。', en: 'Please quote this number when you contact the university.' }[lang],
    '',
    { ja: '今後の流れ', en: 'What happens next' }[lang],
    ...nextSteps.map((step) => `・${step}`),
  ]),
  /** G5 (manual 002 §2.3 step 6, mail 学籍番号追加). */
  enrollmentStart: (lang: Lang, b: MailBranding, url: string, minutes: number) => urlMail(lang, b, url, minutes, {
    ja: { title: '学籍番号追加', lead: '学籍番号の追加を行います。\n以下のURLにアクセスし、追加したい学籍番号の利用申請を完了してください。' },
    en: { title: 'Adding a student number', lead: 'You are adding a student number.\nOpen the URL below and complete the application for the student number you want to add.' },
  }),
};
