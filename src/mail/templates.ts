import type { Lang, Localized } from '../config/types.js';

export interface MailBranding { serviceName: Localized; contact: Localized }
export interface MailContent { subject: string; text: string }
type ByLang<T> = Record<Lang, T>;

// What every mail of the service shares: the subject's 【service】 prefix and the 送信専用 footer
// (the manual's mails, 000_… §2.1, §2.4). Each capability writes its own mails with these.

export function footer(lang: Lang, branding: MailBranding): string {
  return {
    ja: `※もしこのメールにお心当たりのない方は削除して下さい。\n◎このメールは送信専用メールです。\n${branding.contact.ja}`,
    en: `If you did not request this, please delete this mail.\nThis address only sends mail; replies are not read.\n${branding.contact.en}`,
  }[lang];
}

export function subject(lang: Lang, branding: MailBranding, title: string): string {
  return `【${branding.serviceName[lang]}】${title}`;
}

/** A mail of a title and lines of text, then the footer. */
export function composeMail(lang: Lang, branding: MailBranding, title: string, lines: readonly string[]): MailContent {
  return { subject: subject(lang, branding, title), text: `${lines.join('\n')}\n\n${footer(lang, branding)}\n` };
}

/** A mail with a one-time URL: the lead, the URL, its expiry (the manual's "URL 期限 : N 分"). */
export function urlMail(lang: Lang, branding: MailBranding, url: string, minutes: number, texts: ByLang<{ title: string; lead: string }>): MailContent {
  const { title, lead } = texts[lang];
  const expiry = { ja: `URL 期限 : ${minutes} 分`, en: `The URL expires in ${minutes} minutes.` }[lang];
  return composeMail(lang, branding, title, [lead, '', url, '', expiry]);
}

/** A notice: a title and a body. */
export function noticeMail(lang: Lang, branding: MailBranding, texts: ByLang<{ title: string; body: string }>): MailContent {
  const { title, body } = texts[lang];
  return composeMail(lang, branding, title, [body]);
}
