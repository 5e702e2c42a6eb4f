import type { PostalCodeLookup } from '../postal/lookup.js';
import { formatPostalCode } from '../postal/normalize.js';
import type { Translate } from '../web/texts.js';
import type { ApplicationTextKey } from './texts.js';

// 郵便番号 検索 without script: the form's 検索 buttons post action=postal:home or postal:work, and the
// page comes back with that address's fields filled from the postal code (G1's form, G6's form).

export interface AddressSearch {
  /** What was typed, with the address fields filled when the code was found. */
  values: Record<string, string>;
  message: { text: string; tone: 'info' | 'error' };
}

/** The 検索 of a posted application form, or undefined when the post is not a search. */
export async function searchAddress(
  lookup: Pick<PostalCodeLookup, 'search'>, action: unknown, input: Record<string, string>, t: Translate<ApplicationTextKey>,
): Promise<AddressSearch | undefined> {
  const postal = typeof action === 'string' ? /^postal:(home|work)$/.exec(action) : null;
  if (!postal) return undefined;
  const prefix = postal[1] as 'home' | 'work';
  const found = await lookup.search(input[`${prefix}_postal_code`] ?? '');
  const address = found.status === 'found' ? found.addresses[0] : undefined;
  if (!address) {
    return { values: input, message: { text: t(found.status === 'invalid' ? 'apply.postal_invalid' : 'apply.postal_not_found'), tone: 'error' } };
  }
  return {
    values: {
      ...input,
      [`${prefix}_postal_code`]: formatPostalCode(address.code),
      [`${prefix}_prefecture`]: address.prefecture,
      [`${prefix}_city`]: address.city,
      [`${prefix}_street`]: address.town,
    },
    message: { text: t('apply.postal_found'), tone: 'info' },
  };
}
