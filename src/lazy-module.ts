import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A dependency loaded on first use instead of at start-up: what a replica never uses (the mail
 * library until a mail is sent, the common-password list until a password is set, the TOTP and QR
 * libraries outside the staff console's enrolment) then costs it no memory (DESIGN §7). Synchronous
 * (`require`, which loads ES modules too on Node 24), so callers keep their signatures.
 */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
