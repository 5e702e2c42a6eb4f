import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { Environment } from '../config/types.js';

/** A sealed document that cannot be opened: wrong or unknown key, or altered bytes. */
export class VaultError extends Error {
  override name = 'VaultError';
}

const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;

/** The key's id in sealed data: the first bytes of its SHA-256 (reveals nothing usable about the key). */
function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
}

/**
 * Encryption at rest for identity documents (and other small secrets such as staff TOTP seeds):
 * AES-256-GCM with a random 96-bit IV per message.
 *
 * Sealed format (version 1): `01 | key id (4 bytes) | IV (12) | ciphertext | tag (16)`; the version
 * and key id are authenticated as additional data. The first key encrypts, every key decrypts, so a
 * key is rotated by putting the new key first and dropping the old one once nothing sealed with it is
 * left (identity documents are deleted after their retention period).
 */
export class DocumentVault {
  readonly #keys: Array<{ id: Buffer; key: Buffer }>;

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new TypeError('DocumentVault needs at least one key');
    this.#keys = keys.map((key, index) => {
      if (key.length !== 32) throw new TypeError(`document key ${index + 1} must be 32 bytes, not ${key.length}`);
      return { id: keyIdOf(key), key: Buffer.from(key) };
    });
  }

  encrypt(plain: Buffer): Buffer {
    const { id, key } = this.#keys[0]!;
    const header = Buffer.concat([Buffer.from([VERSION]), id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer): Buffer {
    if (sealed.length < HEADER_BYTES + IV_BYTES + TAG_BYTES) throw new VaultError('sealed data is too short');
    if (sealed[0] !== VERSION) throw new VaultError(`unknown sealed-data version ${sealed[0]}`);
    const header = sealed.subarray(0, HEADER_BYTES);
    const id = sealed.subarray(1, HEADER_BYTES);
    const iv = sealed.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    const body = sealed.subarray(HEADER_BYTES + IV_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const candidates = this.#keys.filter((k) => timingSafeEqual(k.id, id));
    if (candidates.length === 0) throw new VaultError('sealed with a key that is not configured');
    for (const { key } of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(header);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        // try the next key with the same id (practically never), then give up
      }
    }
    throw new VaultError('sealed data failed authentication (altered, or a different key)');
  }

  /** encrypt() for short text (e.g. a TOTP seed), as base64url for a varchar column. */
  encryptText(text: string): string {
    return this.encrypt(Buffer.from(text, 'utf8')).toString('base64url');
  }

  decryptText(sealed: string): string {
    return this.decrypt(Buffer.from(sealed, 'base64url')).toString('utf8');
  }
}

/** A new random document key, base64 (for DOCUMENT_KEYS). */
export function generateDocumentKey(): string {
  return randomBytes(32).toString('base64');
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError(`${source}: every document key must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
  return key;
}

/**
 * The document keys, first one encrypting: from DOCUMENT_KEYS / DOCUMENT_KEYS_FILE (comma- or
 * whitespace-separated base64); in development generated once into DATA_DIR/dev-document-keys.json so
 * stored documents survive a restart; required in production.
 */
export function loadDocumentKeys(env: Environment): Buffer[] {
  if (env.documentKeys?.length) return env.documentKeys.map((text) => parseKey(text, 'DOCUMENT_KEYS'));
  if (env.production) {
    throw new ConfigError('DOCUMENT_KEYS or DOCUMENT_KEYS_FILE: required in production (generated keys are for development)');
  }
  mkdirSync(env.dataDir, { recursive: true });
  const file = path.join(env.dataDir, 'dev-document-keys.json');
  let keys: string[] | undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((k) => typeof k === 'string')) keys = parsed as string[];
  } catch {
    // absent or unreadable: generate below
  }
  if (!keys) {
    keys = [generateDocumentKey()];
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return keys.map((text) => parseKey(text, file));
}
