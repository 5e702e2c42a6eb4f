import type { Enrollment, PersonName } from '../db/entities.js';

/** Who the university directory says a student is. */
export interface DirectoryPerson {
  /** The university user ID (ユーザID), as the directory spells it. */
  userId: string;
  name: PersonName;
  nameKana?: PersonName;
  nameLatin?: PersonName;
  enrollments: Enrollment[];
}

/**
 * `invalid` covers a wrong password, an unknown user and a student who is not enrolled: the login
 * page says the same for all of them. `unavailable` means the directory could not be asked; it is
 * never counted as a wrong password.
 */
export type DirectoryAnswer =
  | { outcome: 'ok'; person: DirectoryPerson }
  | { outcome: 'invalid' }
  | { outcome: 'unavailable' };

/**
 * "Check these university credentials and tell me who this is." Adapters that see the password
 * (file, LDAP) implement this; a redirect-based SSO (upstream OpenID Connect) will implement
 * RedirectDirectory instead and skip the password fields of the login page.
 */
export interface PasswordDirectory {
  readonly kind: 'password';
  verify(userId: string, password: string): Promise<DirectoryAnswer>;
  close?(): Promise<void>;
}

export interface RedirectDirectory {
  readonly kind: 'redirect';
  /** Where to send the browser; `callbackUrl` lies under the interaction's path. */
  authorizationUrl(callbackUrl: string, state: string, nonce: string, codeVerifier: string): Promise<string>;
  /** Reads the callback and returns who signed in upstream. */
  handleCallback(callbackUrl: URL, state: string, nonce: string, codeVerifier: string): Promise<DirectoryAnswer>;
  close?(): Promise<void>;
}

export type UniversityDirectory = PasswordDirectory | RedirectDirectory;
