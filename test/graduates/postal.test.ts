import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import type nockType from 'nock';
import { interceptHttp, type Nock } from '../support/nock.js';
import { validateConfigFile } from '../../src/config/load.js';
import type { Database } from '../../src/db/data-source.js';
import { logger } from '../../src/logger.js';
import {
  importPostalCodes, InvalidPostalCodeError, normalizePostalCode, normalizeTown, parseCsvLine, PostalCodeLookup, postalCodeRoutes,
  PostalImportError, readPostalCsv,
} from '../../src/postal/index.js';
import { clientNetwork } from '../../src/security/client-network.js';
import { RateLimiter } from '../../src/security/rate-limit.js';
import { DATABASES, freshDatabase, startTestServer } from '../support/harness.js';

const SAMPLE = path.resolve('test/fixtures/postal-codes-sample.csv');

async function tempCsv(lines: string[] | Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-postal-'));
  const file = path.join(dir, 'utf_ken_all.csv');
  await writeFile(file, Buffer.isBuffer(lines) ? lines : `${lines.join('\r\n')}\r\n`);
  return file;
}

/** A row in Japan Post's format. */
const row = (code: string, prefecture: string, city: string, town: string) =>
  `99999,"${code.slice(0, 3)}  ","${code}","カナ","カナ","カナ","${prefecture}","${city}","${town}",0,0,0,0,0,0`;

/** A bare Koa app with only the postal code route (independent of the application's composition). */
async function serve(deps: Parameters<typeof postalCodeRoutes>[0]): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  const router = postalCodeRoutes(deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => { server.close(() => resolve()); }) };
}

describe('postal codes: input and data normalisation', () => {
  it('reads a postal code as people type it', () => {
    for (const input of ['530-0001', '5300001', '５３００００１', '５３０－０００１', '530−0001', '530ー0001', '〒530-0001', ' 530 0001 ', '530‐0001']) {
      expect(normalizePostalCode(input), input).to.equal('5300001');
    }
    for (const input of ['', '530-000', '53000011', 'abc-defg', '530-000a', '5300001'.repeat(4), '530_0001']) {
      expect(normalizePostalCode(input), input).to.equal(undefined);
    }
  });

  it("turns Japan Post's 町域名 notes into an address field", () => {
    expect(normalizeTown('以下に掲載がない場合')).to.equal('');
    expect(normalizeTown('境町の次に番地がくる場合')).to.equal('');
    expect(normalizeTown('利島村一円')).to.equal('');
    expect(normalizeTown('一円')).to.equal('一円'); // a real 町域 named 一円
    expect(normalizeTown('大通西（１～１９丁目）')).to.equal('大通西');
    expect(normalizeTown('丸の内ＪＰタワー（地階・階層不明）')).to.equal('丸の内ＪＰタワー');
    expect(normalizeTown('梅田')).to.equal('梅田');
  });

  it('parses CSV lines with quotes, escaped quotes and empty fields', () => {
    expect(parseCsvLine('a,"b,c","d ""e""",,"",f')).to.deep.equal(['a', 'b,c', 'd "e"', '', '', 'f']);
    expect(parseCsvLine('"open')).to.equal(undefined);
  });

  it('joins the older KEN_ALL layout, where a long 町域名 continues on the next lines', async () => {
    const file = await tempCsv([
      row('0660005', '北海道', '千歳市', '泉沢（１００７、１０９０、'),
      row('0660005', '北海道', '千歳市', '１１１１番地）'),
      row('0660006', '北海道', '千歳市', '長都'),
    ]);
    const rows = [];
    for await (const r of readPostalCsv(file)) rows.push(r);
    expect(rows).to.deep.equal([
      { code: '0660005', prefecture: '北海道', city: '千歳市', town: '泉沢' },
      { code: '0660006', prefecture: '北海道', city: '千歳市', town: '長都' },
    ]);
  });
});

for (const db of DATABASES) {
  describe(`postal codes: table, import and lookup (${db.name})`, () => {
    let database: Database;
    let lookup: PostalCodeLookup;
    before(async () => {
      database = await freshDatabase(db);
      await database.dataSource.runMigrations({ transaction: 'each' });
      lookup = new PostalCodeLookup(database);
    });
    after(async () => { await database?.dataSource.destroy(); });

    it('imports the sample of utf_ken_all.csv', async () => {
      expect(await importPostalCodes(database, SAMPLE)).to.equal(13);
      expect(await database.dataSource.getRepository(database.entities.PostalCode).count()).to.equal(13);
    });

    it('finds addresses by code, however the code is typed', async () => {
      const umeda = [{ code: '5300001', prefecture: '大阪府', city: '大阪市北区', town: '梅田' }];
      expect(await lookup.lookup('530-0001')).to.deep.equal(umeda);
      expect(await lookup.lookup('5300001')).to.deep.equal(umeda);
      expect(await lookup.lookup('５３０－０００１')).to.deep.equal(umeda);
      expect(await lookup.lookup('100-0001')).to.deep.equal([{ code: '1000001', prefecture: '東京都', city: '千代田区', town: '千代田' }]);
      expect(await lookup.lookup('060-0042')).to.deep.equal([{ code: '0600042', prefecture: '北海道', city: '札幌市中央区', town: '大通西' }]);
    });

    it('maps 以下に掲載がない場合 and 一円 to an empty town; returns every 町域 of a shared code', async () => {
      expect(await lookup.lookup('060-0000')).to.deep.equal([{ code: '0600000', prefecture: '北海道', city: '札幌市中央区', town: '' }]);
      expect(await lookup.lookup('100-0301')).to.deep.equal([{ code: '1000301', prefecture: '東京都', city: '利島村', town: '' }]);
      expect((await lookup.lookup('079-0177')).map((a) => a.town)).to.deep.equal(['上美唄町協和', '上美唄町南']);
      expect((await lookup.lookup('498-0000')).map((a) => a.prefecture).sort()).to.deep.equal(['三重県', '愛知県']);
    });

    it('tells a miss from a malformed code', async () => {
      expect(await lookup.lookup('999-9999')).to.deep.equal([]);
      expect(await lookup.search('999-9999')).to.deep.equal({ status: 'not_found', code: '9999999' });
      expect(await lookup.search('53-0001')).to.deep.equal({ status: 'invalid' });
      expect(await lookup.search('')).to.deep.equal({ status: 'invalid' });
      let error: unknown;
      try { await lookup.lookup('abc'); } catch (e) { error = e; }
      expect(error).to.be.instanceOf(InvalidPostalCodeError);
    });

    it('a new import replaces the table; a bad file leaves it as it was', async () => {
      const next = await tempCsv([row('9990001', '沖縄県', '那覇市', '新町'), row('5300001', '大阪府', '大阪市北区', '梅田（新）')]);
      expect(await importPostalCodes(database, next)).to.equal(2);
      expect(await lookup.lookup('100-0001')).to.deep.equal([]);
      expect(await lookup.lookup('999-0001')).to.deep.equal([{ code: '9990001', prefecture: '沖縄県', city: '那覇市', town: '新町' }]);
      expect(await lookup.lookup('530-0001')).to.have.length(1);

      const broken = await tempCsv([row('1000001', '東京都', '千代田区', '千代田'), '13101,"100  ","10000","トウキョウト"']);
      let error: unknown;
      try { await importPostalCodes(database, broken); } catch (e) { error = e; }
      expect(error).to.be.instanceOf(PostalImportError);
      expect((error as Error).message).to.contain('line 2');
      const shiftJis = await tempCsv(Buffer.concat([Buffer.from('13101,"100  ","1000001","', 'latin1'), Buffer.from([0x83, 0x67, 0x83, 0x45]), Buffer.from('",x,x,"\x93\x8c","x","x"\r\n', 'latin1')]));
      error = undefined;
      try { await importPostalCodes(database, shiftJis); } catch (e) { error = e; }
      expect((error as Error).message).to.contain('UTF-8');
      error = undefined;
      try { await importPostalCodes(database, '/nonexistent/utf_ken_all.csv'); } catch (e) { error = e; }
      expect(error).to.be.instanceOf(Error);
      // Still the table of the last good import.
      expect(await database.dataSource.getRepository(database.entities.PostalCode).count()).to.equal(2);
      expect(await lookup.lookup('999-0001')).to.have.length(1);

      expect(await importPostalCodes(database, SAMPLE)).to.equal(13);
      expect(await lookup.lookup('999-0001')).to.deep.equal([]);
    });

    it('GET /postal-codes/:code answers JSON with 200, 404 or 400, cacheable', async () => {
      const server = await serve({ database, config: {} });
      try {
        let response = await fetch(`${server.url}/postal-codes/530-0001`);
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.match(/^application\/json/);
        expect(response.headers.get('cache-control')).to.match(/^public, max-age=\d+$/);
        expect(await response.json()).to.deep.equal({ addresses: [{ code: '5300001', prefecture: '大阪府', city: '大阪市北区', town: '梅田' }] });

        response = await fetch(`${server.url}/postal-codes/${encodeURIComponent('０７９０１７７')}`);
        expect(((await response.json()) as { addresses: unknown[] }).addresses).to.have.length(2);

        response = await fetch(`${server.url}/postal-codes/999-9999`);
        expect(response.status).to.equal(404);
        expect(response.headers.get('cache-control')).to.match(/^public, max-age=\d+$/);
        expect(await response.json()).to.deep.equal({ error: 'not_found' });

        for (const bad of ['abc', '530-00011', '%E3%81%82']) {
          response = await fetch(`${server.url}/postal-codes/${bad}`);
          expect(response.status, bad).to.equal(400);
          expect(await response.json()).to.deep.equal({ error: 'invalid' });
        }
      } finally {
        await server.close();
      }
    });

    it('GET /postal-codes/:code is limited per client address: beyond throttle.postalCodesPerMinute, 429 with Retry-After', async () => {
      const server = await serve({ database, config: { throttle: { postalCodesPerMinute: 3 } } });
      try {
        // Every request counts, whatever its answer.
        const statuses = [];
        for (const code of ['530-0001', '999-9999', 'abc']) statuses.push((await fetch(`${server.url}/postal-codes/${code}`)).status);
        expect(statuses).to.deep.equal([200, 404, 400]);
        const refused = await fetch(`${server.url}/postal-codes/530-0001`);
        expect(refused.status).to.equal(429);
        expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
        expect(refused.headers.get('cache-control')).to.equal('no-store');
        expect(await refused.json()).to.deep.equal({ error: 'too_many_requests' });
      } finally {
        await server.close();
      }
    });
  });
}

describe('postal codes: HTTP fallback service', () => {
  const FALLBACK = 'https://postal.example.test/api/search?zipcode={code}';
  let nock: Nock;
  let releaseHttp: () => void;
  let database: Database;
  let warnings: unknown[];
  const originalWarn = logger.warn;

  before(async () => {
    ({ nock, release: releaseHttp } = await interceptHttp('127.0.0.1'));
    database = await freshDatabase({ name: 'sqlite' });
    await database.dataSource.runMigrations({ transaction: 'each' });
  });
  beforeEach(() => {
    warnings = [];
    logger.warn = ((...args: unknown[]) => { warnings.push(args); }) as typeof logger.warn;
  });
  afterEach(() => {
    logger.warn = originalWarn;
    nock.cleanAll();
  });
  after(async () => {
    releaseHttp();
    await database?.dataSource.destroy();
  });

  const service = () => nock('https://postal.example.test').get('/api/search');
  const lookup = (timeoutMs = 1000) => new PostalCodeLookup(database, { fallbackUrl: FALLBACK, timeoutMs });

  it('asks the service for a code the table lacks and maps its answer (zipcloud shape)', async () => {
    const scope = service().query({ zipcode: '1050011' }).reply(200, {
      message: null,
      status: 200,
      results: [
        { address1: '東京都', address2: '港区', address3: '芝公園（その他）', kana1: 'ﾄｳｷｮｳﾄ', kana2: 'ﾐﾅﾄｸ', kana3: 'ｼﾊﾞｺｳｴﾝ', prefcode: '13', zipcode: '1050011' },
        { address1: '東京都', address2: '港区', address3: '芝公園', zipcode: '1050011' },
        { address1: '東京都', address2: '港区', address3: '別の番号', zipcode: '9999999' },
      ],
    });
    expect(await lookup().search('105-0011')).to.deep.equal({ status: 'found', code: '1050011', addresses: [{ code: '1050011', prefecture: '東京都', city: '港区', town: '芝公園' }] });
    expect(scope.isDone()).to.equal(true);
    expect(warnings).to.deep.equal([]);
  });

  it('does not ask when the table has the code', async () => {
    await importPostalCodes(database, SAMPLE);
    const scope = service().query(true).reply(500);
    expect(await lookup().lookup('530-0001')).to.have.length(1);
    expect(scope.isDone()).to.equal(false);
    await database.dataSource.getRepository(database.entities.PostalCode).clear();
  });

  it('treats "no results" as not found, quietly', async () => {
    service().query(true).reply(200, { message: null, results: null, status: 200 });
    expect(await lookup().search('1234567')).to.deep.equal({ status: 'not_found', code: '1234567' });
    expect(warnings).to.deep.equal([]);
  });

  for (const [name, reply] of [
    ['not JSON', (s: nockType.Interceptor) => s.reply(200, '<html>maintenance</html>')],
    ['the wrong JSON shape', (s: nockType.Interceptor) => s.reply(200, { results: [{ address1: 13, address2: ['x'] }] })],
    ['an error status in the body', (s: nockType.Interceptor) => s.reply(200, { status: 400, message: 'invalid zipcode', results: null })],
    ['HTTP 500', (s: nockType.Interceptor) => s.reply(500, 'internal error')],
    ['a dropped connection', (s: nockType.Interceptor) => s.replyWithError('socket hang up')],
  ] as const) {
    it(`treats ${name} as not found, with a warning that holds no postal code`, async () => {
      reply(service().query(true));
      expect(await lookup().search('1234567')).to.deep.equal({ status: 'not_found', code: '1234567' });
      expect(warnings).to.have.length(1);
      expect(JSON.stringify(warnings)).not.to.contain('1234567').and.not.to.contain('123-4567');
      expect(JSON.stringify(warnings)).to.contain('postal.example.test');
    });
  }

  it('gives up after the timeout', async () => {
    service().query(true).delay(3000).reply(200, { status: 200, results: [{ address1: '東京都', address2: '港区', address3: '', zipcode: '1234567' }] });
    const started = Date.now();
    expect(await lookup(200).search('1234567')).to.deep.equal({ status: 'not_found', code: '1234567' });
    expect(Date.now() - started).to.be.lessThan(2000);
    expect(JSON.stringify(warnings)).to.contain('timeout');
  });

  it('serves fallback answers over the endpoint too', async () => {
    service().query({ zipcode: '1050011' }).reply(200, { status: 200, results: [{ address1: '東京都', address2: '港区', address3: '芝公園', zipcode: '1050011' }] });
    const server = await serve({ database, config: { postalCodes: { fallbackUrl: FALLBACK, timeoutMs: 1000 } } });
    try {
      const response = await fetch(`${server.url}/postal-codes/105-0011`);
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ addresses: [{ code: '1050011', prefecture: '東京都', city: '港区', town: '芝公園' }] });
    } finally {
      await server.close();
    }
  });

  const found = (code: string) => ({ status: 200, results: [{ address1: '東京都', address2: '港区', address3: '芝公園', zipcode: code }] });

  it("keeps the service's answers: a second lookup of a code, found or not, asks nobody", async () => {
    let asked = 0;
    service().query({ zipcode: '1050011' }).times(2).reply(200, () => { asked += 1; return found('1050011'); });
    service().query({ zipcode: '1234567' }).times(2).reply(200, () => { asked += 1; return { status: 200, results: null }; });
    const cached = lookup();
    expect((await cached.search('105-0011')).status).to.equal('found');
    expect(await cached.search('１０５００１１')).to.deep.equal({ status: 'found', code: '1050011', addresses: [{ code: '1050011', prefecture: '東京都', city: '港区', town: '芝公園' }] });
    expect(await cached.search('1234567')).to.deep.equal({ status: 'not_found', code: '1234567' });
    expect(await cached.search('123-4567')).to.deep.equal({ status: 'not_found', code: '1234567' });
    expect(asked, 'requests to the service').to.equal(2);
  });

  it('serves a second lookup over the endpoint from the cache (one request to the service)', async () => {
    const scope = service().query({ zipcode: '1050011' }).reply(200, found('1050011'));
    const server = await serve({ database, config: {}, postalCodes: lookup() });
    try {
      for (let i = 0; i < 2; i += 1) {
        const response = await fetch(`${server.url}/postal-codes/105-0011`);
        expect(response.status).to.equal(200);
        expect(((await response.json()) as { addresses: unknown[] }).addresses).to.have.length(1);
      }
      expect(scope.isDone()).to.equal(true);
      expect(warnings, 'no second request (nock would refuse it)').to.deep.equal([]);
    } finally {
      await server.close();
    }
  });

  it('does not keep failures; asks once for lookups of one code at the same time', async () => {
    let asked = 0;
    service().query(true).reply(500, () => { asked += 1; return 'down'; });
    service().query(true).times(3).reply(200, () => { asked += 1; return found('1050011'); });
    const cached = lookup();
    expect((await cached.search('1050011')).status).to.equal('not_found');
    expect((await cached.search('1050011')).status).to.equal('found');
    expect(asked).to.equal(2);
    asked = 0;
    const fresh = lookup();
    const answers = await Promise.all([fresh.search('1050011'), fresh.search('105-0011'), fresh.search('1050011')]);
    expect(answers.map((a) => a.status)).to.deep.equal(['found', 'found', 'found']);
    expect(asked).to.equal(1);
  });

  it('keeps answers for postalCodes.cacheMinutes, at most postalCodes.cacheEntries codes', async () => {
    let asked = 0;
    for (const code of ['1050011', '1060032']) service().query({ zipcode: code }).times(10).reply(200, () => { asked += 1; return found(code); });
    const make = (options: { cacheMinutes?: number; cacheEntries?: number }) => new PostalCodeLookup(database, { fallbackUrl: FALLBACK, timeoutMs: 1000, ...options });

    const uncached = make({ cacheMinutes: 0 });
    await uncached.search('1050011');
    await uncached.search('1050011');
    expect(asked, 'cacheMinutes: 0 keeps nothing').to.equal(2);

    asked = 0;
    const oneCode = make({ cacheEntries: 1 });
    for (const code of ['1050011', '1050011', '1060032', '1050011']) await oneCode.search(code);
    expect(asked, 'the least recently used code goes first').to.equal(3);

    asked = 0;
    const minute = make({ cacheMinutes: 1 });
    await minute.search('1050011');
    const realNow = Date.now;
    try {
      await minute.search('1050011');
      expect(asked).to.equal(1);
      Date.now = () => realNow() + 61_000;
      await minute.search('1050011');
      expect(asked, 'asked again once the answer is older than cacheMinutes').to.equal(2);
    } finally {
      Date.now = realNow;
    }
  });

  it('the configuration accepts postalCodes (optional) and checks it', async () => {
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const doc = parse(await readFile('config/cert-idp.yaml', 'utf8')) as Record<string, unknown>;
    expect(() => validateConfigFile(doc)).not.to.throw();
    expect(() => validateConfigFile({ ...doc, postalCodes: { fallbackUrl: FALLBACK, timeoutMs: 3000 } })).not.to.throw();
    expect(() => validateConfigFile({ ...doc, postalCodes: { timeoutMs: 3000 } })).not.to.throw();
    expect(() => validateConfigFile({ ...doc, postalCodes: { fallbackUrl: 'https://postal.example.test/search', timeoutMs: 3000 } })).to.throw(/postalCodes\.fallbackUrl/);
    expect(() => validateConfigFile({ ...doc, postalCodes: { fallbackUrl: FALLBACK } })).to.throw(/postalCodes\.timeoutMs: is required/);
    expect(() => validateConfigFile({ ...doc, postalCodes: { fallbackUrl: FALLBACK, timeoutMs: 3000, cacheMinutes: 60, cacheEntries: 500 } })).not.to.throw();
    expect(() => validateConfigFile({ ...doc, postalCodes: { timeoutMs: 3000, cacheEntries: 0 } })).to.throw(/postalCodes\.cacheEntries/);
    const throttle = doc.throttle as Record<string, unknown>;
    expect(() => validateConfigFile({ ...doc, throttle: { ...throttle, postalCodesPerMinute: 20 } })).not.to.throw();
    expect(() => validateConfigFile({ ...doc, throttle: { ...throttle, postalCodesPerMinute: 0 } })).to.throw(/throttle\.postalCodesPerMinute/);
  });
});

describe('postal codes: the request limit', () => {
  it('counts per key, refills evenly over the minute, and remembers a bounded number of keys', () => {
    const limiter = new RateLimiter(3, 2);
    const t0 = 1_000_000;
    expect([limiter.take('a', t0), limiter.take('a', t0), limiter.take('a', t0)]).to.deep.equal([0, 0, 0]);
    expect(limiter.take('a', t0), 'seconds until the next request').to.equal(20);
    expect(limiter.take('b', t0), 'another client').to.equal(0);
    expect(limiter.take('a', t0 + 19_000)).to.equal(1);
    expect(limiter.take('a', t0 + 20_000)).to.equal(0);
    // A third key: the least recently seen ('b') is forgotten, 'a' is still counted.
    expect(limiter.take('c', t0 + 20_000)).to.equal(0);
    expect(limiter.take('a', t0 + 20_000)).to.be.above(0);
  });

  it('counts a client by its network: an IPv4 address (however written), an IPv6 address by its /64', () => {
    for (const ip of ['192.0.2.7', '::ffff:192.0.2.7', '::FFFF:c000:207', '0:0:0:0:0:ffff:192.0.2.7']) expect(clientNetwork(ip), ip).to.equal('192.0.2.7');
    for (const ip of ['2001:db8:1:2::1', '2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:0', '2001:db8:1:2:3:4:192.0.2.1']) {
      expect(clientNetwork(ip), ip).to.equal('2001:db8:1:2::/64');
    }
    expect(clientNetwork('2001:db8:1:3::1')).to.equal('2001:db8:1:3::/64');
    expect(clientNetwork('2001:db8::1')).to.equal('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).to.equal('0:0:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
    expect(clientNetwork('64:ff9b::192.0.2.1')).to.equal('64:ff9b:0:0::/64');
    expect(clientNetwork('not an address')).to.equal('not an address');
  });

  it('holds on the running server for IPv6 clients: other addresses of the same /64 share the limit (TRUST_PROXY on)', async () => {
    const server = await startTestServer({ name: 'sqlite' }, (config) => { config.throttle.postalCodesPerMinute = 2; config.env.trustProxy = true; });
    try {
      const status = async (ip: string) => (await fetch(`${server.url}/postal-codes/530-0001`, { headers: { 'x-forwarded-for': ip } })).status;
      const statuses = [];
      for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:dead:beef:0:1', '::ffff:192.0.2.7', '192.0.2.7', '192.0.2.7', '2001:db8:1:3::1']) statuses.push(await status(ip));
      expect(statuses).to.deep.equal([200, 200, 429, 200, 200, 429, 200]);
    } finally {
      await server.stop();
    }
  });

  it('holds on the running server: X-Forwarded-For does not get round it (TRUST_PROXY off)', async () => {
    const server = await startTestServer({ name: 'sqlite' }, (config) => { config.throttle.postalCodesPerMinute = 2; });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) {
        const response = await fetch(`${server.url}/postal-codes/530-0001`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
        statuses.push(response.status);
        if (response.status === 429) expect(Number(response.headers.get('retry-after'))).to.be.within(1, 60);
      }
      expect(statuses).to.deep.equal([200, 200, 429, 429]);
    } finally {
      await server.stop();
    }
  });
});
