import type { Lang } from '../config/types.js';
import { translator, type MessageKey, type Translate } from '../web/i18n.js';

// The texts of the graduate's self-service pages (manual 002 §2.3 学籍番号の追加登録方法, §2.4(a)
// 個人情報の変更), kept apart from the shared catalogue in src/web/i18n.ts like the staff console's.
// Field labels and their messages come from the application form (apply.*).

const ja = {
  'enrol.title': '学籍番号追加登録',
  'enrol.lead': '学籍番号を追加登録します。「送信」ボタンを押すと、登録したメールアドレス宛に追加登録用のURLを記載したメールを送信します。',
  'enrol.notes': [
    '学部・大学院の両方を卒業した等、学籍番号が複数ある方のみ実施してください。',
    'メールに記載されたURLには期限があります。期限内に操作を完了させてください。',
    '追加した学籍番号は、大学の承認後に利用できるようになります。',
  ],
  'enrol.send': '送信',
  'enrol.requested_title': '申請完了',
  'enrol.requested': [
    '登録したメールアドレス宛に、学籍番号追加登録用のURLを記載したメールを送信しました。',
    'メールに記載されたURLにアクセスし、追加したい学籍番号の利用申請を完了してください。',
  ],
  'enrol.form_title': '学籍番号追加登録',
  'enrol.form_lead': '新たに登録したい学部または大学院在学時の情報を入力してください。',
  'enrol.form_notes': [
    '入力項目は利用環境により異なります。',
    '「必須」の項目は必ず入力してください。',
    '氏名は、苗字と名前の間にスペースを入れてください。',
    '卒業（修了）年月は西暦で入力してください。',
  ],
  'enrol.confirm_title': '申請内容の確認',
  'enrol.submit': '申請',
  'enrol.done_title': '申請完了',
  'enrol.done': [
    '学籍番号の追加登録の申請が完了しました。',
    '承認後、登録したメールアドレス宛にメールが届きます。',
  ],
  'enrol.no_access': '学籍番号の追加登録を続けるには、メールに記載されたURLを開いてください。',
  'enrol.expired': 'URLの有効期限が切れています。お手数ですが、メニューの「学籍番号追加登録」からやり直してください。',
  'enrol.closed': 'この申請は受け付けられています。大学からの連絡をお待ちください。',
  'enrol.already_linked': 'この学籍番号は既にお使いのアカウントに登録されています。',
  'enrol.limited': '短時間に多くのメールが要求されました。しばらくしてからやり直してください。',

  'personal.title': '個人情報設定・変更',
  'personal.lead': '個人情報のうち、変更したい項目について入力し、「確認」ボタンを押してください。',
  'personal.notes': [
    '入力項目は利用環境により異なります。',
    '氏名は、苗字と名前の間にスペースを入れてください。',
    '郵便番号を「XXX-XXXX」の形式で入力し「検索」ボタンを押すと、住所が表示されます。マンション名などを追記してください。',
  ],
  'personal.review_note': '次の項目の変更は、大学の承認後に反映されます：{fields}',
  'personal.pending': '大学の承認待ちの変更申請があります：{fields}',
  'personal.pending_field': '前回の変更申請が大学で確認中のため、この項目は変更できません。',
  'personal.confirm_title': '変更内容の確認',
  'personal.confirm_lead': '入力した内容を確認の上、「変更」ボタンを押してください。',
  'personal.confirm_review': '大学の承認後に反映される項目',
  'personal.no_change': '変更された項目がありません。',
  'personal.change': '変更',
  'personal.edit': '入力内容を修正する',
  'personal.done_title': '変更完了',
  'personal.done': '個人情報の変更が完了しました。',
  'personal.done_review': '次の項目は大学に変更を申請しました。承認後に反映され、メールでお知らせします：{fields}',

  'self.graduates_only': 'この機能は卒業生のアカウントでのみ利用できます。',
  'self.group.name': '氏名',
  'self.group.gender': '性別',
  'self.group.homeAddress': '現住所',
  'self.group.homePhone': '電話番号',
  'self.group.mobilePhone': '携帯電話番号',
  'self.group.workplace': '勤務先',
};

export type SelfServiceKey = keyof typeof ja;
type Messages = { [K in SelfServiceKey]: (typeof ja)[K] extends readonly string[] ? readonly string[] : string };

const en: Messages = {
  'enrol.title': 'Add a student number',
  'enrol.lead': 'You are adding a student number. Press "Send" and a mail with the URL for adding it goes to your registered email address.',
  'enrol.notes': [
    'Only for those who have more than one student number, e.g. who graduated from both a faculty and a graduate school.',
    'The URL in the mail expires. Complete the steps before it does.',
    'The added student number can be used once the university has approved it.',
  ],
  'enrol.send': 'Send',
  'enrol.requested_title': 'Request sent',
  'enrol.requested': [
    'A mail with the URL for adding a student number has been sent to your registered email address.',
    'Open the URL in the mail and complete the application for the student number you want to add.',
  ],
  'enrol.form_title': 'Add a student number',
  'enrol.form_lead': 'Enter the information from the time you were enrolled in the faculty or graduate school you want to add.',
  'enrol.form_notes': [
    'The items you are asked for depend on the university.',
    'Fill in every required item.',
    'Put a space between the family name and the given name.',
    'Enter the month of graduation in the western calendar.',
  ],
  'enrol.confirm_title': 'Check your application',
  'enrol.submit': 'Apply',
  'enrol.done_title': 'Application complete',
  'enrol.done': [
    'Your application to add a student number is complete.',
    'Once it is approved, a mail is sent to your registered email address.',
  ],
  'enrol.no_access': 'To continue adding a student number, open the URL in the mail.',
  'enrol.expired': 'This URL has expired. Please start again from "Add a student number" in the menu.',
  'enrol.closed': 'This application has been received. Please wait for the university to contact you.',
  'enrol.already_linked': 'This student number is already registered to your account.',
  'enrol.limited': 'Too many mails were requested in a short time. Please try again later.',

  'personal.title': 'Personal information',
  'personal.lead': 'Enter the items you want to change and press "Confirm".',
  'personal.notes': [
    'The items you are asked for depend on the university.',
    'Put a space between the family name and the given name.',
    'Enter the postal code as XXX-XXXX and press "Search" to fill in the address, then add the building and room.',
  ],
  'personal.review_note': 'Changes to these items take effect once the university approves them: {fields}',
  'personal.pending': 'A change is waiting for the university\'s approval: {fields}',
  'personal.pending_field': 'Your previous change of this item is being checked by the university, so it cannot be changed now.',
  'personal.confirm_title': 'Check your changes',
  'personal.confirm_lead': 'Check what you entered and press "Change".',
  'personal.confirm_review': 'Items that change once the university approves',
  'personal.no_change': 'Nothing was changed.',
  'personal.change': 'Change',
  'personal.edit': 'Correct the information',
  'personal.done_title': 'Change complete',
  'personal.done': 'Your personal information has been changed.',
  'personal.done_review': 'A change of these items has been sent to the university; it takes effect once approved, and you are told by mail: {fields}',

  'self.graduates_only': 'This is available to graduate accounts only.',
  'self.group.name': 'Name',
  'self.group.gender': 'Gender',
  'self.group.homeAddress': 'Current address',
  'self.group.homePhone': 'Telephone',
  'self.group.mobilePhone': 'Mobile phone',
  'self.group.workplace': 'Workplace',
};

const catalogs: Record<Lang, Messages> = { ja, en };

export type SelfServiceTranslate = {
  (key: SelfServiceKey | MessageKey, params?: Record<string, string | number>): string;
  list(key: SelfServiceKey | MessageKey): readonly string[];
};

function isOwnKey(key: string): key is SelfServiceKey {
  return Object.hasOwn(ja, key);
}

/** Translator for these pages: the keys above from here, every other key from the users' catalogue. */
export function selfServiceTranslator(lang: Lang): SelfServiceTranslate {
  const base: Translate = translator(lang);
  const catalog = catalogs[lang];
  const t = ((key: SelfServiceKey | MessageKey, params: Record<string, string | number> = {}) => {
    if (!isOwnKey(key)) return base(key, params);
    const value = catalog[key];
    const text = Array.isArray(value) ? value.join('\n') : (value as string);
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  }) as SelfServiceTranslate;
  t.list = (key) => {
    if (!isOwnKey(key)) return base.list(key);
    const value = catalog[key];
    return Array.isArray(value) ? value : [value as string];
  };
  return t;
}
