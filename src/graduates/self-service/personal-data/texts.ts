import { defineTexts, type KeyOf } from '../../../web/texts.js';
import type { GraduateTextKey } from '../../texts.js';

// G6 個人情報設定・変更 (manual 002 §2.4(a)). Field labels and their messages come from the application form (src/applications/texts.ts).
export const personalDataTexts = defineTexts({
  'personal.title': '個人情報設定・変更',
  'personal.lead': '個人情報のうち、変更したい項目について入力し、「確認」ボタンを押してください。',
  'personal.notes': [
    '入力項目は利用環境により異なります。',
    '氏名は、苗字と名前の間にスペースを入れてください。',
    '郵便番号を7桁の数字で入力し（ハイフンは不要です）「検索」ボタンを押すと、住所が表示されます。マンション名などを追記してください。',
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
}, {
  'personal.title': 'Personal information',
  'personal.lead': 'Enter the items you want to change and press "Confirm".',
  'personal.notes': [
    'The items you are asked for depend on the university.',
    'Put a space between the family name and the given name.',
    'Enter the postal code as 7 digits (no hyphen needed) and press "Search" to fill in the address, then add the building and room.',
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
});

/** The keys these screens may use: their own and the graduates' shared ones. */
export type PersonalDataTextKey = KeyOf<typeof personalDataTexts> | GraduateTextKey;
