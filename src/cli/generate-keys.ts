// `npm run generate-keys`: prints a JWKS with one new RS256 private key, for SIGNING_KEYS(_FILE), a new
// cookie key (COOKIE_KEYS) and a new document key (DOCUMENT_KEYS). `npm run generate-keys -- --out DIR`
// writes them as the files the Helm chart mounts instead: DIR/signing-keys.json, DIR/cookie-keys,
// DIR/document-keys (mode 0600). Rotation: put the new key after the old one, roll out, move it first,
// roll out again, drop the old one once nothing it signed is in use (README "Key rotation").
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const jwk = await exportJWK(privateKey);
const key = { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
const jwks = JSON.stringify({ keys: [key] });
const cookieKey = randomBytes(32).toString('base64url');
const documentKey = randomBytes(32).toString('base64');

const outIndex = process.argv.indexOf('--out');
if (outIndex > 0) {
  const dir = process.argv[outIndex + 1];
  if (!dir) {
    process.stderr.write('usage: npm run generate-keys -- --out DIR\n');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), `${text}\n`, { mode: 0o600, flag: 'wx' });
  try {
    write('signing-keys.json', jwks);
    write('cookie-keys', cookieKey);
    write('document-keys', documentKey);
  } catch (error) {
    process.stderr.write(`generate-keys: ${(error as Error).message} (existing key files are never overwritten)\n`);
    process.exit(1);
  }
  process.stdout.write(`wrote ${dir}/signing-keys.json, ${dir}/cookie-keys, ${dir}/document-keys (kid ${key.kid})\n`);
} else {
  process.stdout.write(`SIGNING_KEYS='${jwks}'\n`);
  process.stdout.write(`COOKIE_KEYS=${cookieKey}\n`);
  process.stdout.write(`DOCUMENT_KEYS=${documentKey}\n`);
}
