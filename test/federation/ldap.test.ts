import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Client } from 'ldapts';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { AppConfig, LdapDirectoryConfig } from '../../src/config/types.js';
import { escapeDnValue, escapeFilterValue, LdapDirectory } from '../../src/directory/ldap-directory.js';
import { linkByText, textOf } from '../support/browser.js';
import { fullLogin, NEW_SECOND_PASSWORD, openLogin, submitLogin } from '../support/flows.js';
import { DATABASES, exchangeCode, newBrowser, oidc, RP, startTestServer, type TestServer } from '../support/harness.js';
import { refusal } from '../support/config.js';
import { LDAP_STUDENTS, PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startLdapServer, type LdapServer, type LdapStudent } from '../support/ldap.js';
import { urlIn } from '../support/smtp.js';
import { confirmEmailLink } from '../support/email-links.js';

const ATTRIBUTES = {
  userId: 'uid',
  studentNumber: 'univStudentNumber',
  familyName: 'sn',
  givenName: 'givenName',
  familyNameKana: 'univFamilyNameKana',
  givenNameKana: 'univGivenNameKana',
  familyNameLatin: 'sn;lang-en',
  givenNameLatin: 'givenName;lang-en',
  faculty: 'univFaculty',
  department: 'univDepartment',
  status: 'univEnrollmentStatus',
};
const FILTER = '(&(objectClass=univStudent)(uid={id}))';

function searchSettings(url: string, extra: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig {
  return {
    url,
    search: { baseDn: PEOPLE_DN, filter: FILTER, bindDn: SERVICE_DN },
    attributes: ATTRIBUTES,
    enrolledValues: ['enrolled', '在学'],
    connectTimeoutMs: 2000,
    timeoutMs: 2000,
    ...extra,
  };
}

function directSettings(url: string, extra: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig {
  return {
    url,
    directBind: { dnTemplate: `uid={id},${PEOPLE_DN}` },
    attributes: ATTRIBUTES,
    enrolledValues: ['enrolled'],
    connectTimeoutMs: 2000,
    timeoutMs: 2000,
    ...extra,
  };
}

function expectPerson(answer: Awaited<ReturnType<LdapDirectory['verify']>>, student: LdapStudent) {
  expect(answer.outcome, JSON.stringify(answer)).to.equal('ok');
  if (answer.outcome !== 'ok') return;
  expect(answer.person).to.deep.equal({
    userId: student.uid,
    name: { family: student.family, given: student.given },
    nameKana: { family: student.familyKana, given: student.givenKana },
    nameLatin: { family: student.familyLatin, given: student.givenLatin },
    enrollments: [{
      student_number: student.studentNumber, university: 'テスト大学', faculty: student.faculty, department: student.department,
      status: 'enrolled', graduated_on: null,
    }],
  });
}

/** A TCP server that accepts connections and never answers (an LDAP server that hangs). */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `ldap://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP relay in front of slapd. failover() forgets every connection, as a standby that takes over
 * the directory's address does: slapd's side is closed, and the next packet a client sends on a
 * forgotten connection is answered with a reset. The client notices only when it uses the connection.
 */
async function failoverRelay(target: string): Promise<{ url: string; failover(): void; close(): Promise<void> }> {
  const { protocol, port } = new URL(target);
  const pairs = new Set<{ client: Socket; upstream: Socket; forgotten: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), '127.0.0.1');
    const pair = { client, upstream, forgotten: false };
    pairs.add(pair);
    client.on('data', (data) => (pair.forgotten ? client.resetAndDestroy() : upstream.write(data)));
    upstream.on('data', (data) => client.write(data));
    upstream.on('close', () => { if (!pair.forgotten) client.destroy(); });
    client.on('close', () => { pairs.delete(pair); upstream.destroy(); });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `${protocol}//127.0.0.1:${(server.address() as { port: number }).port}`,
    failover() {
      for (const pair of pairs) {
        pair.forgotten = true;
        pair.upstream.destroy();
      }
    },
    async close() {
      for (const pair of pairs) pair.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('LDAP directory against a real slapd', function () {
  let ldap: LdapServer;
  before(async function () {
    this.timeout(30_000);
    ldap = await startLdapServer();
  });
  after(async () => { await ldap?.destroy(); });

  describe('escaping', () => {
    it('RFC 4515: filter values cannot add wildcards or clauses', () => {
      expect(escapeFilterValue('*)(uid=*')).to.equal('\\2a\\29\\28uid=\\2a');
      expect(escapeFilterValue('a\\b\0c')).to.equal('a\\5cb\\00c');
      expect(escapeFilterValue('s2026001')).to.equal('s2026001');
      expect(escapeFilterValue('山田')).to.equal('山田');
    });

    it('RFC 4514: DN values cannot add RDNs or move the DN', () => {
      expect(escapeDnValue('x,ou=admins')).to.equal('x\\,ou\\=admins');
      expect(escapeDnValue('a+b;c<d>e"f\\g')).to.equal('a\\+b\\;c\\<d\\>e\\"f\\\\g');
      expect(escapeDnValue(' #lead')).to.equal('\\ #lead');
      expect(escapeDnValue('#x')).to.equal('\\#x');
      expect(escapeDnValue('trail ')).to.equal('trail\\ ');
      expect(escapeDnValue('nul\0')).to.equal('nul\\00');
    });
  });

  describe('the adapter', () => {
    const opened: LdapDirectory[] = [];
    const directory = (settings: LdapDirectoryConfig, bindPassword: string | undefined = SERVICE_PASSWORD) => {
      const made = new LdapDirectory(settings, bindPassword, 'テスト大学');
      opened.push(made);
      return made;
    };
    afterEach(async () => { await Promise.all(opened.splice(0).map((d) => d.close())); });

    it('search-then-bind: the service account finds the entry, the student\'s bind checks the password; attributes mapped', async () => {
      const d = directory(searchSettings(ldap.url, { allowPlaintext: true }));
      expectPerson(await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password), LDAP_STUDENTS.taro);
      // LDAP matches the uid case-insensitively; the account is keyed by the directory's spelling.
      const upper = await d.verify(LDAP_STUDENTS.taro.uid.toUpperCase(), LDAP_STUDENTS.taro.password);
      expect(upper.outcome === 'ok' && upper.person.userId).to.equal(LDAP_STUDENTS.taro.uid);
    });

    it('direct bind by a DN template', async () => {
      const d = directory(directSettings(ldap.url), undefined);
      expectPerson(await d.verify(LDAP_STUDENTS.hanako.uid, LDAP_STUDENTS.hanako.password), LDAP_STUDENTS.hanako);
    });

    for (const mode of ['search', 'direct'] as const) {
      it(`${mode}: wrong password, unknown user, not enrolled, incomplete entry and an empty password are invalid (the reason is for the audit only)`, async () => {
        const d = mode === 'search' ? directory(searchSettings(ldap.url)) : directory(directSettings(ldap.url), undefined);
        const { taro, graduated, noNumber } = LDAP_STUDENTS;
        expect(await d.verify(taro.uid, 'WrongPass1')).to.deep.equal({ outcome: 'invalid', reason: 'credentials' });
        expect(await d.verify('nobody', 'Whatever1')).to.deep.equal({ outcome: 'invalid', reason: mode === 'search' ? 'not_found' : 'credentials' });
        expect(await d.verify(graduated.uid, graduated.password)).to.deep.equal({ outcome: 'invalid', reason: 'not_enrolled' });
        expect(await d.verify(noNumber.uid, noNumber.password)).to.deep.equal({ outcome: 'invalid', reason: 'incomplete' });
        // An empty password would be an unauthenticated bind, which LDAP servers accept.
        expect((await d.verify(taro.uid, '')).outcome).to.equal('invalid');
      });
    }

    it('a filter injection cannot widen the search; special characters are matched literally in both modes', async () => {
      const { onlyK, odd, taro } = LDAP_STUDENTS;
      // The control: unescaped, "k*" would find exactly one entry, whose password the attacker holds.
      const raw = new Client({ url: ldap.url });
      await raw.bind(SERVICE_DN, SERVICE_PASSWORD);
      const widened = await raw.search(PEOPLE_DN, { filter: FILTER.replace('{id}', 'k*') });
      await raw.unbind();
      expect(widened.searchEntries.map((e) => e.dn)).to.deep.equal([`uid=${onlyK.uid},${PEOPLE_DN}`]);

      for (const d of [directory(searchSettings(ldap.url)), directory(directSettings(ldap.url), undefined)]) {
        for (const attempt of ['k*', '*', '*)(uid=*', `${onlyK.uid})(|(uid=*`, 'k*)(objectClass=*']) {
          expect((await d.verify(attempt, onlyK.password)).outcome, attempt).to.equal('invalid');
        }
        expect((await d.verify(`${taro.uid},ou=people`, taro.password)).outcome).to.equal('invalid');
        // A uid made of * ( ) \ , + is found (and bound) exactly.
        const found = await d.verify(odd.uid, odd.password);
        expect(found.outcome === 'ok' && found.person.userId).to.equal(odd.uid);
      }
    });

    it('ldaps:// with the configured CA; without it the certificate is refused and the directory is unavailable', async () => {
      expectPerson(await directory(directSettings(ldap.ldapsUrl, { caFile: ldap.caFile }), undefined).verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password), LDAP_STUDENTS.taro);
      expect(await directory(directSettings(ldap.ldapsUrl), undefined).verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).to.deep.equal({ outcome: 'unavailable' });
    });

    it('StartTLS on ldap:// with the configured CA (search-then-bind and direct bind)', async () => {
      expectPerson(await directory(searchSettings(ldap.url, { startTls: true, caFile: ldap.caFile })).verify(LDAP_STUDENTS.jiro.uid, LDAP_STUDENTS.jiro.password), LDAP_STUDENTS.jiro);
      expectPerson(await directory(directSettings(ldap.url, { startTls: true, caFile: ldap.caFile }), undefined).verify(LDAP_STUDENTS.jiro.uid, LDAP_STUDENTS.jiro.password), LDAP_STUDENTS.jiro);
      expect((await directory(directSettings(ldap.url, { startTls: true }), undefined).verify(LDAP_STUDENTS.jiro.uid, LDAP_STUDENTS.jiro.password)).outcome).to.equal('unavailable');
    });

    it('a refused service account means unavailable (never a wrong password of the student)', async () => {
      const d = directory(searchSettings(ldap.url), 'not-the-service-password');
      expect(await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).to.deep.equal({ outcome: 'unavailable' });
    });

    it('a server that does not answer is unavailable within the operation timeout', async () => {
      const silent = await silentServer();
      try {
        const d = directory(searchSettings(silent.url, { timeoutMs: 300, connectTimeoutMs: 300 }));
        const started = Date.now();
        expect(await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).to.deep.equal({ outcome: 'unavailable' });
        expect(Date.now() - started).to.be.lessThan(2000);
        const tls = directory(searchSettings(silent.url, { startTls: true, timeoutMs: 300, connectTimeoutMs: 300 }));
        expect(await tls.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).to.deep.equal({ outcome: 'unavailable' });
      } finally {
        await silent.close();
      }
    });

    it('the connection pool is bounded: many logins at once never open more than poolSize connections', async () => {
      const d = directory(searchSettings(ldap.url, { poolSize: 2 }));
      let most = 0;
      const sampler = setInterval(() => { most = Math.max(most, d.openConnections); }, 1);
      const students = [LDAP_STUDENTS.taro, LDAP_STUDENTS.hanako, LDAP_STUDENTS.jiro, LDAP_STUDENTS.saburo];
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => {
        const s = students[i % students.length]!;
        return d.verify(s.uid, i % 3 === 2 ? 'WrongPass1' : s.password);
      }));
      clearInterval(sampler);
      most = Math.max(most, d.openConnections);
      expect(answers.map((a) => a.outcome)).to.deep.equal(Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? 'invalid' : 'ok')));
      expect(most).to.be.within(1, 2);
    });

    it('a stopped server is unavailable, and the pooled connections recover once it is back', async () => {
      const d = directory(searchSettings(ldap.url));
      expect((await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).outcome).to.equal('ok');
      await ldap.stop();
      try {
        expect(await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).to.deep.equal({ outcome: 'unavailable' });
      } finally {
        await ldap.start();
      }
      expect((await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password)).outcome).to.equal('ok');
    });

    it('StartTLS: a pooled connection broken by a directory restart is replaced, not used — the next login succeeds at once (search and direct bind)', async function () {
      this.timeout(30_000);
      const modes = [
        directory(searchSettings(ldap.url, { startTls: true, caFile: ldap.caFile })),
        directory(directSettings(ldap.url, { startTls: true, caFile: ldap.caFile }), undefined),
      ];
      for (const d of modes) {
        expectPerson(await d.verify(LDAP_STUDENTS.shiro.uid, LDAP_STUDENTS.shiro.password), LDAP_STUDENTS.shiro);
        expect(d.openConnections).to.equal(1);
      }
      await ldap.stop();
      await ldap.start();
      for (const d of modes) {
        // The first login after the restart: not an operation timeout on the dead connection.
        expectPerson(await d.verify(LDAP_STUDENTS.shiro.uid, LDAP_STUDENTS.shiro.password), LDAP_STUDENTS.shiro);
        expect(d.openConnections).to.equal(1);
      }
    });

    it('a failover the client notices only at use (the connection answered with a reset): the login succeeds on a new connection (StartTLS and ldaps://)', async () => {
      const relays = [await failoverRelay(ldap.url), await failoverRelay(ldap.ldapsUrl)];
      try {
        const modes = [
          directory(searchSettings(relays[0]!.url, { startTls: true, caFile: ldap.caFile })),
          directory(searchSettings(relays[1]!.url, { caFile: ldap.caFile })),
        ];
        for (const d of modes) expectPerson(await d.verify(LDAP_STUDENTS.goro.uid, LDAP_STUDENTS.goro.password), LDAP_STUDENTS.goro);
        for (const relay of relays) relay.failover();
        for (const d of modes) {
          expectPerson(await d.verify(LDAP_STUDENTS.goro.uid, LDAP_STUDENTS.goro.password), LDAP_STUDENTS.goro);
          expect(d.openConnections).to.equal(1);
        }
      } finally {
        for (const relay of relays) await relay.close();
      }
    });
  });

  describe('configuration', () => {
    async function configFile(directory: Record<string, unknown>, extraFiles: Record<string, string> = {}): Promise<string> {
      const doc = parse(await readFile('config/cert-idp.yaml', 'utf8')) as Record<string, unknown>;
      doc.directory = directory;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-ldap-config-'));
      for (const [name, content] of Object.entries(extraFiles)) await writeFile(path.join(dir, name), content);
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, stringify(doc));
      return file;
    }
    const ldapSection = (over: Record<string, unknown> = {}) => ({
      url: ldap.ldapsUrl,
      caFile: ldap.caFile,
      search: { baseDn: PEOPLE_DN, filter: FILTER, bindDn: SERVICE_DN, bindPasswordEnv: 'LDAP_BIND_PASSWORD' },
      attributes: ATTRIBUTES,
      enrolledValues: ['enrolled'],
      ...over,
    });

    it('loads an ldap adapter with the bind password from the environment or a mounted file, with defaults', async () => {
      const fromEnv = loadConfig({ CONFIG_FILE: await configFile({ adapter: 'ldap', ldap: ldapSection() }), LDAP_BIND_PASSWORD: 'from-env' });
      expect(fromEnv.directory.adapter).to.equal('ldap');
      expect(fromEnv.directorySecret).to.equal('from-env');
      expect(fromEnv.directory.ldap).to.include({ poolSize: 5, timeoutMs: 5000, connectTimeoutMs: 5000 });
      const fromFile = loadConfig({
        CONFIG_FILE: await configFile({ adapter: 'ldap', ldap: ldapSection({ search: { baseDn: PEOPLE_DN, filter: FILTER, bindDn: SERVICE_DN, bindPasswordFile: 'bind-password' } }) }, { 'bind-password': 'from-file\n' }),
      });
      expect(fromFile.directorySecret).to.equal('from-file');
      const direct = loadConfig({ CONFIG_FILE: await configFile({ adapter: 'ldap', ldap: ldapSection({ search: undefined, directBind: { dnTemplate: `uid={id},${PEOPLE_DN}` } }) }) });
      expect(direct.directorySecret).to.equal(undefined);
    });

    it('the README\'s example is valid and works against the directory (url and caFile aside)', async () => {
      const readme = await readFile('README.md', 'utf8');
      const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /adapter: ldap/.test(b));
      const example = (parse(block!) as { directory: { ldap: Record<string, unknown> } }).directory;
      example.ldap.url = ldap.ldapsUrl;
      example.ldap.caFile = ldap.caFile;
      const config = loadConfig({ CONFIG_FILE: await configFile(example), LDAP_BIND_PASSWORD: SERVICE_PASSWORD });
      const d = new LdapDirectory(config.directory.ldap!, config.directorySecret, config.directory.ldap!.university!);
      try {
        const answer = await d.verify(LDAP_STUDENTS.taro.uid, LDAP_STUDENTS.taro.password);
        expect(answer.outcome === 'ok' && answer.person.enrollments[0]!.student_number).to.equal(LDAP_STUDENTS.taro.studentNumber);
      } finally {
        await d.close();
      }
    });

    it('names the key of every wrong ldap setting', async () => {
      const env = { LDAP_BIND_PASSWORD: 'x' };
      const cases: Array<[Record<string, unknown>, string, Record<string, string>?]> = [
        [{ adapter: 'ldap' }, 'directory.ldap: is required'],
        [{ adapter: 'ldap', ldap: ldapSection() }, 'directory.ldap.search.bindPasswordEnv: environment variable LDAP_BIND_PASSWORD is not set', {}],
        [{ adapter: 'ldap', ldap: ldapSection({ directBind: { dnTemplate: `uid={id},${PEOPLE_DN}` } }) }, 'directory.ldap: give either search'],
        [{ adapter: 'ldap', ldap: ldapSection({ startTls: true }) }, 'directory.ldap.startTls'],
        [{ adapter: 'ldap', ldap: ldapSection({ caFile: '/nonexistent/ca.pem' }) }, 'directory.ldap.caFile: cannot read'],
        [{ adapter: 'ldap', ldap: ldapSection({ url: 'http://ldap.example' }) }, 'directory.ldap.url'],
        [{ adapter: 'ldap', ldap: ldapSection({ attributes: { ...ATTRIBUTES, studentNo: 'x' } }) }, 'directory.ldap.attributes.studentNo: unknown key'],
        [{ adapter: 'ldap', ldap: ldapSection({ attributes: { ...ATTRIBUTES, status: undefined } }) }, 'directory.ldap.attributes.status: is required'],
        [{ adapter: 'ldap', ldap: ldapSection({ search: { baseDn: PEOPLE_DN, filter: '(uid=fixed)' } }) }, 'directory.ldap.search.filter'],
        [{ adapter: 'ldap', ldap: ldapSection({ poolSize: 0 }) }, 'directory.ldap.poolSize'],
      ];
      for (const [directory, expected, caseEnv] of cases) {
        expect(refusal({ CONFIG_FILE: await configFile(directory), ...(caseEnv ?? env) }), expected).to.contain(expected);
      }
    });

    it('production refuses ldap:// without StartTLS (university passwords in the clear) unless allowed explicitly', async () => {
      const plain = await configFile({ adapter: 'ldap', ldap: ldapSection({ url: ldap.url, caFile: undefined }) });
      expect(refusal({ CONFIG_FILE: plain, NODE_ENV: 'production', LDAP_BIND_PASSWORD: 'x' })).to.contain('directory.ldap.url: ldap:// without startTls');
      const allowed = await configFile({ adapter: 'ldap', ldap: ldapSection({ url: ldap.url, caFile: undefined, allowPlaintext: true }) });
      expect(refusal({ CONFIG_FILE: allowed, NODE_ENV: 'production', LDAP_BIND_PASSWORD: 'x' })).to.not.contain('directory.ldap');
    });
  });

  for (const db of DATABASES) {
    describe(`student login through LDAP over HTTP (${db.name})`, function () {
      let server: TestServer;
      const configureLdap = (config: AppConfig) => {
        config.directory = {
          adapter: 'ldap',
          ldap: searchSettings(ldap.ldapsUrl, { caFile: ldap.caFile, poolSize: 3, university: 'テスト大学' }),
        };
        config.directorySecret = SERVICE_PASSWORD;
      };
      before(async () => { server = await startTestServer(db, configureLdap); });
      after(async () => {
        await server?.stop();
        await server?.services.directory.close?.();
      });
      const throttleRows = () => server.services.database.dataSource.getRepository(server.services.database.entities.LoginThrottle).find();
      const auditEvents = async (event: string) => (await server.services.audit.list()).filter((e) => e.event === event);

      it('a complete OIDC login through LDAP: first login (the second password may not be the university password), then ID + password + second password; claims from the mapped attributes', async () => {
        const student = { userId: LDAP_STUDENTS.taro.uid, password: LDAP_STUDENTS.taro.password, studentNumber: '', status: 'enrolled' };
        const browser = newBrowser();
        const { attempt: firstAttempt, page } = await openLogin(server, browser);
        const emailPage = await submitLogin(browser, page, student);
        expect(textOf(emailPage)).to.contain('メールアドレス設定');
        await browser.submit(emailPage, /\/email$/, { email: 'taro.ldap@example.ac.jp', email_confirm: 'taro.ldap@example.ac.jp' });
        const mail = await server.smtp.waitFor('taro.ldap@example.ac.jp');
        const done = await confirmEmailLink(browser, urlIn(mail));
        const secondPage = await browser.get(linkByText(done, 'ログインページへ移動'), RP.redirectUri);
        expect(textOf(secondPage)).to.contain('第2パスワード設定');
        // The university password itself: asked of the directory, refused.
        const same = await browser.submit(secondPage, /\/second-password$/, { second_password: student.password, second_password_confirm: student.password });
        expect(textOf(same)).to.contain('第2パスワードに大学のパスワードは設定できません');
        const set = await browser.submit(same, /\/second-password$/, { second_password: NEW_SECOND_PASSWORD, second_password_confirm: NEW_SECOND_PASSWORD });
        expect(textOf(set)).to.contain('第2パスワードが設定されました');
        const first = (await exchangeCode(firstAttempt, await browser.get(linkByText(set, 'OK'), RP.redirectUri))).claims()!;
        expect([first.acr, first.amr]).to.deep.equal(['urn:cert-idp:acr:two-passwords', ['pwd']]);

        // A later login in a new browser: all three values, then the code, the tokens and the claims.
        const { tokens, attempt } = await fullLogin(server, newBrowser(), student);
        const claims = tokens.claims()!;
        expect(claims.acr).to.equal('urn:cert-idp:acr:two-passwords');
        expect(claims.amr).to.deep.equal(['pwd']);
        const userinfo = await oidc.fetchUserInfo(attempt.client, tokens.access_token, claims.sub);
        const s = LDAP_STUDENTS.taro;
        expect(userinfo).to.deep.include({
          email: 'taro.ldap@example.ac.jp',
          family_name: s.family, given_name: s.given,
          'family_name#ja-Kana-JP': s.familyKana, 'given_name#ja-Kana-JP': s.givenKana,
          'family_name#ja-Latn-JP': s.familyLatin, 'given_name#ja-Latn-JP': s.givenLatin,
          user_type: 'student',
        });
        expect(userinfo.enrollments).to.deep.equal([{
          student_number: s.studentNumber, university: 'テスト大学', faculty: s.faculty, department: s.department, status: 'enrolled', graduated_on: null,
        }]);
      });

      it('a wrong password, an unknown user, a student who is not enrolled and a filter injection get the same generic error', async () => {
        const { hanako, graduated, onlyK } = LDAP_STUDENTS;
        const attempts = [
          { userId: hanako.uid, password: 'WrongPass1' },
          { userId: 'nobody', password: hanako.password },
          { userId: graduated.uid, password: graduated.password },
          { userId: '*)(uid=*', password: onlyK.password },
          { userId: 'k*', password: onlyK.password },
        ];
        const failures = (await auditEvents('login.failure')).length;
        for (const attempt of attempts) {
          const browser = newBrowser();
          const { page } = await openLogin(server, browser);
          const answer = await submitLogin(browser, page, attempt);
          expect(answer.status, attempt.userId).to.equal(200);
          expect(textOf(answer), attempt.userId).to.contain('ユーザID、パスワードまたは第2パスワードが正しくありません');
        }
        const reasons = (await auditEvents('login.failure')).slice(failures).map((e) => e.detail?.directoryReason);
        expect(reasons).to.include.members(['credentials', 'not_found', 'not_enrolled']);
        const accounts = server.services.database.dataSource.getRepository(server.services.database.entities.Account);
        expect(await accounts.countBy({ directoryId: graduated.uid })).to.equal(0);
      });

      it('the directory stopped mid-suite: the unavailable page (503), no throttling penalty, /readyz steady; logins work again once it is back', async () => {
        const student = { userId: LDAP_STUDENTS.jiro.uid, password: LDAP_STUDENTS.jiro.password };
        await server.services.database.dataSource.getRepository(server.services.database.entities.LoginThrottle).clear();
        const unavailableBefore = (await auditEvents('login.directory_unavailable')).length;
        const { maxFailures } = server.config.throttle.perAccount;
        await ldap.stop();
        try {
          for (let i = 0; i < maxFailures + 2; i += 1) {
            const browser = newBrowser();
            const { page } = await openLogin(server, browser, i === 0 ? { ui_locales: 'en' } : {});
            const answer = await submitLogin(browser, page, student);
            expect(answer.status).to.equal(503);
            expect(textOf(answer)).to.contain(i === 0
              ? 'The university authentication service cannot be reached right now'
              : 'ただいま大学の認証サービスに接続できません');
            expect(answer.html).to.not.match(/at \w+ \(|Error:/);
          }
          const ready = await fetch(`${server.url}/readyz`);
          if (ready.status !== 404) expect(ready.status, '/readyz does not depend on the directory').to.equal(200);
          for (const row of await throttleRows()) {
            expect(row.failures, row.key).to.equal(0);
            expect(row.lockedUntil, row.key).to.equal(null);
          }
          expect((await auditEvents('login.directory_unavailable')).length - unavailableBefore).to.equal(maxFailures + 2);
        } finally {
          await ldap.start();
        }
        // Nothing was counted, so the student is not locked out: the first login goes on.
        const browser = newBrowser();
        const { page } = await openLogin(server, browser);
        expect(textOf(await submitLogin(browser, page, student))).to.contain('メールアドレス設定');
      });
    });
  }
});
