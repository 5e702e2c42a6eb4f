// Small but real JPEG, PNG and GIF files built in code (no image tools needed in CI), with and without
// the metadata a phone camera or an editor adds. Usable by any test that uploads an identity document.
import { crc32, deflateSync } from 'node:zlib';

const u16be = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32be = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

export function jpegSegment(marker: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);
}

/** The image proper: an 8×8 mid-grey baseline JPEG (one component, single-code Huffman tables). */
export function jpegImageSegments(): Buffer {
  const dqt = jpegSegment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]));
  const sof = jpegSegment(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
  const table = (classId: number) => jpegSegment(0xc4, Buffer.concat([Buffer.from([classId, 1]), Buffer.alloc(15), Buffer.from([0])]));
  const sos = jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]));
  // DC difference 0 ("0"), then end of block ("0"), padded with 1 bits.
  return Buffer.concat([dqt, sof, table(0x00), table(0x10), sos, Buffer.from([0x3f])]);
}

export const JFIF = jpegSegment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** A minimal clean JPEG (what metadata stripping must leave of the rich one, orientation aside). */
export function cleanJpeg(): Buffer {
  return Buffer.concat([SOI, JFIF, jpegImageSegments(), EOI]);
}

/** The same 8×8 image with its one scan repeated `scans` times (as a progressive JPEG's scans follow each other). */
export function jpegWithScans(scans: number): Buffer {
  const image = jpegImageSegments();
  const scan = image.subarray(image.indexOf(Buffer.from([0xff, 0xda])));
  return Buffer.concat([SOI, image, ...Array.from({ length: scans - 1 }, () => scan), EOI]);
}

interface IfdEntry { tag: number; type: number; count: number; value: Buffer }

/** A big-endian TIFF structure: IFD0 entries, optionally with a GPS IFD (for EXIF APP1 and PNG eXIf). */
export function tiff(ifd0: IfdEntry[], gps?: IfdEntry[]): Buffer {
  // Layout: header (8) | IFD0 | IFD0 data | GPS IFD | GPS data
  const ifdSize = (entries: IfdEntry[]) => 2 + entries.length * 12 + 4;
  const dataSize = (entries: IfdEntry[]) => entries.reduce((n, e) => n + (e.value.length > 4 ? e.value.length : 0), 0);
  const entries0 = [...ifd0];
  if (gps) entries0.push({ tag: 0x8825, type: 4, count: 1, value: u32be(0) }); // patched below
  const gpsOffset = 8 + ifdSize(entries0) + dataSize(entries0);
  if (gps) entries0[entries0.length - 1]!.value = u32be(gpsOffset);
  const writeIfd = (entries: IfdEntry[], offset: number): Buffer => {
    let dataAt = offset + ifdSize(entries);
    const head: Buffer[] = [u16be(entries.length)];
    const data: Buffer[] = [];
    for (const e of entries) {
      let field: Buffer;
      if (e.value.length > 4) {
        field = u32be(dataAt);
        data.push(e.value);
        dataAt += e.value.length;
      } else {
        field = Buffer.concat([e.value, Buffer.alloc(4 - e.value.length)]);
      }
      head.push(u16be(e.tag), u16be(e.type), u32be(e.count), field);
    }
    head.push(u32be(0));
    return Buffer.concat([...head, ...data]);
  };
  const parts = [Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), writeIfd(entries0, 8)];
  if (gps) parts.push(writeIfd(gps, gpsOffset));
  return Buffer.concat(parts);
}

const ascii = (text: string) => Buffer.from(`${text}\0`, 'latin1');
const rationals = (...pairs: number[]) => Buffer.concat(pairs.map(u32be));

/** EXIF as a phone writes it: make, model, orientation, and where the photo was taken. */
export function phoneExif(orientation = 6): Buffer {
  return tiff(
    [
      { tag: 0x010f, type: 2, count: 6, value: ascii('Phone') },
      { tag: 0x0110, type: 2, count: 12, value: ascii('Model 12 Pro') },
      { tag: 0x0112, type: 3, count: 1, value: u16be(orientation) },
    ],
    [
      { tag: 0x0001, type: 2, count: 2, value: ascii('N') },
      { tag: 0x0002, type: 5, count: 3, value: rationals(35, 1, 41, 1, 2262, 100) }, // 35°41'22.62"
      { tag: 0x0003, type: 2, count: 2, value: ascii('E') },
      { tag: 0x0004, type: 5, count: 3, value: rationals(139, 1, 41, 1, 3012, 100) },
    ],
  );
}

export const XMP = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="35,41.377N" xmp:CreatorTool="Secret Editor"/></rdf:RDF></x:xmpmeta>', 'latin1');

/** The clean JPEG with EXIF (GPS), XMP, Photoshop IPTC, a comment, fill bytes and an MPF-like trailer. */
export function phoneJpeg(orientation = 6): Buffer {
  return Buffer.concat([
    SOI, JFIF,
    jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), phoneExif(orientation)])),
    jpegSegment(0xe1, XMP),
    jpegSegment(0xed, Buffer.from('Photoshop 3.0\0' + '8BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x50\0\x08Ms Owner', 'latin1')),
    jpegSegment(0xe2, Buffer.from('MPF\0II*\0 multi-picture index', 'latin1')),
    jpegSegment(0xfe, Buffer.from('taken at home, 1-2-3 Secret Street', 'utf8')),
    Buffer.from([0xff, 0xff]), // fill bytes before the next marker
    jpegImageSegments(), EOI,
    // After EOI: a second embedded image with its own EXIF, as MPF/depth maps and vendor trailers do.
    SOI, jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), phoneExif(1)])), EOI,
  ]);
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), typeAndData, u32be(crc32(typeAndData))]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** 2×2 RGB pixels, filter byte 0 on each row. */
export const PNG_RAW = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);

function pngHeader(): Buffer {
  return pngChunk('IHDR', Buffer.concat([u32be(2), u32be(2), Buffer.from([8, 2, 0, 0, 0])]));
}

export function cleanPng(): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE, pngHeader(),
    pngChunk('pHYs', Buffer.concat([u32be(2835), u32be(2835), Buffer.from([1])])),
    pngChunk('IDAT', deflateSync(PNG_RAW)), pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The clean PNG with text chunks (plain, compressed, international/XMP), EXIF with GPS and tIME. */
export function richPng(): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE, pngHeader(),
    pngChunk('tEXt', Buffer.from('Author\0Ms Owner', 'latin1')),
    pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.from('taken at home'))])),
    pngChunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), XMP])),
    pngChunk('eXIf', phoneExif(1)),
    pngChunk('tIME', Buffer.from([0x07, 0xea, 4, 1, 9, 30, 0])),
    pngChunk('pHYs', Buffer.concat([u32be(2835), u32be(2835), Buffer.from([1])])),
    pngChunk('IDAT', deflateSync(PNG_RAW)), pngChunk('IEND', Buffer.alloc(0)),
    Buffer.from('trailing data after IEND', 'latin1'),
  ]);
}

const GIF_HEAD = Buffer.concat([
  Buffer.from('GIF89a', 'latin1'),
  Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), // 1×1, global colour table of 2 entries
  Buffer.from([0, 0, 0, 255, 255, 255]),
]);
const GIF_GCE = Buffer.from([0x21, 0xf9, 4, 0, 0, 0, 0, 0]);
const GIF_IMAGE = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0]);
export const GIF_NETSCAPE = Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from('NETSCAPE2.0', 'latin1'), Buffer.from([3, 1, 0, 0, 0])]);

export function cleanGif(): Buffer {
  return Buffer.concat([GIF_HEAD, GIF_NETSCAPE, GIF_GCE, GIF_IMAGE, Buffer.from([0x3b])]);
}

function gifSubBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const piece = data.subarray(i, i + 255);
    parts.push(Buffer.from([piece.length]), piece);
  }
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** The clean GIF with a comment, an XMP application extension and a plain-text extension. */
export function richGif(): Buffer {
  const xmp = Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from('XMP DataXMP', 'latin1'), gifSubBlocks(XMP)]);
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), gifSubBlocks(Buffer.from('scanned at home by Ms Owner', 'latin1'))]);
  const plainText = Buffer.concat([Buffer.from([0x21, 0x01, 12]), Buffer.alloc(12), gifSubBlocks(Buffer.from('hidden text', 'latin1'))]);
  return Buffer.concat([GIF_HEAD, comment, xmp, GIF_NETSCAPE, plainText, GIF_GCE, GIF_IMAGE, Buffer.from([0x3b]), Buffer.from('trailer junk', 'latin1')]);
}

export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

// Images of a chosen size, for the pixel caps (decompression bombs) and animation.

const blankPngs = new Map<string, Buffer>();

/**
 * A black 1-bit greyscale PNG of any size with its real pixel data (all-zero rows, deflated). It stays
 * tiny however large it declares itself: at 20000×20000 it is the 48 KB decompression bomb that a
 * browser inflates to 400 megapixels.
 */
export function blankPng(width: number, height: number): Buffer {
  const key = `${width}x${height}`;
  let png = blankPngs.get(key);
  if (!png) {
    const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0, then black pixels
    png = Buffer.concat([
      PNG_SIGNATURE,
      pngChunk('IHDR', Buffer.concat([u32be(width), u32be(height), Buffer.from([1, 0, 0, 0, 0])])),
      pngChunk('IDAT', deflateSync(rows, { level: 9 })), pngChunk('IEND', Buffer.alloc(0)),
    ]);
    blankPngs.set(key, png);
  }
  return png;
}

/** The clean JPEG with other dimensions in its frame header (the scan is not re-encoded). */
export function jpegOfSize(width: number, height: number): Buffer {
  const jpeg = cleanJpeg();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

/** An image block of the GIF: `width`×`height` at (`left`, `top`) with 1×1 LZW data. */
function gifImage(frame: { left?: number; top?: number; width?: number; height?: number } = {}): Buffer {
  const image = Buffer.from(GIF_IMAGE);
  image.writeUInt16LE(frame.left ?? 0, 1);
  image.writeUInt16LE(frame.top ?? 0, 3);
  image.writeUInt16LE(frame.width ?? 1, 5);
  image.writeUInt16LE(frame.height ?? 1, 7);
  return image;
}

/** A one-frame GIF whose logical screen is `width`×`height`, its image placed as `frame` says. */
export function gifOfSize(width: number, height: number, frame?: Parameters<typeof gifImage>[0]): Buffer {
  const head = Buffer.from(GIF_HEAD);
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  return Buffer.concat([head, GIF_GCE, gifImage(frame), Buffer.from([0x3b])]);
}

/** An animated 1×1 GIF of `frames` frames, looping. */
export function animatedGif(frames: number): Buffer {
  const frame = Buffer.concat([GIF_GCE, GIF_IMAGE]);
  return Buffer.concat([GIF_HEAD, GIF_NETSCAPE, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}
