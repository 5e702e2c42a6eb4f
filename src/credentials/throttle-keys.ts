import type { AppConfig } from '../config/types.js';
import type { AccountRow } from '../db/entities.js';
import { clientNetwork } from '../security/client-network.js';
import { throttleKey, type ThrottleKey } from '../security/throttle.js';

// The keys a login attempt counts against. Every check of a credential of a signed-in user (change,
// re-authentication) counts against the same per-account key as that user's login, so the lockout
// cannot be side-stepped through another screen.

type ThrottleConfig = Pick<AppConfig, 'throttle'>;

/** A student's per-account key. Case-folded: a directory may match IDs case-insensitively. */
export function studentThrottleKey(config: ThrottleConfig, userId: string): ThrottleKey {
  return throttleKey('account', `student:${userId.toLowerCase()}`, config.throttle.perAccount);
}

/** A graduate's per-account key: the login address as typed, normalised. */
export function graduateThrottleKey(config: ThrottleConfig, email: string): ThrottleKey {
  return throttleKey('account', `graduate:${email.normalize('NFKC').trim().toLowerCase()}`, config.throttle.perAccount);
}

/**
 * The per-client key every login attempt also counts against: the client's network — an IPv4 address,
 * an IPv6 address's /64 (a subscriber can use any of its 2^64 addresses, so a single IPv6 address
 * would limit no one; everyone behind one /64 shares the budget, as everyone behind one NAT address does).
 */
export function ipThrottleKey(config: ThrottleConfig, ip: string): ThrottleKey {
  return throttleKey('ip', clientNetwork(ip), config.throttle.perIp);
}

/** The per-account key of a signed-in user (the one their login counts against). */
export function accountThrottleKey(config: ThrottleConfig, account: AccountRow): ThrottleKey {
  if (account.userType === 'graduate') return graduateThrottleKey(config, account.email ?? account.id);
  if (account.directoryId) return studentThrottleKey(config, account.directoryId);
  return throttleKey('account', `${account.userType}:${account.id}`, config.throttle.perAccount);
}
