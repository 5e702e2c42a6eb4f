// `npm run generate-keys`: prints a JWKS with one new RS256 private key, for SIGNING_KEYS(_FILE),
// and a new cookie key. Rotation: put the new key after the old one, roll out, move it first, roll
// out again, drop the old one once the tokens it signed have expired.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const jwk = await exportJWK(privateKey);
const key = { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
process.stdout.write(`SIGNING_KEYS='${JSON.stringify({ keys: [key] })}'\n`);
process.stdout.write(`COOKIE_KEYS=${randomBytes(32).toString('base64url')}\n`);
