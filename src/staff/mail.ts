import type { Lang } from '../config/types.js';
import type { ApplicationPurpose } from '../db/entities.js';
import { composeMail, type MailBranding } from '../mail/templates.js';
import { formatDate } from './format.js';

// The mails of staff decisions. The approval follows the manual (002 §2.1 steps 17–18, mail
// 利用申請結果のお知らせ): the initial password, its expiry, ログインはこちらから and the URL, then the
// 送信専用 footer. Rejections and resubmission requests are results of the application too (the
// manual: "却下、再申請の場合もあります"), so they carry the same title. English is beyond the manuals.

const RESULT_TITLE = { ja: '利用申請結果のお知らせ', en: 'Result of your application' } as const;

function applicationNoun(lang: Lang, b: MailBranding, purpose: ApplicationPurpose): string {
  return {
    ja: { account: `${b.serviceName.ja}の利用申請`, enrollment: '学籍番号の追加登録申請', personal: '個人情報の変更申請' },
    en: { account: `application to use the ${b.serviceName.en}`, enrollment: 'application to add a student number', personal: 'request to change your personal information' },
  }[lang][purpose];
}

export interface InitialPasswordMail { password: string; expiresAt: Date; loginUrl: string }

function initialPasswordLines(lang: Lang, mail: InitialPasswordMail): string[] {
  const expiry = formatDate(mail.expiresAt);
  return {
    ja: [
      '以下の初回パスワードを使用し、ログインしてください。',
      '※ログイン後はパスワードの再設定をしてください。',
      `初回パスワード： ${mail.password}`,
      `（有効期限：${expiry}）`,
      'ログインはこちらから',
    ],
    en: [
      'Please log in with the initial password below.',
      'After logging in, please set a new password.',
      `Initial password: ${mail.password}`,
      `(valid until ${expiry})`,
      'Log in here:',
    ],
  }[lang].concat(mail.loginUrl);
}

export const staffMails = {
  /** 利用申請結果のお知らせ: approved, with the initial password (new account, or G8: the account moved here). */
  approved: (lang: Lang, b: MailBranding, mail: InitialPasswordMail & { addressChanged?: boolean }) => composeMail(lang, b, RESULT_TITLE[lang], [
    ...{
      ja: [`${b.serviceName.ja}の利用申請が受諾されました。`, ...(mail.addressChanged ? ['ご登録のメールアドレスを、このメールアドレスに変更しました。'] : [])],
      en: [`Your application to use the ${b.serviceName.en} has been accepted.`, ...(mail.addressChanged ? ['The email address of your account has been changed to this address.'] : [])],
    }[lang],
    ...initialPasswordLines(lang, mail),
  ]),

  /** A new initial password requested through the office (the first login did not happen in time). */
  initialPasswordReissued: (lang: Lang, b: MailBranding, mail: InitialPasswordMail) => {
    const text = {
      ja: { title: '初回パスワード再発行のお知らせ', lead: '初回パスワードを再発行しました。以前の初回パスワードは使用できません。' },
      en: { title: 'Your new initial password', lead: 'A new initial password has been issued. The previous one no longer works.' },
    }[lang];
    return composeMail(lang, b, text.title, [text.lead, ...initialPasswordLines(lang, mail)]);
  },

  rejected: (lang: Lang, b: MailBranding, purpose: ApplicationPurpose, reason: string) => composeMail(lang, b, RESULT_TITLE[lang], {
    ja: [`${applicationNoun(lang, b, purpose)}は受諾されませんでした。`, '理由：', reason],
    en: [`Your ${applicationNoun(lang, b, purpose)} has not been accepted.`, 'Reason:', reason],
  }[lang]),

  resubmissionRequested: (lang: Lang, b: MailBranding, purpose: ApplicationPurpose, comment: string, url: string, expiresAt: Date) => composeMail(lang, b, RESULT_TITLE[lang], {
    ja: [
      `${applicationNoun(lang, b, purpose)}について、申請内容の修正をお願いします。`,
      '大学からのコメント：',
      comment,
      '',
      '以下のURLにアクセスし、申請内容を修正のうえ、再度申請してください。',
      url,
      `（有効期限：${formatDate(expiresAt)}）`,
    ],
    en: [
      `Please correct your ${applicationNoun(lang, b, purpose)}.`,
      'Comment from the university:',
      comment,
      '',
      'Open the URL below, correct the application and submit it again.',
      url,
      `(valid until ${formatDate(expiresAt)})`,
    ],
  }[lang]),

  /** G5: the additional student number was approved (the manual's mail: 利用申請結果のお知らせ, §2.3 step 10). */
  enrollmentAdded: (lang: Lang, b: MailBranding, studentNumber: string) => {
    const text = {
      ja: {
        title: '利用申請結果のお知らせ',
        lines: ['学籍番号の追加登録が完了しました。', ...(studentNumber ? ['以下の学籍番号を現在のアカウントへ追加しました。', '', `学籍番号： ${studentNumber}`] : [])],
      },
      en: {
        title: 'Result of your application: student number added',
        lines: ['The additional student number has been registered.', ...(studentNumber ? ['The student number below has been added to your account.', '', `Student number: ${studentNumber}`] : [])],
      },
    }[lang];
    return composeMail(lang, b, text.title, text.lines);
  },
};
