import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { refusal } from '../support/config.js';

const run = promisify(execFile);

async function configWith(change: (doc: Record<string, any>) => void): Promise<string> {
  const doc = parse(await readFile('config/cert-idp.yaml', 'utf8')) as Record<string, any>;
  change(doc);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-config-'));
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, stringify(doc));
  return file;
}

const loadError = refusal;

describe('configuration', () => {
  it('loads the demo configuration', () => {
    const config = loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: os.tmpdir() });
    expect(config.issuer).to.equal('http://localhost:3000');
    expect(config.clients[0]!.client_id).to.equal('demo-rp');
    expect(config.directoryFilePath).to.match(/config\/demo-students\.yaml$/);
    expect(config.env.shutdownDrainSeconds, 'no drain delay in development').to.equal(0);
  });

  it('names the key of a wrong, missing or unknown value', async () => {
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.lifetimes.oneTimeUrlMinutes = 0; }) })).to.contain('lifetimes.oneTimeUrlMinutes');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { delete d.mail.from; }) })).to.contain('mail.from: is required');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.clients[0].redirect_uris = ['not a url']; }) })).to.contain('clients[0].redirect_uris[0]');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.passwordPolicy.secondPassword.minLenght = 8; }) })).to.contain('passwordPolicy.secondPassword.minLenght: unknown key');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.directory.adapter = 'ldapp'; }) })).to.contain('directory.adapter: must be one of');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.passwordPolicy.secondPassword.minLength = 20; d.passwordPolicy.secondPassword.maxLength = 12; }) }))
      .to.contain('passwordPolicy.secondPassword.minLength: 20 is more than its maxLength, 12');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.passwordPolicy.password.minLength = 13; d.passwordPolicy.password.maxLength = 12; }) }))
      .to.contain('passwordPolicy.password.minLength: 13 is more than its maxLength, 12');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.passwordHashing.memoryKiB = 1024; }) })).to.contain('passwordHashing.memoryKiB');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { d.clients[0].client_secret = 'short'; }) })).to.contain('clients[0].client_secret');
    expect(loadError({ CONFIG_FILE: await configWith((d) => { delete d.clients[0].client_secret; d.clients[0].client_secret_env = 'RP_SECRET'; }) })).to.contain('RP_SECRET');
    expect(loadError({ CONFIG_FILE: '/nonexistent/config.yaml' })).to.contain('CONFIG_FILE');
    expect(loadError({ CONFIG_FILE: 'config/cert-idp.yaml', DATABASE_URL: 'postgres://x' })).to.contain('DATABASE_URL');
    expect(loadError({ CONFIG_FILE: 'config/cert-idp.yaml', PORT: 'eighty' })).to.contain('PORT');
    expect(loadError({ CONFIG_FILE: 'config/cert-idp.yaml', SHUTDOWN_DRAIN_SECONDS: 'soon' })).to.contain('SHUTDOWN_DRAIN_SECONDS');
  });

  it('reads client secrets from the environment', async () => {
    const file = await configWith((d) => { delete d.clients[0].client_secret; d.clients[0].client_secret_env = 'RP_SECRET'; });
    const config = loadConfig({ CONFIG_FILE: file, RP_SECRET: 'x'.repeat(40) });
    expect(config.clients[0]!.client_secret).to.equal('x'.repeat(40));
  });

  it('refuses the development conveniences in production, naming each', () => {
    const message = loadError({ CONFIG_FILE: 'config/cert-idp.yaml', NODE_ENV: 'production' });
    for (const key of ['demo', 'DATABASE_URL', 'SMTP_URL', 'SIGNING_KEYS', 'COOKIE_KEYS', 'ISSUER']) expect(message).to.contain(key);
  });

  it('every client of the demo configuration is accepted by the provider (the demo signs in)', async () => {
    const { createServices } = await import('../../src/services.js');
    const { createTranslations } = await import('../../src/texts.js');
    const { createProvider, checkClients } = await import('../../src/oidc/provider.js');
    const { loadKeyMaterial } = await import('../../src/oidc/keys.js');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-demo-'));
    const config = loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: dataDir });
    const provider = createProvider(createServices(config, createTranslations()), await loadKeyMaterial(config.env));
    await checkClients(provider, config);
    const refused = { ...config, clients: [{ ...config.clients[0]!, redirect_uris: ['https://rp.example.test/cb#fragment'] }] };
    let message = '';
    try {
      await checkClients(createProvider(createServices(refused, createTranslations()), await loadKeyMaterial(config.env)), refused);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/^clients\[0\] \(demo-rp\): /);
  });

  it('the server process stops with a message naming the key, and exit code 2', async () => {
    const file = await configWith((d) => { d.throttle.perAccount.maxFailures = 'five'; });
    const failure = await run(path.resolve('node_modules/.bin/tsx'), ['src/server.ts'], { env: { ...process.env, CONFIG_FILE: file, PORT: '0' } })
      .then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).to.equal(2);
    expect(failure?.stderr).to.contain('throttle.perAccount.maxFailures');
    expect(failure?.stderr).to.not.match(/\n\s+at /);
  });
});
