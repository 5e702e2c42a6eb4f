import type { PostalCodesConfig } from '../config/types.js';
import type { Database } from '../db/data-source.js';
import { logger } from '../logger.js';
import { FallbackError, getJson, mapFallbackResponse } from './fallback.js';
import { normalizePostalCode, type PostalAddress } from './normalize.js';

/** What a search tells the page: the addresses, or which message to show. */
export type PostalSearchResult =
  | { status: 'found'; code: string; addresses: PostalAddress[] }
  | { status: 'invalid' }
  | { status: 'not_found'; code: string };

/** lookup() was given something that is not a postal code (search() reports it as a result instead). */
export class InvalidPostalCodeError extends Error {
  override name = 'InvalidPostalCodeError';
  readonly code = 'invalid' as const;
}

export interface PostalLookupOptions extends Partial<PostalCodesConfig> {}

/** What the fallback service said about a code, kept for postalCodes.cacheMinutes. */
interface CachedAnswer { addresses: PostalAddress[]; expiresAt: number }

/**
 * 郵便番号検索: the imported postal_codes table first; for a code it does not hold, the configured HTTP
 * service (postalCodes.fallbackUrl) if any. The fallback's failures (timeout, error status, malformed
 * answer) count as "not found" and are logged without the code; they never reach the page as errors.
 * The service's answers — addresses or "no such code", not its failures — are kept in memory for
 * postalCodes.cacheMinutes (default a day; at most postalCodes.cacheEntries codes, the least recently
 * used forgotten first), and one code is asked for once at a time, however many ask for it at once.
 */
export class PostalCodeLookup {
  readonly #database: Database;
  readonly #fallbackUrl: string | undefined;
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #cacheEntries: number;
  readonly #cache = new Map<string, CachedAnswer>();
  readonly #asking = new Map<string, Promise<PostalAddress[]>>();

  constructor(database: Database, options: PostalLookupOptions = {}) {
    this.#database = database;
    this.#fallbackUrl = options.fallbackUrl;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#cacheMs = (options.cacheMinutes ?? 1440) * 60_000;
    this.#cacheEntries = options.cacheEntries ?? 10_000;
  }

  /** The addresses of a postal code ([] when unknown); InvalidPostalCodeError for a malformed code. */
  async lookup(code: string): Promise<PostalAddress[]> {
    const result = await this.search(code);
    if (result.status === 'invalid') throw new InvalidPostalCodeError('not a postal code');
    return result.status === 'found' ? result.addresses : [];
  }

  /** lookup() as a result the caller turns into a message; throws only when the database fails. */
  async search(input: string): Promise<PostalSearchResult> {
    const code = normalizePostalCode(input);
    if (!code) return { status: 'invalid' };
    let addresses = await this.fromTable(code);
    if (addresses.length === 0 && this.#fallbackUrl) addresses = await this.fromFallback(code, this.#fallbackUrl);
    return addresses.length ? { status: 'found', code, addresses } : { status: 'not_found', code };
  }

  private async fromTable(code: string): Promise<PostalAddress[]> {
    const { dataSource, entities } = this.#database;
    const rows = await dataSource.getRepository(entities.PostalCode).find({ where: { code }, order: { id: 'ASC' }, take: 200 });
    const addresses: PostalAddress[] = [];
    for (const row of rows) {
      if (!addresses.some((a) => a.prefecture === row.prefecture && a.city === row.city && a.town === row.town)) {
        addresses.push({ code: row.code, prefecture: row.prefecture, city: row.city, town: row.town });
      }
    }
    return addresses;
  }

  /** The fallback's answer: from the cache, from a request for the same code under way, or asked now. */
  private fromFallback(code: string, template: string): Promise<PostalAddress[]> {
    const cached = this.#cache.get(code);
    if (cached && cached.expiresAt > Date.now()) {
      this.#cache.delete(code); // re-inserted: the Map's order is the order of last use
      this.#cache.set(code, cached);
      return Promise.resolve(cached.addresses);
    }
    if (cached) this.#cache.delete(code);
    const under = this.#asking.get(code);
    if (under) return under;
    const asking = this.askFallback(code, template).finally(() => this.#asking.delete(code));
    this.#asking.set(code, asking);
    return asking;
  }

  private remember(code: string, addresses: PostalAddress[]): void {
    if (this.#cacheMs <= 0) return;
    while (this.#cache.size >= this.#cacheEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done) break;
      this.#cache.delete(oldest.value);
    }
    this.#cache.set(code, { addresses, expiresAt: Date.now() + this.#cacheMs });
  }

  private async askFallback(code: string, template: string): Promise<PostalAddress[]> {
    const url = template.replace('{code}', code);
    try {
      const addresses = mapFallbackResponse(code, await getJson(url, this.#timeoutMs));
      this.remember(code, addresses);
      return addresses;
    } catch (error) {
      const reason = error instanceof FallbackError ? error.reason : 'network';
      const status = error instanceof FallbackError ? error.status : undefined;
      // The host only: the URL's path and query hold the postal code.
      logger.warn({ event: 'postal_fallback_failed', reason, status, host: hostOf(template) }, 'postal code fallback service gave no answer');
      return [];
    }
  }
}

function hostOf(template: string): string | undefined {
  try {
    return new URL(template.replace('{code}', '')).host;
  } catch {
    return undefined;
  }
}

/** The lookup the application uses, from the shared services (database + config.postalCodes). */
export function createPostalCodeLookup(services: { database: Database; config: { postalCodes?: PostalCodesConfig } }): PostalCodeLookup {
  return new PostalCodeLookup(services.database, services.config.postalCodes ?? {});
}
