import { detectImageType, ImageFormatError, parseAndStrip, type ImageType } from './image.js';

export type UploadRejection = 'type' | 'size' | 'empty' | 'corrupt';

export type UploadCheck =
  | { ok: true; type: ImageType; bytes: Buffer; width: number; height: number }
  | { ok: false; reason: UploadRejection };

export interface UploadedBytes {
  bytes: Buffer;
  /** The size the client sent (may exceed bytes.length when the multipart parser cut the file). */
  size: number;
  /** Set by the multipart parser when the file went over its limit and the bytes were dropped. */
  truncated?: boolean;
}

/**
 * Accepts an identity-document image: JPEG, GIF or PNG by its bytes (never its name or the declared
 * content type), within the size limit, well-formed; the accepted bytes have their metadata removed.
 * Each rejection reason maps to its own message on the page.
 */
export function checkUpload(file: UploadedBytes, limits: { maxBytes: number }): UploadCheck {
  if (file.truncated || file.size > limits.maxBytes || file.bytes.length > limits.maxBytes) return { ok: false, reason: 'size' };
  if (file.bytes.length === 0 || file.size === 0) return { ok: false, reason: 'empty' };
  const type = detectImageType(file.bytes);
  if (!type) return { ok: false, reason: 'type' };
  try {
    const image = parseAndStrip(file.bytes, type);
    return { ok: true, type, bytes: image.bytes, width: image.width, height: image.height };
  } catch (error) {
    if (error instanceof ImageFormatError) return { ok: false, reason: 'corrupt' };
    throw error;
  }
}
