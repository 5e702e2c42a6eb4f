import Busboy from 'busboy';
import type { Context } from 'koa';

export interface UploadedFile { field: string; filename: string; bytes: Buffer; size: number; truncated: boolean }
export interface MultipartBody { fields: Record<string, string>; files: UploadedFile[]; tooManyFiles: boolean }

export class MultipartError extends Error {
  override name = 'MultipartError';
  status = 400;
  expose = true;
}

/**
 * Reads a multipart/form-data body (busboy) with hard limits: a file over maxFileBytes is cut and
 * marked truncated (its bytes are not kept), files beyond maxFiles are dropped and reported.
 */
export function parseMultipart(ctx: Context, limits: { maxFileBytes: number; maxFiles: number; maxFields?: number }): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: limits.maxFields ?? 50, fieldSize: 16_384, parts: (limits.maxFields ?? 50) + limits.maxFiles + 5 },
        defParamCharset: 'utf8',
      });
    } catch {
      reject(new MultipartError('not a multipart body'));
      return;
    }
    const body: MultipartBody = { fields: {}, files: [], tooManyFiles: false };
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      if (!(name in body.fields)) body.fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      pending.push(new Promise((done) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (!truncated) chunks.push(chunk);
        });
        stream.on('limit', () => {
          truncated = true;
          chunks.length = 0;
        });
        stream.on('close', () => {
          // An empty file input still sends a part with no name and no bytes.
          if (info.filename || size > 0) body.files.push({ field, filename: info.filename ?? '', bytes: Buffer.concat(chunks), size, truncated });
          done();
        });
      }));
    });
    parser.on('filesLimit', () => { body.tooManyFiles = true; });
    parser.on('error', () => reject(new MultipartError('malformed multipart body')));
    parser.on('close', () => { Promise.all(pending).then(() => resolve(body), reject); });
    ctx.req.pipe(parser);
  });
}
