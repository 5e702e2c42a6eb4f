import type { AccountRow, PersonName } from '../db/entities.js';

/** Scopes and the claims each releases (OIDC Core §5.4, plus the product's `enrollment`). */
export const scopeClaims = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: [
    'name', 'family_name', 'given_name',
    'name#ja-Kana-JP', 'family_name#ja-Kana-JP', 'given_name#ja-Kana-JP',
    'name#ja-Latn-JP', 'family_name#ja-Latn-JP', 'given_name#ja-Latn-JP',
  ],
  enrollment: ['user_type', 'enrollments'],
} as const;

function names(name: PersonName | undefined, tag: string): Record<string, string> {
  if (!name) return {};
  return {
    [`name${tag}`]: `${name.family} ${name.given}`,
    [`family_name${tag}`]: name.family,
    [`given_name${tag}`]: name.given,
  };
}

/**
 * Every claim the account can release; oidc-provider filters them by the granted scopes.
 * `sub` is the account's opaque id — never the email or the university ID.
 */
export function accountClaims(account: AccountRow): Record<string, unknown> {
  const profile = account.profile;
  return {
    sub: account.id,
    ...(account.email ? { email: account.email, email_verified: account.emailVerified } : {}),
    ...names(profile?.name, ''),
    ...names(profile?.nameKana, '#ja-Kana-JP'),
    ...names(profile?.nameLatin, '#ja-Latn-JP'),
    user_type: account.userType,
    enrollments: profile?.enrollments ?? [],
  };
}
