import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '../config/errors.js';
import type { Environment } from '../config/types.js';

export interface KeyMaterial {
  /** Private signing keys, the first one signs; the others still verify (rotation). */
  jwks: { keys: JWK[] };
  /** Cookie signing keys, the first one signs (rotation as for the signing keys). */
  cookieKeys: string[];
}

function parseJwks(text: string, source: string): { keys: JWK[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source}: not valid JSON`);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(`${source}: must be a JWKS ({"keys": [...]}) with at least one key`);
  keys.forEach((key: JWK, index) => {
    if (key.kty !== 'RSA' && key.kty !== 'EC' && key.kty !== 'OKP') throw new ConfigError(`${source}: keys[${index}] has an unsupported kty`);
    if (!key.d) throw new ConfigError(`${source}: keys[${index}] is a public key; signing needs the private key`);
  });
  if (!keys.some((key: JWK) => key.kty === 'RSA')) throw new ConfigError(`${source}: an RSA key is required (RS256 is mandatory in OpenID Connect)`);
  return { keys: keys as JWK[] };
}

async function generateRsaKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Production reads keys from the environment (or mounted files); development generates them once
 * and keeps them under the data folder, so that tokens and sessions survive a restart.
 */
export async function loadKeyMaterial(env: Environment): Promise<KeyMaterial> {
  if (env.production) {
    if (!env.signingKeys || !env.cookieKeys) throw new ConfigError('SIGNING_KEYS and COOKIE_KEYS are required in production');
    return { jwks: parseJwks(env.signingKeys, 'SIGNING_KEYS'), cookieKeys: env.cookieKeys };
  }
  mkdirSync(env.dataDir, { recursive: true });
  let jwks: { keys: JWK[] };
  if (env.signingKeys) {
    jwks = parseJwks(env.signingKeys, 'SIGNING_KEYS');
  } else {
    const file = path.join(env.dataDir, 'dev-jwks.json');
    jwks = readJson<{ keys: JWK[] }>(file) ?? { keys: [await generateRsaKey()] };
    writeFileSync(file, JSON.stringify(jwks), { mode: 0o600 });
  }
  let cookieKeys = env.cookieKeys;
  if (!cookieKeys) {
    const file = path.join(env.dataDir, 'dev-cookie-keys.json');
    cookieKeys = readJson<string[]>(file) ?? [randomBytes(32).toString('base64url')];
    writeFileSync(file, JSON.stringify(cookieKeys), { mode: 0o600 });
  }
  return { jwks, cookieKeys };
}
