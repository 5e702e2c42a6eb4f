/** One address of a postal code: 都道府県, 市区町村, 町域 (empty when the code covers the whole city). */
export interface PostalAddress {
  code: string;
  prefecture: string;
  city: string;
  town: string;
}

// Hyphens people type between the two parts: ASCII, full-width, minus sign, dashes, the katakana
// prolonged sound mark (a common IME slip), and spaces.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\u30fc\uff0d\uff70\u3000〒]/g;

/**
 * The 7-digit code from what a person typed: "530-0001", "5300001", "５３０－０００１", "〒530 0001".
 * Undefined when it is not a postal code.
 */
export function normalizePostalCode(input: string): string | undefined {
  if (input.length > 20) return undefined;
  const digits = input.normalize('NFKC').replace(SEPARATORS, '');
  return /^[0-9]{7}$/.test(digits) ? digits : undefined;
}

/** "530-0001" */
export function formatPostalCode(code: string): string {
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}

/**
 * 町域名 as an address field: Japan Post's notes are not part of the address. 「以下に掲載がない場合」,
 * 「〇〇の次に番地がくる場合」 and 「〇〇一円」 mean "the whole city" (empty town); parenthesised notes such as
 * 「大通西（１～１９丁目）」 or 「丸の内ＪＰタワー（地階・階層不明）」 are dropped.
 */
export function normalizeTown(town: string): string {
  let value = town.trim();
  if (value === '以下に掲載がない場合' || value.endsWith('の次に番地がくる場合')) return '';
  if (value.endsWith('一円') && value !== '一円') return '';
  const paren = value.search(/[（(]/);
  if (paren >= 0) value = value.slice(0, paren);
  return value.trim();
}
