import { defineTexts, type KeyOf } from '../../../web/texts.js';
import type { GraduateTextKey } from '../../texts.js';

// G5 学籍番号追加登録 (manual 002 §2.3 学籍番号の追加登録方法). Field labels and their messages come from
// the application form (src/applications/texts.ts).
export const enrollmentTexts = defineTexts({
  'enrol.title': '学籍番号追加登録',
  'enrol.lead': '学籍番号を追加登録します。「送信」ボタンを押すと、登録したメールアドレス宛に追加登録用のURLを記載したメールを送信します。',
  'enrol.notes': [
    '学部・大学院の両方を卒業した等、学籍番号が複数ある方のみ実施してください。',
    'メールに記載されたURLには期限があります。期限内に操作を完了させてください。',
    '追加した学籍番号は、大学の承認後に利用できるようになります。',
  ],
  'enrol.send': '送信',
  'enrol.landing.lead': '下記のメールアドレスのアカウントに学籍番号を追加登録します。「登録を続ける」ボタンを押して、追加したい学籍番号の情報を入力してください。',
  'enrol.landing.resubmission': '大学から学籍番号追加登録の再申請の依頼がありました。「登録を続ける」ボタンを押して、申請内容を修正してください。大学からのコメントは入力画面に表示されます。',
  'enrol.landing.continue': '登録を続ける',
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
}, {
  'enrol.title': 'Add a student number',
  'enrol.lead': 'You are adding a student number. Press "Send" and a mail with the URL for adding it goes to your registered email address.',
  'enrol.notes': [
    'Only for those who have more than one student number, e.g. who graduated from both a faculty and a graduate school.',
    'The URL in the mail expires. Complete the steps before it does.',
    'The added student number can be used once the university has approved it.',
  ],
  'enrol.send': 'Send',
  'enrol.landing.lead': 'You add a student number to the account of the email address below. Press "Continue" to enter the student number you want to add.',
  'enrol.landing.resubmission': 'The university asked you to resubmit your student number request. Press "Continue" to correct it. The university\'s comment is shown on the form.',
  'enrol.landing.continue': 'Continue',
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
});

/** The keys these screens may use: their own and the graduates' shared ones. */
export type EnrollmentTextKey = KeyOf<typeof enrollmentTexts> | GraduateTextKey;
