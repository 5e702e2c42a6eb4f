import http from 'node:http';
import https from 'node:https';
import { Ajv } from 'ajv';
import { normalizeTown, type PostalAddress } from './normalize.js';

/** Why the fallback service gave no usable answer (for the log; never shown to the user). */
export type FallbackFailure = 'timeout' | 'network' | 'http_status' | 'too_large' | 'malformed';

export class FallbackError extends Error {
  override name = 'FallbackError';
  constructor(readonly reason: FallbackFailure, readonly status?: number) {
    super(`postal code fallback: ${reason}${status ? ` (HTTP ${status})` : ''}`);
  }
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * GET a JSON document with a deadline covering connection, headers and body, and a size cap.
 * node:http(s) rather than fetch: small, no extra dependency, and interceptable by nock in tests.
 */
export function getJson(url: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const client = url.startsWith('https:') ? https : http;
    let settled = false;
    const fail = (error: FallbackError) => {
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    const request = client.get(url, { signal, headers: { accept: 'application/json' } }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        fail(new FallbackError('http_status', status));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          fail(new FallbackError('too_large'));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          fail(new FallbackError('malformed'));
          return;
        }
        settled = true;
        resolve(parsed);
      });
      response.on('error', () => fail(new FallbackError(signal.aborted ? 'timeout' : 'network')));
      response.on('aborted', () => fail(new FallbackError(signal.aborted ? 'timeout' : 'network')));
    });
    request.on('error', () => fail(new FallbackError(signal.aborted ? 'timeout' : 'network')));
  });
}

// zipcloud (https://zipcloud.ibsnet.co.jp/doc/api): { status, message, results: [{ zipcode, address1..3, kana1..3, prefcode }] | null }.
// Tolerant: unknown keys are ignored, a missing address3 is an empty town; but every address used must
// have a prefecture and a city, and a zipcode, when present, must be the one asked for.
const responseSchema = {
  type: 'object',
  properties: {
    status: { type: ['integer', 'string'] },
    results: {
      type: ['array', 'null'],
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          zipcode: { type: 'string', maxLength: 10 },
          address1: { type: 'string', minLength: 1, maxLength: 10 },
          address2: { type: 'string', minLength: 1, maxLength: 60 },
          address3: { type: ['string', 'null'], maxLength: 200 },
        },
        required: ['address1', 'address2'],
      },
    },
  },
} as const;

interface ZipcloudResponse {
  status?: number | string;
  results?: Array<{ zipcode?: string; address1: string; address2: string; address3?: string | null }> | null;
}

const validate = new Ajv({ allErrors: false, strict: false }).compile<ZipcloudResponse>(responseSchema);

/** The addresses in a zipcloud-shaped answer; FallbackError('malformed') for anything else. */
export function mapFallbackResponse(code: string, body: unknown): PostalAddress[] {
  if (!validate(body)) throw new FallbackError('malformed');
  if (body.status !== undefined && Number(body.status) !== 200) throw new FallbackError('http_status', Number(body.status) || undefined);
  const addresses: PostalAddress[] = [];
  for (const result of body.results ?? []) {
    if (result.zipcode !== undefined && result.zipcode.replace('-', '') !== code) continue;
    const address = { code, prefecture: result.address1.trim(), city: result.address2.trim(), town: normalizeTown(result.address3 ?? '') };
    if (!addresses.some((a) => a.prefecture === address.prefecture && a.city === address.city && a.town === address.town)) addresses.push(address);
  }
  return addresses;
}
