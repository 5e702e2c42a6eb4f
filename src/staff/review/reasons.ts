import type { AppConfig, Lang } from '../../config/types.js';
import { ReviewError } from '../actions.js';

// Standard reasons (graduates.review.rejectionReasons / resubmissionReasons): the clerk ticks the ones
// that apply and may add free text; the applicant's mail quotes them in the applicant's language.

export type ReasonList = 'rejectionReasons' | 'resubmissionReasons';
export interface StandardReason { id: string; ja: string; en: string }

export function standardReasons(config: Pick<AppConfig, 'graduates'>, list: ReasonList): StandardReason[] {
  return config.graduates?.review?.[list] ?? [];
}

const TEXT_MAX = 2000;

/**
 * The text for the applicant: the chosen standard reasons (in `lang`, one a line, in the configured
 * order) followed by the free text. Unknown ids are refused; nothing chosen and no text is refused.
 */
export function composeReason(config: Pick<AppConfig, 'graduates'>, list: ReasonList, lang: Lang, ids: readonly string[], freeText: string | undefined): { text: string; ids: string[] } {
  const known = standardReasons(config, list);
  if (ids.some((id) => !known.some((r) => r.id === id))) throw new ReviewError('unknown_reason');
  const chosen = known.filter((r) => ids.includes(r.id));
  const free = (freeText ?? '').normalize('NFC').replace(/\r\n?/g, '\n').trim();
  const text = [...chosen.map((r) => `・${r[lang]}`), ...(free ? [free] : [])].join('\n');
  if (!text || free.length > TEXT_MAX) throw new ReviewError('comment_required');
  return { text, ids: chosen.map((r) => r.id) };
}
