// Identity-document images: the type comes from the bytes, and metadata (EXIF with GPS, XMP, comments,
// trailing data) is removed before anything is stored.
//
// Why a small hand-written container parser and not sharp (libvips re-encoding):
// - Lossless: the image data is copied byte for byte, so a scanned ID stays exactly as legible as it was;
//   re-encoding would recompress every upload (and change PNG/GIF into something else or re-quantise).
// - No pixel decoding on the server: no decompression bombs here, no libvips CVE surface in the upload
//   path, constant memory (the file is only walked, never inflated) and a few milliseconds per file.
//   The browsers that show the image (the applicant's preview, the staff viewer) do decode it, at the size
//   its header declares: the parser reports that size (and a GIF's frame count) so that checkUpload can
//   refuse a decompression bomb — a few kilobytes declaring hundreds of megapixels — and animation.
// - No native addon: sharp is N-API and installs from npm without a download step, but as ~20 MB of
//   per-platform optional packages (glibc/musl, x64/arm64), which an `npm ci` on another platform than
//   the lockfile's may skip (npm/cli#4828) — a risk for the container image that buys us nothing here.
// What it does not do: prove that the compressed pixel stream decodes. The container is checked
// completely (JPEG segment lengths and EOI, PNG chunk CRCs and IEND, GIF block chain and trailer), which
// rejects truncated and corrupted files; a hand-forged stream that passes those checks is only ever
// decoded by the reviewer's browser, which is built to survive hostile images.
// The EXIF orientation of a phone photo is kept (as a minimal EXIF block holding nothing else), so that a
// portrait photo is not shown to the reviewer lying on its side.
import { crc32 } from 'node:zlib';

export type ImageType = 'image/jpeg' | 'image/gif' | 'image/png';

export const IMAGE_TYPES: readonly ImageType[] = ['image/jpeg', 'image/gif', 'image/png'];

/** A truncated or malformed image. The message is for logs and tests, never for the page. */
export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
  readonly code = 'corrupt' as const;
}

export interface StrippedImage {
  type: ImageType;
  bytes: Buffer;
  /** The size a browser decodes, from the header (a GIF: its logical screen grown to hold every frame). */
  width: number;
  height: number;
  /** Images in the file: more than one is an animated GIF (an APNG's frames are dropped: always 1). */
  frames: number;
}

type Parsed = Omit<StrippedImage, 'type'>;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type from the file's signature (magic bytes); undefined for anything else. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'image/gif';
  return undefined;
}

/** Removes metadata, keeping only what renders the image. Throws ImageFormatError on a bad file. */
export function stripImageMetadata(bytes: Buffer, type: ImageType): Buffer {
  return parseAndStrip(bytes, type).bytes;
}

/** stripImageMetadata, also returning the dimensions read from the header. */
export function parseAndStrip(bytes: Buffer, type: ImageType): StrippedImage {
  if (detectImageType(bytes) !== type) throw new ImageFormatError(`not a ${type} file`);
  try {
    if (type === 'image/jpeg') return { type, ...stripJpeg(bytes) };
    if (type === 'image/png') return { type, ...stripPng(bytes) };
    return { type, ...stripGif(bytes) };
  } catch (error) {
    if (error instanceof ImageFormatError) throw error;
    // A bounds mistake in the parser must still end as "corrupt", not as a server error.
    throw new ImageFormatError(`malformed ${type}: ${(error as Error).message}`, { cause: error });
  }
}

function corrupt(message: string): never {
  throw new ImageFormatError(message);
}

// ---------------------------------------------------------------------------------------------- JPEG

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function startsWith(payload: Buffer, text: string): boolean {
  return payload.length >= text.length && payload.toString('latin1', 0, text.length) === text;
}

/**
 * Scans a JPEG may hold. A browser decodes each scan of a progressive JPEG over the whole image, so a
 * few kilobytes of empty scans (thousands of them) keep the reviewer's browser busy for minutes — the
 * decompression bomb of JPEG, which its size does not show. Encoders write one to a few dozen; decoders
 * that bound it use a few hundred (NVIDIA's nvImageCodec: 256, after a libjpeg-turbo security review).
 */
export const MAX_JPEG_SCANS = 256;

function stripJpeg(b: Buffer): Parsed {
  const out: Buffer[] = [Buffer.from([0xff, 0xd8])];
  let pos = 2;
  let width = 0;
  let height = 0;
  let sawFrame = false;
  let scans = 0;
  let orientationKept = false;
  for (;;) {
    if (pos >= b.length) corrupt('jpeg: truncated (no EOI)');
    if (b[pos] !== 0xff) corrupt(`jpeg: expected a marker at ${pos}`);
    while (pos < b.length && b[pos] === 0xff) pos += 1; // fill bytes
    if (pos >= b.length) corrupt('jpeg: truncated marker');
    const marker = b[pos]!;
    pos += 1;
    if (marker === 0xd9) {
      if (!scans) corrupt('jpeg: no image data');
      out.push(Buffer.from([0xff, 0xd9]));
      break; // anything after EOI (MPF images, vendor trailers) is dropped
    }
    if (marker === 0x00 || marker === 0xd8) corrupt('jpeg: unexpected marker');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(Buffer.from([0xff, marker]));
      continue;
    }
    if (pos + 2 > b.length) corrupt('jpeg: truncated segment');
    const length = b.readUInt16BE(pos);
    if (length < 2 || pos + length > b.length) corrupt('jpeg: segment runs past the end');
    const segment = b.subarray(pos - 2, pos + length);
    const payload = b.subarray(pos + 2, pos + length);
    pos += length;

    if (marker >= 0xe0 && marker <= 0xef) {
      if (marker === 0xe0 && startsWith(payload, 'JFIF\0') && payload.length >= 14) {
        // JFIF header without its optional thumbnail.
        const jfif = Buffer.from(payload.subarray(0, 14));
        jfif[12] = 0;
        jfif[13] = 0;
        out.push(Buffer.from([0xff, 0xe0, 0x00, 16]), jfif);
      } else if (marker === 0xe1 && startsWith(payload, 'Exif\0\0') && !orientationKept) {
        const orientation = exifOrientation(payload.subarray(6));
        if (orientation && orientation !== 1) out.push(minimalExif(orientation));
        orientationKept = true;
      } else if ((marker === 0xe2 && startsWith(payload, 'ICC_PROFILE\0')) || (marker === 0xee && startsWith(payload, 'Adobe'))) {
        out.push(segment); // colour: ICC profile, Adobe colour transform
      }
      continue; // every other APPn: EXIF/XMP (APP1), FlashPix/MPF (APP2), vendor blocks, …
    }
    if (marker === 0xfe || (marker >= 0xf0 && marker <= 0xfd)) continue; // COM, JPGn extensions

    if (JPEG_SOF.has(marker)) {
      if (sawFrame) corrupt('jpeg: a second frame header'); // decoders refuse it too
      if (payload.length < 6) corrupt('jpeg: short frame header');
      height = payload.readUInt16BE(1);
      width = payload.readUInt16BE(3);
      // Height 0 defers it to a DNL marker after the first scan (up to 65535 rows, past any size check);
      // browsers' decoders refuse such files anyway.
      if (width === 0 || height === 0) corrupt('jpeg: zero width or height');
      sawFrame = true;
    }
    out.push(segment);
    if (marker === 0xda) {
      if (!sawFrame) corrupt('jpeg: scan before frame header');
      scans += 1;
      if (scans > MAX_JPEG_SCANS) corrupt('jpeg: more scans than any encoder writes');
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor RSTn.
      let i = pos;
      for (;;) {
        i = b.indexOf(0xff, i);
        if (i < 0 || i + 1 >= b.length) corrupt('jpeg: truncated image data');
        const next = b[i + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i += 2;
        else if (next === 0xff) i += 1;
        else break;
      }
      out.push(b.subarray(pos, i));
      pos = i;
    }
  }
  return { bytes: Buffer.concat(out), width, height, frames: 1 };
}

/** The Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block; undefined when unreadable. */
function exifOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let n = 0; n < count; n += 1) {
    const entry = ifd + 2 + n * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/** An APP1 EXIF segment holding the orientation and nothing else. */
export function minimalExif(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 offset
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([header, Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

// ----------------------------------------------------------------------------------------------- PNG

/** Chunks needed to render (critical ones and colour/transparency/density); all others are dropped. */
const PNG_KEEP = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'cICP', 'mDCV', 'cLLI']);
const PNG_BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function stripPng(b: Buffer): Parsed {
  const out: Buffer[] = [PNG_SIGNATURE];
  let pos = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  let sawPalette = false;
  let idat: 'none' | 'open' | 'closed' = 'none';
  for (;;) {
    if (pos + 12 > b.length) corrupt('png: truncated (no IEND)');
    const length = b.readUInt32BE(pos);
    if (length > 0x7fffffff || pos + 12 + length > b.length) corrupt('png: chunk runs past the end');
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) corrupt('png: bad chunk type');
    const data = b.subarray(pos + 8, pos + 8 + length);
    const crc = b.readUInt32BE(pos + 8 + length);
    if (crc32(b.subarray(pos + 4, pos + 8 + length)) !== crc) corrupt(`png: ${type} checksum mismatch`);
    const chunk = b.subarray(pos, pos + 12 + length);
    pos += 12 + length;

    if (out.length === 1 && type !== 'IHDR') corrupt('png: IHDR is not first');
    if (type === 'IHDR') {
      if (out.length !== 1 || length !== 13) corrupt('png: bad IHDR');
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      colourType = data[9]!;
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) corrupt('png: bad dimensions');
      if (!PNG_BIT_DEPTHS[colourType]?.includes(depth)) corrupt('png: bad colour type or bit depth');
      if (data[10] !== 0 || data[11] !== 0 || (data[12] !== 0 && data[12] !== 1)) corrupt('png: bad compression, filter or interlace method');
    } else if (type === 'PLTE') {
      sawPalette = true;
    } else if (type === 'IDAT') {
      if (idat === 'closed') corrupt('png: IDAT chunks are not consecutive');
      if (colourType === 3 && !sawPalette) corrupt('png: palette image without PLTE');
      idat = 'open';
    } else if (idat === 'open') {
      idat = 'closed';
    }
    if (type === 'IEND') {
      if (idat === 'none') corrupt('png: no image data');
      out.push(chunk);
      break; // trailing bytes are dropped
    }
    if (PNG_KEEP.has(type)) out.push(chunk);
    else if (type.charCodeAt(0) < 0x61) corrupt(`png: unknown critical chunk ${type}`);
    // Ancillary chunks not kept: tEXt, zTXt, iTXt, eXIf, tIME, APNG frames (the still image remains), …
  }
  return { bytes: Buffer.concat(out), width, height, frames: 1 };
}

// ----------------------------------------------------------------------------------------------- GIF

function stripGif(b: Buffer): Parsed {
  if (b.length < 13) corrupt('gif: truncated header');
  // Browsers grow the logical screen to hold a frame that does not fit (or size it by the first frame
  // when it is 0×0): the size decoded is the screen's and every frame's extent together.
  let width = b.readUInt16LE(6);
  let height = b.readUInt16LE(8);
  const packed = b[10]!;
  let pos = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  if (pos > b.length) corrupt('gif: truncated colour table');
  const out: Buffer[] = [b.subarray(0, pos)];
  let images = 0;

  /** The end of the data sub-block chain starting at `at` (just past its zero terminator). */
  const subBlocksEnd = (at: number): number => {
    let i = at;
    for (;;) {
      if (i >= b.length) corrupt('gif: truncated data blocks');
      const size = b[i]!;
      i += 1 + size;
      if (size === 0) return i;
    }
  };

  for (;;) {
    if (pos >= b.length) corrupt('gif: truncated (no trailer)');
    const introducer = b[pos]!;
    if (introducer === 0x3b) {
      if (images === 0) corrupt('gif: no image');
      out.push(Buffer.from([0x3b]));
      break; // trailing bytes are dropped
    }
    if (introducer === 0x2c) {
      if (pos + 10 > b.length) corrupt('gif: truncated image descriptor');
      width = Math.max(width, b.readUInt16LE(pos + 1) + b.readUInt16LE(pos + 5));
      height = Math.max(height, b.readUInt16LE(pos + 3) + b.readUInt16LE(pos + 7));
      const local = b[pos + 9]!;
      let at = pos + 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0);
      if (at >= b.length) corrupt('gif: truncated image');
      const minCodeSize = b[at]!;
      if (minCodeSize < 1 || minCodeSize > 11) corrupt('gif: bad LZW code size');
      at = subBlocksEnd(at + 1);
      out.push(b.subarray(pos, at));
      pos = at;
      images += 1;
    } else if (introducer === 0x21) {
      if (pos + 2 > b.length) corrupt('gif: truncated extension');
      const label = b[pos + 1]!;
      const end = subBlocksEnd(pos + 2);
      const first = b.subarray(pos + 3, pos + 3 + (b[pos + 2] ?? 0));
      const keep = label === 0xf9 // graphic control: delays and transparency
        || (label === 0xff && (first.toString('latin1') === 'NETSCAPE2.0' || first.toString('latin1') === 'ANIMEXTS1.0'));
      // Dropped: comments (0xFE), plain text (0x01), XMP/ICC and every other application extension.
      if (keep) out.push(b.subarray(pos, end));
      pos = end;
    } else {
      corrupt(`gif: unexpected block 0x${introducer.toString(16)}`);
    }
  }
  if (width === 0 || height === 0) corrupt('gif: zero width or height');
  return { bytes: Buffer.concat(out), width, height, frames: images };
}
