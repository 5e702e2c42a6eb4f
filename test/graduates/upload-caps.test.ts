import { readFileSync } from 'node:fs';
import os from 'node:os';
import { expect } from 'chai';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, validateConfigFile } from '../../src/config/load.js';
import type { GraduatesConfig } from '../../src/config/types.js';
import { documentUploadForm } from '../../src/graduates/apply/forms.js';
import type { ApplyTextKey } from '../../src/graduates/apply/texts.js';
import { createTranslations } from '../../src/texts.js';
import type { Translate } from '../../src/web/texts.js';
import { textOf } from '../support/browser.js';
import { startApplication, upload, validForm } from '../support/graduates.js';
import { DATABASES, newBrowser, startTestServer, type TestServer } from '../support/harness.js';
import { pngImage } from '../support/images.js';
import { animatedGif, blankPng } from '../support/sample-images.js';

// G1 本人確認書類: an image is refused before anything of its upload is stored when a browser would have
// to decode too many pixels (the 48 KB PNG declaring 20000×20000 pixels), or when it is animated. The
// caps are graduates.uploads.maxWidth / maxHeight / maxPixels (defaults: 8000, 8000, 40 megapixels).

const BOMB = { filename: 'bomb.png', type: 'image/png', bytes: blankPng(20000, 20000) };
const WIDE = { filename: 'wide.png', type: 'image/png', bytes: blankPng(8001, 1) };
const TALL = { filename: 'tall.png', type: 'image/png', bytes: blankPng(1, 8001) };
const ANIMATED = { filename: 'moving.gif', type: 'image/gif', bytes: animatedGif(300) };
const LIMITS_JA = '幅8000ピクセル・高さ8000ピクセル・合計40メガピクセルまで';

for (const db of DATABASES) {
  describe(`G1 本人確認書類: decompression bombs and animated images are refused over HTTP (${db.name})`, () => {
    let server: TestServer;
    before(async () => { server = await startTestServer(db); });
    after(async () => { await server?.stop(); });

    const storedImages = async (email: string) => {
      const { dataSource, entities } = server.services.database;
      const application = await dataSource.getRepository(entities.Application).findOneByOrFail({ email });
      return dataSource.getRepository(entities.ApplicationDocument).countBy({ applicationId: application.id });
    };

    it('the 20000×20000 PNG bomb, a too-wide and a too-tall image, a 300-frame GIF: a message on the same page, nothing stored', async () => {
      const browser = newBrowser();
      const email = 'bomb@example.com';
      const form = await startApplication(server, browser, email);
      const documents = await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
      expect(BOMB.bytes.length).to.be.below(50_000);

      for (const [file, size] of [[BOMB, '20000×20000'], [WIDE, '8001×1'], [TALL, '1×8001']] as const) {
        const page = await upload(browser, server, documents, 'passport', [file]);
        expect(page.status, file.filename).to.equal(400);
        expect(page.url).to.match(/\/graduates\/apply\/documents$/);
        expect(textOf(page)).to.contain(`${file.filename}：画像の画素数が多すぎます（${size}ピクセル）`).and.contain(LIMITS_JA);
        expect(page.html, 'the chosen type stays chosen').to.contain('value="passport" selected');
      }
      const moving = await upload(browser, server, documents, 'passport', [ANIMATED]);
      expect(moving.status).to.equal(400);
      expect(textOf(moving)).to.contain('moving.gif：動きのある画像（アニメーションGIF）は登録できません');
      // A good image sent together with the bomb is not stored either.
      const mixed = await upload(browser, server, documents, 'passport', [{ filename: 'front.png', type: 'image/png', bytes: pngImage(8, 5) }, BOMB]);
      expect(mixed.status).to.equal(400);
      expect(textOf(mixed)).to.contain('bomb.png：画像の画素数が多すぎます').and.not.contain('画像を追加しました');
      expect(await storedImages(email), 'nothing of the refused uploads').to.equal(0);
      expect(mixed.html, 'no preview').not.to.match(/src="\/graduates\/apply\/documents\//);

      // A phone photo at the caps (8000×5000 = 40 megapixels) is accepted.
      const atCaps = await upload(browser, server, documents, 'passport', [{ filename: 'photo.png', type: 'image/png', bytes: blankPng(8000, 5000) }]);
      expect(atCaps.status).to.equal(200);
      expect(textOf(atCaps)).to.contain('画像を追加しました');
      expect(await storedImages(email)).to.equal(1);
    });

    it('says it in English too', async () => {
      const browser = newBrowser();
      const form = await startApplication(server, browser, 'bomb-en@example.com');
      await browser.submit(form, '/graduates/apply/form', { ...(await validForm(server)), action: 'next' });
      const documents = await browser.get(`${server.url}/graduates/apply/documents?lang=en`);
      const bomb = await upload(browser, server, documents, 'passport', [BOMB]);
      expect(textOf(bomb)).to.contain('bomb.png: the image has too many pixels (20000×20000). Choose an image of at most 8000 pixels wide, 8000 pixels high and 40 megapixels.');
      const moving = await upload(browser, server, documents, 'passport', [ANIMATED]);
      expect(textOf(moving)).to.contain('moving.gif: animated images cannot be added. Please choose a still image.');
      expect(await storedImages('bomb-en@example.com')).to.equal(0);
    });
  });
}

describe('G1 本人確認書類: the caps come from graduates.uploads', () => {
  const demo = loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: os.tmpdir() }).graduates!;
  const t = createTranslations().for('en') as Translate<ApplyTextKey>;
  const post = (graduates: GraduatesConfig, filename: string, bytes: Buffer) => documentUploadForm(graduates, {
    fields: { document_type: 'passport' }, files: [{ field: 'files', filename, bytes, size: bytes.length, truncated: false }], tooManyFiles: false, room: 1,
  }, t);
  const refusal = (graduates: GraduatesConfig, filename: string, bytes: Buffer) => {
    const result = post(graduates, filename, bytes);
    return result.ok ? 'accepted' : result.errors.files;
  };

  it('absent: 8000 px a side and 40 megapixels', () => {
    expect(demo.uploads).to.deep.equal({ maxBytes: 5000000, maxFiles: 4 });
    expect(post(demo, 'a.png', blankPng(8000, 5000)).ok).to.equal(true);
    expect(refusal(demo, 'b.png', blankPng(8000, 5001))).to.deep.equal([
      'b.png: the image has too many pixels (8000×5001). Choose an image of at most 8000 pixels wide, 8000 pixels high and 40 megapixels.',
    ]);
  });

  it('set: each cap as configured, and the message states them', () => {
    const configured = { ...demo, uploads: { ...demo.uploads, maxWidth: 1000, maxHeight: 2000, maxPixels: 1_500_000 } };
    expect(post(configured, 'a.png', blankPng(1000, 1500)).ok).to.equal(true);
    expect(post(configured, 'a.png', blankPng(750, 2000)).ok).to.equal(true);
    const limits = 'Choose an image of at most 1000 pixels wide, 2000 pixels high and 1.5 megapixels.';
    expect(refusal(configured, 'w.png', blankPng(1001, 1))).to.deep.equal([`w.png: the image has too many pixels (1001×1). ${limits}`]);
    expect(refusal(configured, 'h.png', blankPng(1, 2001))).to.deep.equal([`h.png: the image has too many pixels (1×2001). ${limits}`]);
    expect(refusal(configured, 'p.png', blankPng(1000, 1501))).to.deep.equal([`p.png: the image has too many pixels (1000×1501). ${limits}`]);
  });

  it('the configuration schema takes the keys within their ranges and names a key out of range', () => {
    const withUploads = (uploads: Record<string, unknown>) => {
      const file = parse(readFileSync('config/cert-idp.yaml', 'utf8')) as { graduates: { uploads: Record<string, unknown> } };
      file.graduates.uploads = { ...file.graduates.uploads, ...uploads };
      return () => validateConfigFile(file);
    };
    expect(withUploads({ maxWidth: 1000, maxHeight: 1000, maxPixels: 1_000_000 })).not.to.throw();
    expect(withUploads({ maxWidth: 16384, maxHeight: 16384, maxPixels: 100_000_000 })).not.to.throw();
    expect(withUploads({ maxWidth: 20000 })).to.throw(ConfigError, 'graduates.uploads.maxWidth: must be <= 16384');
    expect(withUploads({ maxHeight: 999 })).to.throw(ConfigError, 'graduates.uploads.maxHeight: must be >= 1000');
    expect(withUploads({ maxPixels: 400_000_000 })).to.throw(ConfigError, 'graduates.uploads.maxPixels: must be <= 100000000');
    expect(withUploads({ maxPixels: 4e7 + 0.5 })).to.throw(ConfigError, 'graduates.uploads.maxPixels: must be integer');
    expect(withUploads({ maxFrames: 1 })).to.throw(ConfigError, 'graduates.uploads.maxFrames: unknown key');
  });
});
