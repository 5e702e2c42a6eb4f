import type { AppConfig } from '../config/types.js';

/**
 * Where "ログインはこちらから" in the approval mail leads: the certificate app's own login start
 * (the first first-party client's initiate_login_uri) with the graduate login pre-selected, or
 * the account menu of this service when no client names one.
 */
export function graduateLoginUrl(config: AppConfig): string {
  const client = config.clients.find((c) => c.first_party && c.initiate_login_uri);
  const url = new URL(client?.initiate_login_uri ?? `${config.issuer}/account`);
  url.searchParams.set('login_type', 'graduate');
  return url.toString();
}
