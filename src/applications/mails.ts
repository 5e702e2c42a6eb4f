import type { Lang } from '../config/types.js';
import { composeMail, type MailBranding } from '../mail/templates.js';
import { joinList } from '../web/texts.js';

// Mails about an account's personal data, sent by the graduate's own change and by a staff approval.
export const applicationMails = {
  /** G6: what changed (item names only); `requested` lists items sent to the university for approval. */
  personalDataChanged: (lang: Lang, b: MailBranding, changed: readonly string[], requested: readonly string[] = []) => {
    const list = (items: readonly string[]) => joinList(lang, items);
    const texts = {
      ja: {
        title: '個人情報変更のお知らせ',
        changed: ['個人情報が変更されました。', `変更された項目：${list(changed)}`],
        requested: ['次の項目の変更を受け付けました。大学の承認後に反映されます。', `申請した項目：${list(requested)}`],
        alarm: 'お心当たりのない場合は、至急お問い合わせ下さい。',
      },
      en: {
        title: 'Your personal information was changed',
        changed: ['Your personal information was changed.', `Changed: ${list(changed)}`],
        requested: ['A change of these items was received; it takes effect once the university approves it.', `Requested: ${list(requested)}`],
        alarm: 'If you did not do this, contact us at once.',
      },
    }[lang];
    return composeMail(lang, b, texts.title, [...(changed.length ? texts.changed : []), ...(requested.length ? texts.requested : []), texts.alarm]);
  },
};
