/**
 * A request rate per key (a client address) kept in this process's memory: a token bucket of
 * `perMinute` requests, refilled evenly over a minute, so a burst of up to `perMinute` passes and then
 * one every 60/perMinute seconds. For cheap public endpoints, where a database write per request (the
 * login throttle's way, src/security/throttle.ts) would cost more than the request itself: each
 * replica counts on its own. At most `maxKeys` keys are remembered; the least recently seen goes first.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number, private readonly maxKeys = 10_000) {}

  /** Takes one request for `key`: 0 when it may go on, otherwise the whole seconds until one would. */
  take(key: string, now = Date.now()): number {
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    let tokens = this.perMinute;
    if (bucket) {
      tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      this.buckets.delete(key); // re-inserted below: the Map's order is the order of last use
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  }
}
