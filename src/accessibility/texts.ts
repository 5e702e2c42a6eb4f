import { defineTexts, type KeyOf } from '../web/texts.js';

// アクセシビリティ方針 (DESIGN.md §2.4), in the wording of the WAIC template for public bodies
// (方針 → 対象範囲 → 目標とする適合レベル → 試験 → 既知の問題). What it says about the tests is what
// test/*/accessibility.test.ts and test/*/keyboard.test.ts check on every change.
export const accessibilityTexts = defineTexts({
  'footer.accessibility': 'アクセシビリティ方針',
  'accessibility.title': 'アクセシビリティ方針',
  'accessibility.policy_heading': '方針',
  'accessibility.policy': [
    '{service}は、障害の有無や年齢、利用する機器・環境にかかわらず、すべての学生・卒業生が証明書の申込みに必要なログインと各種手続きを行えるよう、ウェブアクセシビリティの確保と向上に取り組んでいます。',
    '日本産業規格 JIS X 8341-3:2016「高齢者・障害者等配慮設計指針－情報通信における機器，ソフトウェア及びサービス－第3部：ウェブコンテンツ」に基づいて画面を作成し、変更のたびに試験を行います。',
  ],
  'accessibility.scope_heading': '対象範囲',
  'accessibility.scope': '{service}のすべての画面（在学生・卒業生のログイン、メールアドレス設定、第2パスワード・パスワードの設定、変更及び再設定、卒業生の利用申請、アカウントメニュー、ログアウト、エラー画面、大学職員用の管理画面）。',
  'accessibility.scope_excluded': 'ご利用のサービス（証明書発行の申込み画面）、大学の統合認証（SSO）の画面及びリンク先の操作マニュアル（PDF）は、それぞれの提供元の方針によります。',
  'accessibility.target_heading': '目標とする適合レベル及び対応度',
  'accessibility.target': 'JIS X 8341-3:2016 の適合レベル AA に準拠することを目標とします。',
  'accessibility.status': '現在の対応度は「一部準拠」です。自動試験とキーボード操作の試験では問題は見つかっていませんが、スクリーンリーダー等を用いた人による全達成基準の試験はまだ実施していないためです。',
  'accessibility.status_note': '対応度の表記は、ウェブアクセシビリティ基盤委員会（WAIC）「ウェブコンテンツの JIS X 8341-3:2016 対応度表記ガイドライン」に従っています。',
  'accessibility.tests_heading': '試験の方法と結果',
  'accessibility.tests': [
    '試験ツール：axe-core（ブラウザ：Chromium）により、WCAG 2.0 / 2.1 の適合レベル A 及び AA の達成基準に対応する自動チェックを行っています。',
    '試験対象：すべての画面を、それぞれ入力エラーを表示した状態も含めて、画面幅 375 ピクセル（スマートフォン）と 1280 ピクセル（パソコン）、日本語と英語の表示で試験しています。',
    'キーボード操作：在学生の初回ログインからメールアドレス設定、第2パスワード設定、ログインまで、及び卒業生の利用申請の全手順を、マウスを使わずキーボード（Tab、Shift+Tab、Enter、Space）のみで完了できること、フォーカスの位置が見えることを試験しています。',
    '試験結果：重大（critical）及び深刻（serious）と判定される問題はありません。試験は本サービスの自動テストに組み込まれており、変更のたびに実施しています。',
  ],
  'accessibility.gaps_heading': '既知の問題',
  'accessibility.gaps': [
    '自動チェックで確認できるのは達成基準の一部です。スクリーンリーダーや音声入力による人の試験は未実施です。',
    'メールで送信する URL（{minutes} 分）及びログインの有効期限は、セキュリティのため延長できません（達成基準 2.2.1）。期限が切れた場合は、最初から操作し直してください。',
    '卒業生の利用申請で提出する本人確認書類は画像で受け付けます。画像を提出できない場合は、大学の事務担当にご相談ください。',
    '大学職員用の管理画面で表示する本人確認書類は申請者が提出した画像のため、書類の種類と番号以外の代替テキストはありません。',
  ],
  'accessibility.contact_heading': 'お問い合わせ',
  'accessibility.contact': 'ご利用にあたって問題がありましたら、お知らせください。{contact}',
}, {
  'footer.accessibility': 'Accessibility policy',
  'accessibility.title': 'Accessibility policy',
  'accessibility.policy_heading': 'Policy',
  'accessibility.policy': [
    'The {service} works to make its web pages accessible, so that every student and graduate can sign in and complete the steps needed to order certificates, whatever their disability, age, device or environment.',
    'The pages are made to the Japanese Industrial Standard JIS X 8341-3:2016 (Guidelines for older persons and persons with disabilities — Information and communications equipment, software and services — Part 3: Web content), and they are tested on every change.',
  ],
  'accessibility.scope_heading': 'Scope',
  'accessibility.scope': 'Every page of the {service}: student and graduate login, email address registration, setting, changing and resetting the second password and the password, the graduate application, the account menu, logging out, error pages, and the staff console of the university.',
  'accessibility.scope_excluded': 'The service you sign in to (the certificate ordering pages), the university single sign-on (SSO) pages and the linked user manuals (PDF) follow the policies of their providers.',
  'accessibility.target_heading': 'Target conformance level and status',
  'accessibility.target': 'The target is conformance with JIS X 8341-3:2016 level AA.',
  'accessibility.status': 'The current status is "partially conformant": the automated tests and the keyboard tests find no problem, but testing of every success criterion by people with screen readers and other assistive technology has not been done yet.',
  'accessibility.status_note': 'The status is stated following the guidelines of the Web Accessibility Infrastructure Committee (WAIC) for declaring conformance with JIS X 8341-3:2016.',
  'accessibility.tests_heading': 'How the pages are tested, and the results',
  'accessibility.tests': [
    'Tool: axe-core (browser: Chromium), with its automated checks for the WCAG 2.0 and 2.1 level A and AA success criteria.',
    'Pages: every page, each also showing its input errors, at a width of 375 pixels (smartphone) and 1280 pixels (PC), in Japanese and in English.',
    'Keyboard: the first student login through email registration, the second password and the login, and every step of the graduate application are completed with the keyboard only (Tab, Shift+Tab, Enter, Space), without a mouse, with the focus visible.',
    'Results: no critical or serious problem is found. The tests are part of the service\'s automated tests and run on every change.',
  ],
  'accessibility.gaps_heading': 'Known problems',
  'accessibility.gaps': [
    'Automated checks cover only part of the success criteria. The pages have not yet been tested by people with screen readers or voice input.',
    'Mailed URLs ({minutes} minutes) and the login expire and cannot be extended, for security (success criterion 2.2.1). When they have expired, please start again.',
    'Graduates apply with images of an identity document. If you cannot send images, please contact the university office.',
    'The identity documents shown in the staff console are images sent by the applicants: their text alternative names only the kind of document and its number.',
  ],
  'accessibility.contact_heading': 'Contact',
  'accessibility.contact': 'If you have a problem using these pages, please tell us. {contact}',
});

export type AccessibilityTextKey = KeyOf<typeof accessibilityTexts>;
