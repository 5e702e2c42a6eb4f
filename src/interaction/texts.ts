import { defineTexts, type KeyOf } from '../web/texts.js';
import type { CommonTextKey } from '../web/common-texts.js';

// The login interaction's own screens: 在学生の方 / 卒業生の方 and the consent of a third-party client.
export const interactionTexts = defineTexts({
  'chooser.title': 'ログイン',
  'consent.title': '情報提供の確認',
  'consent.lead': '{client} が次の情報を求めています。',
  'consent.allow': '許可する',
  'consent.deny': '許可しない',
  'scope.openid': '利用者の識別子',
  'scope.email': 'メールアドレス',
  'scope.profile': '氏名',
  'scope.enrollment': '学籍情報（学籍番号・所属）',
  'scope.offline_access': 'ログアウト後も継続して利用する権限',
  'chooser.lead': 'ご利用の区分を選んでください。',
  'chooser.student': '在学生の方',
  'chooser.graduate': '卒業生の方',
  'elsewhere.title': 'ログインのご案内',
  'elsewhere.lead': 'このブラウザでは、手続きを始めたときのログインの続きを表示できません。{client} に戻り、もう一度ログインしてください。',
  'elsewhere.how': '手続きを始めたブラウザが開いたままであれば、そちらでログインを続けることもできます。',
}, {
  'chooser.title': 'Login',
  'consent.title': 'Share your information?',
  'consent.lead': '{client} asks for the following information.',
  'consent.allow': 'Allow',
  'consent.deny': 'Do not allow',
  'scope.openid': 'An identifier for you',
  'scope.email': 'Your email address',
  'scope.profile': 'Your name',
  'scope.enrollment': 'Your enrolment (student numbers and faculty)',
  'scope.offline_access': 'Access that continues after you log out',
  'chooser.lead': 'Please choose who you are.',
  'chooser.student': 'Current students',
  'chooser.graduate': 'Graduates',
  'elsewhere.title': 'Please log in again',
  'elsewhere.lead': 'This browser cannot continue the login you started elsewhere. Please go back to {client} and log in again.',
  'elsewhere.how': 'If the browser in which you started is still open, you can also continue the login there.',
});

/** The keys these screens may use: their own and those of the shared tables they build on. */
export type InteractionTextKey = KeyOf<typeof interactionTexts> | CommonTextKey;
