import type { Lang } from '../config/types.js';
import type { ApplicationPurpose } from '../db/entities.js';
import { footer, subject, type MailBranding, type MailContent } from '../mail/templates.js';

// The mails of staff decisions. The approval follows the manual (002 §2.1 steps 17–18, mail
// 利用申請結果のお知らせ): the initial password, its expiry, ログインはこちらから and the URL, then the
// 送信専用 footer. Rejections and resubmission requests are results of the application too (the
// manual: "却下、再申請の場合もあります"), so they carry the same title. English is beyond the manuals.

/** A date as the office reads it: YYYY/MM/DD in Japan time. */
export function formatDate(date: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}/${get('month')}/${get('day')}`;
}

function compose(lang: Lang, b: MailBranding, title: string, lines: string[]): MailContent {
  return { subject: subject(lang, b, title), text: `${lines.join('\n')}\n\n${footer(lang, b)}\n` };
}

const RESULT_TITLE = { ja: '利用申請結果のお知らせ', en: 'Result of your application' } as const;

function applicationNoun(lang: Lang, b: MailBranding, purpose: ApplicationPurpose): string {
  if (purpose === 'enrollment') return lang === 'ja' ? '学籍番号の追加登録申請' : 'application to add a student number';
  if (purpose === 'personal') return lang === 'ja' ? '個人情報の変更申請' : 'request to change your personal information';
  return lang === 'ja' ? `${b.serviceName.ja}の利用申請` : `application to use the ${b.serviceName.en}`;
}

export interface InitialPasswordMail { password: string; expiresAt: Date; loginUrl: string }

function initialPasswordLines(lang: Lang, mail: InitialPasswordMail): string[] {
  return lang === 'ja'
    ? [
      '以下の初回パスワードを使用し、ログインしてください。',
      '※ログイン後はパスワードの再設定をしてください。',
      `初回パスワード： ${mail.password}`,
      `（有効期限：${formatDate(mail.expiresAt)}）`,
      'ログインはこちらから',
      mail.loginUrl,
    ]
    : [
      'Please log in with the initial password below.',
      'After logging in, please set a new password.',
      `Initial password: ${mail.password}`,
      `(valid until ${formatDate(mail.expiresAt)})`,
      'Log in here:',
      mail.loginUrl,
    ];
}

export const staffMails = {
  /** 利用申請結果のお知らせ: approved, with the initial password (new account, or G8: the account moved here). */
  approved: (lang: Lang, b: MailBranding, mail: InitialPasswordMail & { addressChanged?: boolean }) => compose(lang, b, RESULT_TITLE[lang], lang === 'ja'
    ? [
      `${b.serviceName.ja}の利用申請が受諾されました。`,
      ...(mail.addressChanged ? ['ご登録のメールアドレスを、このメールアドレスに変更しました。'] : []),
      ...initialPasswordLines(lang, mail),
    ]
    : [
      `Your application to use the ${b.serviceName.en} has been accepted.`,
      ...(mail.addressChanged ? ['The email address of your account has been changed to this address.'] : []),
      ...initialPasswordLines(lang, mail),
    ]),

  /** A new initial password requested through the office (the first login did not happen in time). */
  initialPasswordReissued: (lang: Lang, b: MailBranding, mail: InitialPasswordMail) => compose(lang, b, lang === 'ja' ? '初回パスワード再発行のお知らせ' : 'Your new initial password', [
    lang === 'ja' ? '初回パスワードを再発行しました。以前の初回パスワードは使用できません。' : 'A new initial password has been issued. The previous one no longer works.',
    ...initialPasswordLines(lang, mail),
  ]),

  rejected: (lang: Lang, b: MailBranding, purpose: ApplicationPurpose, reason: string) => compose(lang, b, RESULT_TITLE[lang], lang === 'ja'
    ? [`${applicationNoun(lang, b, purpose)}は受諾されませんでした。`, '理由：', reason]
    : [`Your ${applicationNoun(lang, b, purpose)} has not been accepted.`, 'Reason:', reason]),

  resubmissionRequested: (lang: Lang, b: MailBranding, purpose: ApplicationPurpose, comment: string, url: string, expiresAt: Date) => compose(lang, b, RESULT_TITLE[lang], lang === 'ja'
    ? [
      `${applicationNoun(lang, b, purpose)}について、申請内容の修正をお願いします。`,
      '大学からのコメント：',
      comment,
      '',
      '以下のURLにアクセスし、申請内容を修正のうえ、再度申請してください。',
      url,
      `（有効期限：${formatDate(expiresAt)}）`,
    ]
    : [
      `Please correct your ${applicationNoun(lang, b, purpose)}.`,
      'Comment from the university:',
      comment,
      '',
      'Open the URL below, correct the application and submit it again.',
      url,
      `(valid until ${formatDate(expiresAt)})`,
    ]),

  /** G5: the additional student number was approved (the manual's mail: 利用申請結果のお知らせ, §2.3 step 10). */
  enrollmentAdded: (lang: Lang, b: MailBranding, studentNumber: string) => compose(lang, b, lang === 'ja' ? '利用申請結果のお知らせ' : 'Result of your application: student number added', lang === 'ja'
    ? ['学籍番号の追加登録が完了しました。', ...(studentNumber ? ['以下の学籍番号を現在のアカウントへ追加しました。', '', `学籍番号： ${studentNumber}`] : [])]
    : ['The additional student number has been registered.', ...(studentNumber ? ['The student number below has been added to your account.', '', `Student number: ${studentNumber}`] : [])]),
};
