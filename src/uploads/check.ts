import { detectImageType, ImageFormatError, parseAndStrip, type ImageType } from './image.js';

export type UploadRejection = 'type' | 'size' | 'empty' | 'corrupt' | 'dimensions' | 'animated';

export type UploadCheck =
  | { ok: true; type: ImageType; bytes: Buffer; width: number; height: number }
  | { ok: false; reason: Exclude<UploadRejection, 'dimensions'> }
  /** The size the image declares (what a browser would decode), for the message. */
  | { ok: false; reason: 'dimensions'; width: number; height: number };

export interface UploadedBytes {
  bytes: Buffer;
  /** The size the client sent (may exceed bytes.length when the multipart parser cut the file). */
  size: number;
  /** Set by the multipart parser when the file went over its limit and the bytes were dropped. */
  truncated?: boolean;
}

/**
 * What a browser is asked to decode at most: a decompression bomb (a few kilobytes of PNG declaring
 * 20000×20000 pixels, 400 megapixels to inflate) is refused by the size its header declares.
 */
export interface ImageCaps {
  maxWidth: number;
  maxHeight: number;
  /** Width × height. */
  maxPixels: number;
}

export interface UploadLimits extends ImageCaps {
  maxBytes: number;
}

/**
 * For a phone photo of an ID card: a usual one is 12 megapixels (4032×3024); the caps leave room for
 * larger ones while a browser decodes at most 40 megapixels (160 MB as RGBA).
 */
export const DEFAULT_IMAGE_CAPS: Readonly<ImageCaps> = { maxWidth: 8000, maxHeight: 8000, maxPixels: 40_000_000 };

/**
 * Accepts an identity-document image: JPEG, GIF or PNG by its bytes (never its name or the declared
 * content type), within the size limit, well-formed, within the pixel caps and still (an animated GIF
 * is refused); the accepted bytes have their metadata removed.
 * Each rejection reason maps to its own message on the page.
 */
export function checkUpload(file: UploadedBytes, limits: UploadLimits): UploadCheck {
  if (file.truncated || file.size > limits.maxBytes || file.bytes.length > limits.maxBytes) return { ok: false, reason: 'size' };
  if (file.bytes.length === 0 || file.size === 0) return { ok: false, reason: 'empty' };
  const type = detectImageType(file.bytes);
  if (!type) return { ok: false, reason: 'type' };
  try {
    const { bytes, width, height, frames } = parseAndStrip(file.bytes, type);
    if (width > limits.maxWidth || height > limits.maxHeight || width * height > limits.maxPixels) return { ok: false, reason: 'dimensions', width, height };
    if (frames > 1) return { ok: false, reason: 'animated' };
    return { ok: true, type, bytes, width, height };
  } catch (error) {
    if (error instanceof ImageFormatError) return { ok: false, reason: 'corrupt' };
    throw error;
  }
}
