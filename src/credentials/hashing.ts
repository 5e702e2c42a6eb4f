import argon2 from 'argon2';
import pLimit, { type LimitFunction } from 'p-limit';

export interface HashingParameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
  /** How many hashes may run at once; the rest queue (each holds memoryKiB while it runs). */
  maxConcurrent: number;
}

export const OWASP_PARAMETERS: HashingParameters = { memoryKiB: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 4 };

/**
 * The one place that hashes and verifies passwords (argon2id, PHC strings), with bounded concurrency
 * so that a burst of logins queues instead of exhausting memory.
 */
export class PasswordHasher {
  private readonly limit: LimitFunction;

  constructor(private readonly parameters: HashingParameters = OWASP_PARAMETERS) {
    this.limit = pLimit(parameters.maxConcurrent);
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
    return this.run('hash', () => argon2.hash(password, {
      type: argon2.argon2id,
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
      return await this.run('verify', () => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /** True when a stored hash was made with weaker parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, {
      memoryCost: this.parameters.memoryKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    });
  }
}
