import os from 'node:os';
import { hash as argon2Hash, parseOptions, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import pLimit, { type LimitFunction } from 'p-limit';

export interface HashingParameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
  /**
   * How many hashes may run at once; the rest queue (each holds memoryKiB while it runs). Default:
   * defaultMaxConcurrent().
   */
  maxConcurrent?: number;
}

export const OWASP_PARAMETERS: HashingParameters = { memoryKiB: 19456, timeCost: 2, parallelism: 1 };

/**
 * One hash per core, and no more than libuv's thread pool runs at once (UV_THREADPOOL_SIZE, 4 by
 * default), where @node-rs/argon2 computes: a hash beyond the cores buys no throughput, only its
 * memoryKiB of resident memory (DESIGN §7: memory).
 */
export function defaultMaxConcurrent(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE);
  return Math.max(1, Math.min(os.availableParallelism(), Number.isInteger(pool) && pool > 0 ? pool : 4));
}

// @node-rs/argon2 declares its enums as ambient `const enum`s, which isolated modules cannot read:
// the values are those of its index.d.ts (Algorithm.Argon2id = 2, Version.V0x13 = 1).
const ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1;

/**
 * The one place that hashes and verifies passwords (argon2id, standard PHC strings), with bounded
 * concurrency so that a burst of logins queues instead of exhausting memory. `@node-rs/argon2` (napi-rs
 * prebuilds, no install script, independent of the Node ABI) verifies the same PHC hashes as `argon2`
 * (node-argon2) 1.5–1.85× faster here (`npm run bench` compares them); hashes made by either verify
 * with the other.
 */
export class PasswordHasher {
  private readonly limit: LimitFunction;

  constructor(private readonly parameters: HashingParameters = OWASP_PARAMETERS) {
    this.limit = pLimit(parameters.maxConcurrent ?? defaultMaxConcurrent());
  }

  /** Told how long each argon2 computation took, queue wait excluded (metrics). */
  observer: ((operation: 'hash' | 'verify', seconds: number) => void) | undefined;

  get queued(): number { return this.limit.pendingCount; }
  get active(): number { return this.limit.activeCount; }

  private run<T>(operation: 'hash' | 'verify', compute: () => Promise<T>): Promise<T> {
    return this.limit(async () => {
      const started = performance.now();
      try {
        return await compute();
      } finally {
        this.observer?.(operation, (performance.now() - started) / 1000);
      }
    });
  }

  hash(password: string): Promise<string> {
    return this.run('hash', () => argon2Hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.parameters.memoryKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    }));
  }

  /** False for a wrong password and for anything that is not a valid hash. */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    if (!hash) {
      // Spend the same time as a real verification so that a missing hash is not told apart by timing.
      await this.hash(password);
      return false;
    }
    try {
      return await this.run('verify', () => argon2Verify(hash, password));
    } catch {
      return false;
    }
  }

  /**
   * True when a stored hash was not made with the configured parameters (another algorithm, version,
   * memory, time or parallelism): the login that has just verified it stores a new one. False for
   * anything that is not an argon2 hash (it never verifies anyway).
   */
  needsRehash(hash: string): boolean {
    let parsed: ReturnType<typeof parseOptions>;
    try {
      parsed = parseOptions(hash);
    } catch {
      return false;
    }
    return Number(parsed.algorithm) !== Number(ARGON2ID)
      || Number(parsed.version) !== VERSION_0X13
      || parsed.memoryCost !== this.parameters.memoryKiB
      || parsed.timeCost !== this.parameters.timeCost
      || parsed.parallelism !== this.parameters.parallelism;
  }

  /**
   * After `password` verified against `hash`: a hash with the configured parameters when the stored
   * one needs it (undefined otherwise), to be stored in its place.
   */
  async upgraded(hash: string | null | undefined, password: string): Promise<string | undefined> {
    if (!hash || !this.needsRehash(hash)) return undefined;
    return this.hash(password);
  }
}
