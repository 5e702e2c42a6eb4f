import { randomInt } from 'node:crypto';

// 申請受付's receipt number: what an applicant quotes when asking the university about an application.
// Human-readable — the submission date, then 8 characters of Crockford's base32 (no I, L, O, U, so
// nothing reads as 1 or 0) in two groups — and unguessable enough (40 random bits) that it names an
// application without revealing how many there are. Uniqueness is the database's (a unique index);
// the store draws again on a collision.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** e.g. 20261130-7K3Q-9XM2 (the date in Japan, where the applicants and the university are). */
export function newReceiptNumber(now: Date = new Date(), draw: (max: number) => number = randomInt): string {
  const japan = new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const chars = Array.from({ length: 8 }, () => ALPHABET[draw(ALPHABET.length)]).join('');
  return `${japan}-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

export const RECEIPT_NUMBER_PATTERN = /^\d{8}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
