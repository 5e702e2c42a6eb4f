import { defineTexts, type KeyOf } from '../web/texts.js';
import type { CommonTextKey } from '../web/common-texts.js';

// The address forms and the notes about the confirmation mail (manual 000 §2.1).
export const emailTexts = defineTexts({
  'email.label': 'メールアドレス',
  'email.confirm_label': 'メールアドレス（確認）',
  'email_setup.notes': [
    '「確認」ボタンを押すと、指定のメールアドレスに確認メールが送信されます。',
    '確認メールに記載されたURLにアクセスし、メールアドレスの設定を完了して下さい。',
    '確認メールの送信までには、少々時間がかかる場合があります。',
    'フリーメールアドレスの場合、確認メールを受信出来ない可能性があります。',
  ],
  'email_setup.allow_list': '※迷惑メールフィルタ等で、確認メールを受信出来ない場合があります。事前に、許可リストへ以下のアドレスを追加するようにして下さい。',
  'email_setup.allow_list_address': 'アドレス: ',
  'email_setup.sent': '確認メールを送信しました。',
}, {
  'email.label': 'Email address',
  'email.confirm_label': 'Email address (confirmation)',
  'email_setup.notes': [
    'When you press "Confirm", a confirmation mail is sent to the address you entered.',
    'Open the URL in the confirmation mail to complete the setting of your email address.',
    'It may take a little while until the confirmation mail is sent.',
    'Free mail services may not receive the confirmation mail.',
  ],
  'email_setup.allow_list': 'Spam filters may block the confirmation mail. Please add the following address to your allow list beforehand.',
  'email_setup.allow_list_address': 'Address: ',
  'email_setup.sent': 'A confirmation mail has been sent.',
});

/** The keys these screens may use: their own and those of the shared tables they build on. */
export type EmailTextKey = KeyOf<typeof emailTexts> | CommonTextKey;
