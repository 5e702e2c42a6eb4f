import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { Environment } from '../../src/config/types.js';
import {
  checkUpload, detectImageType, DocumentVault, ImageFormatError, loadDocumentKeys, stripImageMetadata, VaultError, type ImageType,
} from '../../src/uploads/index.js';
import { MAX_JPEG_SCANS, minimalExif } from '../../src/uploads/image.js';
import {
  animatedGif, blankPng, cleanGif, cleanJpeg, cleanPng, GIF_NETSCAPE, gifOfSize, JFIF, jpegImageSegments, jpegOfSize, jpegSegment, jpegWithScans, PDF,
  phoneJpeg, PNG_RAW, pngChunk, richGif, richPng,
} from '../support/sample-images.js';

/** The JPEG's markers in order (structure check: every segment length lands on the next marker). */
function jpegMarkers(bytes: Buffer): number[] {
  expect(bytes.subarray(0, 2).toString('hex')).to.equal('ffd8');
  const markers = [0xd8];
  let pos = 2;
  while (pos < bytes.length) {
    expect(bytes[pos], `marker at ${pos}`).to.equal(0xff);
    const marker = bytes[pos + 1]!;
    markers.push(marker);
    if (marker === 0xd9) {
      expect(pos + 2, 'nothing after EOI').to.equal(bytes.length);
      break;
    }
    pos += 2 + bytes.readUInt16BE(pos + 2);
    if (marker === 0xda) {
      while (!(bytes[pos] === 0xff && bytes[pos + 1] !== 0 && !(bytes[pos + 1]! >= 0xd0 && bytes[pos + 1]! <= 0xd7))) pos += 1;
    }
  }
  return markers;
}

/** The PNG's chunk types, checking every CRC and that IEND ends the file. */
function pngChunks(bytes: Buffer): string[] {
  expect(bytes.subarray(0, 8).toString('hex')).to.equal('89504e470d0a1a0a');
  const types: string[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    expect(crc32(bytes.subarray(pos + 4, pos + 8 + length)), `${type} CRC`).to.equal(bytes.readUInt32BE(pos + 8 + length));
    types.push(type);
    pos += 12 + length;
  }
  expect(pos).to.equal(bytes.length);
  expect(types.at(-1)).to.equal('IEND');
  return types;
}

function pngIdat(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const length = bytes.readUInt32BE(pos);
    if (bytes.toString('latin1', pos + 4, pos + 8) === 'IDAT') parts.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  return Buffer.concat(parts);
}

const SECRETS = ['GPS', 'Phone', 'Model 12', 'Ms Owner', 'Secret', 'secret', 'home', 'xmpmeta', 'Photoshop', 'MPF', 'trailing', 'junk', 'hidden'];

function expectNoSecrets(bytes: Buffer): void {
  const text = bytes.toString('latin1');
  for (const secret of SECRETS) expect(text, `"${secret}" left in the file`).not.to.contain(secret);
  // The GPS latitude's rational (35/1 41/1 2262/100), in any byte order.
  expect(bytes.includes(Buffer.from('0000002300000001', 'hex'))).to.equal(false);
}

// The caps of a phone photo of an ID card (the configuration's defaults, written out here on purpose).
const LIMITS = { maxBytes: 100_000, maxWidth: 8000, maxHeight: 8000, maxPixels: 40_000_000 };
const check = (bytes: Buffer) => checkUpload({ bytes, size: bytes.length }, LIMITS);

describe('uploads: image type from the bytes', () => {
  it('recognises JPEG, PNG and GIF by their signatures, and nothing else', () => {
    expect(detectImageType(cleanJpeg())).to.equal('image/jpeg');
    expect(detectImageType(cleanPng())).to.equal('image/png');
    expect(detectImageType(cleanGif())).to.equal('image/gif');
    expect(detectImageType(new Uint8Array(cleanPng()))).to.equal('image/png');
    expect(detectImageType(Buffer.from('GIF87a'))).to.equal('image/gif');
    expect(detectImageType(PDF)).to.equal(undefined);
    expect(detectImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).to.equal(undefined);
    expect(detectImageType(Buffer.from([0x42, 0x4d, 0, 0]))).to.equal(undefined); // BMP
    expect(detectImageType(Buffer.alloc(0))).to.equal(undefined);
    expect(detectImageType(Buffer.from([0xff, 0xd8]))).to.equal(undefined);
  });
});

describe('uploads: metadata stripping', () => {
  it('JPEG: drops EXIF (GPS), XMP, IPTC, MPF, comments, the JFIF thumbnail and data after EOI; keeps the image data and the orientation', () => {
    const phone = phoneJpeg(6);
    expect(phone.toString('latin1')).to.contain('Exif').and.contain('Ms Owner');
    const stripped = stripImageMetadata(phone, 'image/jpeg');
    expectNoSecrets(stripped);
    expect(jpegMarkers(stripped)).to.deep.equal([0xd8, 0xe0, 0xe1, 0xdb, 0xc0, 0xc4, 0xc4, 0xda, 0xd9]);
    // Byte for byte: the clean image with an EXIF block that holds only Orientation = 6.
    expect(stripped.equals(Buffer.concat([Buffer.from([0xff, 0xd8]), JFIF, minimalExif(6), jpegImageSegments(), Buffer.from([0xff, 0xd9])]))).to.equal(true);
    expect(stripped.includes(jpegImageSegments())).to.equal(true);
    // Orientation 1 (upright) needs no EXIF at all; a clean file comes out unchanged; stripping is idempotent.
    expect(stripImageMetadata(phoneJpeg(1), 'image/jpeg').equals(cleanJpeg())).to.equal(true);
    expect(stripImageMetadata(cleanJpeg(), 'image/jpeg').equals(cleanJpeg())).to.equal(true);
    expect(stripImageMetadata(stripped, 'image/jpeg').equals(stripped)).to.equal(true);
  });

  it('JPEG: keeps the colour segments (ICC profile, Adobe)', () => {
    const seg = (marker: number, text: string) => {
      const payload = Buffer.from(text, 'latin1');
      return Buffer.concat([Buffer.from([0xff, marker, 0, payload.length + 2]), payload]);
    };
    const icc = seg(0xe2, 'ICC_PROFILE\0\x01\x01profile-bytes');
    const adobe = seg(0xee, 'Adobe\0\x64\0\0\0\0\x01');
    const input = Buffer.concat([Buffer.from([0xff, 0xd8]), icc, adobe, jpegImageSegments(), Buffer.from([0xff, 0xd9])]);
    expect(stripImageMetadata(input, 'image/jpeg').equals(input)).to.equal(true);
  });

  it('PNG: drops tEXt, zTXt, iTXt (XMP), eXIf, tIME and data after IEND; keeps IHDR, pHYs, IDAT, IEND', () => {
    const stripped = stripImageMetadata(richPng(), 'image/png');
    expectNoSecrets(stripped);
    expect(pngChunks(stripped)).to.deep.equal(['IHDR', 'pHYs', 'IDAT', 'IEND']);
    expect(inflateSync(pngIdat(stripped)).equals(PNG_RAW)).to.equal(true);
    expect(stripped.equals(cleanPng())).to.equal(true);
  });

  it('GIF: drops comments, XMP and plain-text extensions and trailing data; keeps the looping extension and the image', () => {
    const stripped = stripImageMetadata(richGif(), 'image/gif');
    expectNoSecrets(stripped);
    expect(stripped.equals(cleanGif())).to.equal(true);
    expect(stripped.includes(GIF_NETSCAPE)).to.equal(true);
    expect(stripped.at(-1)).to.equal(0x3b);
  });
});

describe('uploads: checkUpload', () => {
  it('accepts the three image types, stripped, with their dimensions', () => {
    const jpeg = check(phoneJpeg());
    expect(jpeg).to.include({ ok: true, type: 'image/jpeg', width: 8, height: 8 });
    expect(jpeg.ok && jpeg.bytes.toString('latin1')).not.to.contain('GPS');
    expect(check(richPng())).to.include({ ok: true, type: 'image/png', width: 2, height: 2 });
    expect(check(richGif())).to.include({ ok: true, type: 'image/gif', width: 1, height: 1 });
  });

  it('refuses a PDF renamed .png, or any other file, as "type"', () => {
    expect(check(PDF)).to.deep.equal({ ok: false, reason: 'type' });
    expect(check(Buffer.from('just text, named photo.jpg'))).to.deep.equal({ ok: false, reason: 'type' });
  });

  it('refuses a file over the limit (or cut by the multipart parser) as "size", an empty one as "empty"', () => {
    const big = Buffer.concat([cleanPng(), Buffer.alloc(LIMITS.maxBytes)]);
    expect(check(big)).to.deep.equal({ ok: false, reason: 'size' });
    expect(checkUpload({ bytes: Buffer.alloc(0), size: LIMITS.maxBytes, truncated: true }, LIMITS)).to.deep.equal({ ok: false, reason: 'size' });
    expect(checkUpload({ bytes: cleanPng(), size: LIMITS.maxBytes + 1 }, LIMITS)).to.deep.equal({ ok: false, reason: 'size' });
    expect(check(Buffer.alloc(0))).to.deep.equal({ ok: false, reason: 'empty' });
    const exact = Buffer.concat([cleanPng(), Buffer.alloc(LIMITS.maxBytes - cleanPng().length)]);
    expect(check(exact)).to.include({ ok: true }); // at the limit: accepted (the padding after IEND is dropped)
  });

  it('refuses truncated files as "corrupt"', () => {
    for (const [name, bytes] of [['jpeg', phoneJpeg()], ['png', richPng()], ['gif', richGif()]] as const) {
      const image = stripImageMetadata(bytes, detectImageType(bytes)!);
      for (const cut of [image.length - 1, image.length - 2, Math.floor(image.length / 2), 12]) {
        expect(check(image.subarray(0, cut)), `${name} cut at ${cut}`).to.deep.equal({ ok: false, reason: 'corrupt' });
      }
    }
  });

  it('refuses malformed files as "corrupt": bad PNG checksum, JPEG without a frame, GIF without an image', () => {
    const png = Buffer.from(cleanPng());
    png[40] = png[40]! ^ 0xff; // inside pHYs
    expect(check(png)).to.deep.equal({ ok: false, reason: 'corrupt' });
    const noFrame = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x3f]), Buffer.from([0xff, 0xd9])]);
    expect(check(noFrame)).to.deep.equal({ ok: false, reason: 'corrupt' });
    const gif = cleanGif();
    expect(check(Buffer.concat([gif.subarray(0, 19), Buffer.from([0x3b])]))).to.deep.equal({ ok: false, reason: 'corrupt' });
    expect(check(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(200)]))).to.deep.equal({ ok: false, reason: 'corrupt' });
  });

  it('never throws, whatever the bytes: every prefix and thousands of random corruptions end in ok or a reason', () => {
    const samples: Buffer[] = [phoneJpeg(), richPng(), richGif(), cleanJpeg(), cleanPng(), cleanGif()];
    let outcomes = 0;
    for (const sample of samples) {
      for (let cut = 0; cut <= sample.length; cut += 1) {
        expect(() => check(sample.subarray(0, cut))).not.to.throw();
        outcomes += 1;
      }
      for (let n = 0; n < 1500; n += 1) {
        const mutated = Buffer.from(sample);
        const flips = 1 + (n % 4);
        for (let f = 0; f < flips; f += 1) mutated[3 + Math.floor(Math.random() * (mutated.length - 3))] = Math.floor(Math.random() * 256);
        const result = check(mutated);
        expect(result.ok || ['type', 'corrupt', 'dimensions', 'animated'].includes(result.reason)).to.equal(true);
        if (result.ok) expect(() => stripImageMetadata(result.bytes, result.type)).not.to.throw();
        outcomes += 1;
      }
    }
    expect(outcomes).to.be.greaterThan(9000);
  });

  it('stripImageMetadata throws the typed ImageFormatError', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/gif'] as ImageType[]) {
      expect(() => stripImageMetadata(Buffer.from('garbage'), type)).to.throw(ImageFormatError);
    }
    expect(() => stripImageMetadata(richPng().subarray(0, 50), 'image/png')).to.throw(ImageFormatError).with.property('code', 'corrupt');
  });
});

describe('uploads: pixel caps (decompression bombs) and animation', () => {
  const tooLarge = (width: number, height: number) => ({ ok: false, reason: 'dimensions', width, height });
  const accepted = (bytes: Buffer, limits = LIMITS) => {
    const result = checkUpload({ bytes, size: bytes.length }, limits);
    return result.ok ? `${result.width}x${result.height}` : result;
  };

  it('refuses the 48 KB PNG declaring 20000×20000 pixels (400 megapixels when decoded) without inflating it', () => {
    const bomb = blankPng(20000, 20000);
    expect(bomb.length).to.be.below(50_000);
    expect(inflateSync(pngIdat(bomb)).length, 'a real bomb: 20000 rows of 2501 bytes').to.equal(20000 * 2501);
    expect(check(bomb)).to.deep.equal(tooLarge(20000, 20000));
  });

  it('PNG at the edges: 8000 px a side and 40 megapixels are accepted, one pixel more is not', () => {
    for (const [w, h] of [[8000, 5000], [5000, 8000], [8000, 1], [1, 8000], [6324, 6324]] as const) expect(accepted(blankPng(w, h))).to.equal(`${w}x${h}`);
    for (const [w, h] of [[8001, 1], [1, 8001], [8000, 5001], [5001, 8000], [6325, 6325]] as const) expect(check(blankPng(w, h)), `${w}x${h}`).to.deep.equal(tooLarge(w, h));
  });

  it('JPEG at the edges (the frame header\'s size); no height (DNL) or a second frame header is "corrupt"', () => {
    expect(accepted(jpegOfSize(8000, 5000))).to.equal('8000x5000');
    expect(accepted(jpegOfSize(5000, 8000))).to.equal('5000x8000');
    for (const [w, h] of [[8001, 8], [8, 8001], [8000, 5001], [65535, 65535]] as const) expect(check(jpegOfSize(w, h)), `${w}x${h}`).to.deep.equal(tooLarge(w, h));
    expect(check(jpegOfSize(8, 0))).to.deep.equal({ ok: false, reason: 'corrupt' });
    const sof = jpegSegment(0xc0, Buffer.from([8, 0x4e, 0x20, 0x4e, 0x20, 1, 1, 0x11, 0])); // 20000×20000
    const twoFrames = Buffer.concat([cleanJpeg().subarray(0, -2), sof, Buffer.from([0xff, 0xd9])]);
    expect(check(twoFrames)).to.deep.equal({ ok: false, reason: 'corrupt' });
  });

  it('JPEG scans: up to 256 (encoders write a few dozen at most) are accepted, more — the progressive JPEG bomb — are "corrupt"', () => {
    expect(MAX_JPEG_SCANS).to.equal(256);
    expect(accepted(jpegWithScans(1))).to.equal('8x8');
    expect(accepted(jpegWithScans(MAX_JPEG_SCANS))).to.equal('8x8');
    // A few kilobytes of empty scans that a browser would run over the whole image one after another.
    for (const scans of [MAX_JPEG_SCANS + 1, 5000]) expect(check(jpegWithScans(scans)), `${scans} scans`).to.deep.equal({ ok: false, reason: 'corrupt' });
  });

  it('GIF at the edges: the logical screen and every image placed on it count', () => {
    expect(accepted(gifOfSize(8000, 5000))).to.equal('8000x5000');
    expect(accepted(gifOfSize(0, 0))).to.equal('1x1'); // no screen size: the image's
    for (const [w, h] of [[8001, 1], [1, 8001], [8000, 5001]] as const) expect(check(gifOfSize(w, h)), `${w}x${h}`).to.deep.equal(tooLarge(w, h));
    expect(check(gifOfSize(1, 1, { left: 7999, width: 2 }))).to.deep.equal(tooLarge(8001, 1));
    expect(check(gifOfSize(1, 1, { top: 8000 }))).to.deep.equal(tooLarge(1, 8001));
    expect(check(gifOfSize(8000, 1, { width: 8000, height: 5001 }))).to.deep.equal(tooLarge(8000, 5001));
  });

  it('the caps are the ones given: width, height and pixels each', () => {
    const small = { maxBytes: 100_000, maxWidth: 100, maxHeight: 50, maxPixels: 4000 };
    expect(accepted(blankPng(100, 40), small)).to.equal('100x40');
    expect(accepted(blankPng(80, 50), small)).to.equal('80x50');
    expect(accepted(blankPng(101, 1), small)).to.deep.equal(tooLarge(101, 1));
    expect(accepted(blankPng(1, 51), small)).to.deep.equal(tooLarge(1, 51));
    expect(accepted(blankPng(100, 41), small)).to.deep.equal(tooLarge(100, 41));
  });

  it('refuses an animated GIF (2 or 300 frames) as "animated"; one frame, even with the looping extension, is a still image', () => {
    expect(accepted(animatedGif(1))).to.equal('1x1');
    expect(check(animatedGif(2))).to.deep.equal({ ok: false, reason: 'animated' });
    expect(check(animatedGif(300))).to.deep.equal({ ok: false, reason: 'animated' });
  });

  it('an animated PNG (APNG) keeps only its still image', () => {
    const u32 = (...n: number[]) => Buffer.concat(n.map((v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; }));
    const fcTL = (seq: number) => pngChunk('fcTL', Buffer.concat([u32(seq, 2, 2, 0, 0), Buffer.from([0, 1, 0, 100, 0, 0])]));
    const clean = cleanPng();
    const idatAt = clean.indexOf(Buffer.from('IDAT')) - 4;
    const apng = Buffer.concat([
      clean.subarray(0, idatAt), pngChunk('acTL', u32(300, 0)), fcTL(0), clean.subarray(idatAt, -12),
      fcTL(1), pngChunk('fdAT', Buffer.concat([u32(2), pngIdat(clean)])), clean.subarray(-12),
    ]);
    const result = check(apng);
    expect(result).to.include({ ok: true, width: 2, height: 2 });
    expect(result.ok && result.bytes.equals(clean)).to.equal(true);
  });
});

describe('uploads: DocumentVault (encryption at rest)', () => {
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);

  it('round-trips; the sealed format is version | key id | IV | ciphertext | tag; each message has its own IV', () => {
    const vault = new DocumentVault([key1]);
    const plain = phoneJpeg();
    const sealed = vault.encrypt(plain);
    expect(sealed.length).to.equal(1 + 4 + 12 + plain.length + 16);
    expect(sealed[0]).to.equal(1);
    expect(sealed.includes(plain.subarray(0, 64))).to.equal(false);
    expect(vault.decrypt(sealed).equals(plain)).to.equal(true);
    const again = vault.encrypt(plain);
    expect(again.subarray(5, 17).equals(sealed.subarray(5, 17))).to.equal(false);
    expect(vault.decrypt(vault.encrypt(Buffer.alloc(0))).length).to.equal(0);
    expect(vault.decryptText(vault.encryptText('JBSWY3DPEHPK3PXP'))).to.equal('JBSWY3DPEHPK3PXP');
  });

  it('detects tampering anywhere: version, key id, IV, ciphertext, tag, length', () => {
    const vault = new DocumentVault([key1]);
    const sealed = vault.encrypt(Buffer.from('identity document'));
    for (const at of [0, 1, 4, 5, 16, 17, 20, sealed.length - 16, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = bad[at]! ^ 0x01;
      expect(() => vault.decrypt(bad), `byte ${at}`).to.throw(VaultError);
    }
    expect(() => vault.decrypt(sealed.subarray(0, sealed.length - 1))).to.throw(VaultError);
    expect(() => vault.decrypt(sealed.subarray(0, 20))).to.throw(VaultError);
    expect(() => vault.decrypt(Buffer.concat([sealed, Buffer.from([0])]))).to.throw(VaultError);
  });

  it('rotates: the first key encrypts, every key decrypts; a removed key no longer opens anything', () => {
    const old = new DocumentVault([key1]);
    const sealedOld = old.encrypt(Buffer.from('sealed before rotation'));
    const rotated = new DocumentVault([key2, key1]);
    expect(rotated.decrypt(sealedOld).toString()).to.equal('sealed before rotation');
    const sealedNew = rotated.encrypt(Buffer.from('sealed after rotation'));
    expect(new DocumentVault([key2]).decrypt(sealedNew).toString()).to.equal('sealed after rotation');
    expect(() => old.decrypt(sealedNew)).to.throw(VaultError, /not configured/);
    expect(() => new DocumentVault([])).to.throw();
    expect(() => new DocumentVault([randomBytes(16)])).to.throw(/32 bytes/);
  });

  it('loads keys from DOCUMENT_KEYS / DOCUMENT_KEYS_FILE, generates one in development, requires them in production', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-keys-'));
    const base: Environment = { production: false, port: 3000, issuer: '', configFile: '', dataDir, trustProxy: false };
    const k1 = key1.toString('base64');
    const k2 = key2.toString('base64');

    const fromEnv = loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: dataDir, DOCUMENT_KEYS: `${k2}, ${k1}` }).env;
    expect(fromEnv.documentKeys).to.deep.equal([k2, k1]);
    const keys = loadDocumentKeys(fromEnv);
    expect(keys.map((k) => k.toString('base64'))).to.deep.equal([k2, k1]);
    const file = path.join(dataDir, 'document-keys');
    await writeFile(file, `${k1}\n${k2}\n`);
    expect(loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: dataDir, DOCUMENT_KEYS_FILE: file }).env.documentKeys).to.deep.equal([k1, k2]);
    expect(loadConfig({ CONFIG_FILE: 'config/cert-idp.yaml', DATA_DIR: dataDir }).env.documentKeys).to.equal(undefined);

    const generated = loadDocumentKeys(base);
    expect(generated).to.have.length(1);
    expect(generated[0]!.length).to.equal(32);
    expect(JSON.parse(await readFile(path.join(dataDir, 'dev-document-keys.json'), 'utf8'))).to.deep.equal([generated[0]!.toString('base64')]);
    expect(loadDocumentKeys(base)[0]!.equals(generated[0]!)).to.equal(true); // kept across restarts

    expect(() => loadDocumentKeys({ ...base, production: true })).to.throw(ConfigError, /DOCUMENT_KEYS/);
    expect(loadDocumentKeys({ ...base, production: true, documentKeys: [k1] })[0]!.equals(key1)).to.equal(true);
    expect(() => loadDocumentKeys({ ...base, documentKeys: [randomBytes(16).toString('base64')] })).to.throw(ConfigError, /DOCUMENT_KEYS.*32 bytes/);
    expect(() => loadDocumentKeys({ ...base, documentKeys: ['not base64!'] })).to.throw(ConfigError, /DOCUMENT_KEYS/);
  });
});
