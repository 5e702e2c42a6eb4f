import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { resolveDirectoryConfig } from './directory.js';
import { ConfigError } from './errors.js';
import { isKnownTimeZone } from './time-zone.js';
import { configSchema } from './schema.js';
import type { AppConfig, ConfigFile, Environment } from './types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function describeError(error: ErrorObject): string {
  const key = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${key ? `${key}.` : ''}${extra}: unknown key`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${key ? `${key}.` : ''}${missing}: is required`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `${key || '(root)'}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${key || '(root)'}: ${error.message ?? 'is invalid'}`;
}

export function validateConfigFile(raw: unknown): ConfigFile {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(configSchema);
  if (!validate(raw)) {
    const messages = (validate.errors ?? []).map(describeError);
    throw new ConfigError(`invalid configuration:\n  - ${[...new Set(messages)].join('\n  - ')}`);
  }
  return raw as unknown as ConfigFile;
}

function readEnvironment(env: NodeJS.ProcessEnv): Environment {
  const production = env.NODE_ENV === 'production';
  const port = env.PORT === undefined ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: not a port number: ${env.PORT}`);
  const metricsPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : undefined;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65535)) throw new ConfigError(`METRICS_PORT: not a port number: ${env.METRICS_PORT}`);
  const shutdownTimeoutSeconds = env.SHUTDOWN_TIMEOUT_SECONDS ? Number(env.SHUTDOWN_TIMEOUT_SECONDS) : 25;
  if (!(shutdownTimeoutSeconds > 0)) throw new ConfigError(`SHUTDOWN_TIMEOUT_SECONDS: must be a positive number: ${env.SHUTDOWN_TIMEOUT_SECONDS}`);
  const shutdownDrainSeconds = env.SHUTDOWN_DRAIN_SECONDS ? Number(env.SHUTDOWN_DRAIN_SECONDS) : production ? 5 : 0;
  if (!(shutdownDrainSeconds >= 0 && shutdownDrainSeconds <= 300)) throw new ConfigError(`SHUTDOWN_DRAIN_SECONDS: must be a number of seconds from 0 to 300: ${env.SHUTDOWN_DRAIN_SECONDS}`);
  const issuer = (env.ISSUER ?? '').replace(/\/+$/, '');
  if (env.DATABASE_URL !== undefined && !/^(mysql|mariadb):\/\//.test(env.DATABASE_URL)) {
    throw new ConfigError('DATABASE_URL: must be a mysql:// or mariadb:// URL (leave it unset for the embedded SQLite)');
  }
  if (env.SMTP_URL !== undefined && !/^smtps?:\/\//.test(env.SMTP_URL)) {
    throw new ConfigError('SMTP_URL: must be an smtp:// or smtps:// URL (leave it unset for the development outbox)');
  }
  const cookieKeys = env.COOKIE_KEYS_FILE
    ? readFileSync(env.COOKIE_KEYS_FILE, 'utf8').split(/\s+/).filter(Boolean)
    : env.COOKIE_KEYS?.split(',').map((k) => k.trim()).filter(Boolean);
  if (cookieKeys && cookieKeys.some((k) => k.length < 32)) {
    throw new ConfigError('COOKIE_KEYS: every cookie key must be at least 32 characters');
  }
  const signingKeys = env.SIGNING_KEYS_FILE ? readFileSync(env.SIGNING_KEYS_FILE, 'utf8') : env.SIGNING_KEYS;
  const documentKeys = (env.DOCUMENT_KEYS_FILE ? readFileSync(env.DOCUMENT_KEYS_FILE, 'utf8') : env.DOCUMENT_KEYS ?? '')
    .split(/[\s,]+/).filter(Boolean);
  return {
    production,
    port,
    issuer,
    databaseUrl: env.DATABASE_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    configFile: path.resolve(env.CONFIG_FILE ?? 'config/cert-idp.yaml'),
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    signingKeys: signingKeys || undefined,
    cookieKeys: cookieKeys && cookieKeys.length ? cookieKeys : undefined,
    documentKeys: documentKeys.length ? documentKeys : undefined,
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
    metricsPort,
    shutdownTimeoutSeconds,
    shutdownDrainSeconds,
  };
}

/**
 * Loads and validates the whole configuration. Production refuses every development convenience
 * (demo data, generated keys, the file outbox, the embedded database) instead of silently using it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const environment = readEnvironment(env);
  let text: string;
  try {
    text = readFileSync(environment.configFile, 'utf8');
  } catch {
    throw new ConfigError(`CONFIG_FILE: cannot read ${environment.configFile}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`CONFIG_FILE: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const file = validateConfigFile(raw);

  const issuer = environment.issuer || file.issuer?.replace(/\/+$/, '') || `http://localhost:${environment.port}`;
  const configDir = path.dirname(environment.configFile);

  const clients = file.clients.map((client, index) => {
    const key = `clients[${index}]`;
    const resolved = { ...client };
    if (client.client_secret_env) {
      const secret = env[client.client_secret_env];
      if (!secret || secret.length < 32) {
        throw new ConfigError(`${key}.client_secret_env: environment variable ${client.client_secret_env} must hold a secret of 32+ characters`);
      }
      resolved.client_secret = secret;
      delete resolved.client_secret_env;
    }
    const needsSecret = client.token_endpoint_auth_method.startsWith('client_secret');
    if (needsSecret && !resolved.client_secret) {
      throw new ConfigError(`${key}.client_secret: required for ${client.token_endpoint_auth_method}`);
    }
    if (client.token_endpoint_auth_method === 'private_key_jwt' && !client.jwks_uri) {
      throw new ConfigError(`${key}.jwks_uri: required for private_key_jwt`);
    }
    return resolved;
  });
  const ids = clients.map((c) => c.client_id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new ConfigError(`clients: client_id ${duplicate} is listed twice`);
  for (const list of ['rejectionReasons', 'resubmissionReasons'] as const) {
    const reasonIds = (file.graduates?.review?.[list] ?? []).map((r) => r.id);
    const twice = reasonIds.find((id, i) => reasonIds.indexOf(id) !== i);
    if (twice) throw new ConfigError(`graduates.review.${list}: id ${twice} is listed twice`);
  }

  // Each bound alone is in range; together they could refuse every password anyone could choose.
  for (const kind of ['password', 'secondPassword'] as const) {
    const policy = file.passwordPolicy[kind];
    if (policy && policy.minLength > policy.maxLength) {
      throw new ConfigError(`passwordPolicy.${kind}.minLength: ${policy.minLength} is more than its maxLength, ${policy.maxLength}`);
    }
  }

  if (file.timeZone !== undefined && !isKnownTimeZone(file.timeZone)) {
    throw new ConfigError(`timeZone: not a time zone this runtime knows: ${file.timeZone} (an IANA name such as Asia/Tokyo)`);
  }

  const resolvedDirectory = resolveDirectoryConfig(file.directory, env, configDir);
  const directoryFilePath = file.directory.file ? path.resolve(configDir, file.directory.file.path) : undefined;

  if (environment.production) {
    const refusals: string[] = [];
    if (file.demo) refusals.push('demo: the demo configuration cannot run with NODE_ENV=production');
    if (!environment.databaseUrl) refusals.push('DATABASE_URL: required in production (the embedded SQLite is for development)');
    if (!environment.smtpUrl) refusals.push('SMTP_URL: required in production (the file outbox is for development)');
    if (!environment.signingKeys) refusals.push('SIGNING_KEYS or SIGNING_KEYS_FILE: required in production (generated keys are for development)');
    if (!environment.cookieKeys) refusals.push('COOKIE_KEYS or COOKIE_KEYS_FILE: required in production');
    if (!/^https:\/\//.test(issuer)) refusals.push('ISSUER: must be an https:// URL in production');
    refusals.push(...resolvedDirectory.productionRefusals);
    if (refusals.length) throw new ConfigError(`refused in production:\n  - ${refusals.join('\n  - ')}`);
  }

  return { ...file, clients, issuer, env: environment, directoryFilePath, directory: resolvedDirectory.directory, directorySecret: resolvedDirectory.secret, samlCredentials: resolvedDirectory.saml };
}
