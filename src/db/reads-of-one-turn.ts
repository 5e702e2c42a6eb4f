/**
 * Reads of rows by key that are asked for in the same turn of the event loop, made in one statement
 * (`WHERE key IN (…)`) at its end. Under load the requests that arrive together ask together (with
 * 16 userinfo requests in flight, about seven to a turn): each statement costs the event loop a
 * socket write, which on these machines costs over a third of all of the provider's work on a
 * userinfo request, and MariaDB a statement's overhead: one statement instead of seven cut a
 * quarter of the server's CPU per userinfo request (`npm run bench`). When nothing else is asked for, the
 * read goes out at the end of the same turn, as before. Each read is of the database at that
 * moment, as its own statement would have been: nothing is kept after it.
 */
export class ReadsOfOneTurn<Row> {
  private waiting: Map<string, Array<Waiter<Row>>> | undefined;

  /**
   * `read(keys)` reads the rows of those keys (each at most once, in any order; a key without a row
   * has none); `keyOf` tells a row's key. At most `maxKeys` keys go into one statement, and their
   * number is rounded up to a power of two by repeating the last key, so that a statement has one of
   * a few texts (the server prepares each text once per connection).
   */
  constructor(
    private readonly read: (keys: readonly string[]) => Promise<Row[]>,
    private readonly keyOf: (row: Row) => string,
    private readonly maxKeys = 32,
  ) {}

  /** The row of `key` (undefined when there is none), read at the end of this turn with the others asked for. */
  get(key: string): Promise<Row | undefined> {
    return new Promise<Row | undefined>((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = new Map();
        setImmediate(() => this.readWaiting());
      }
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
    });
  }

  private readWaiting(): void {
    const waiting = this.waiting!;
    this.waiting = undefined;
    const keys = [...waiting.keys()];
    for (let start = 0; start < keys.length; start += this.maxKeys) {
      const chunk = keys.slice(start, start + this.maxKeys);
      const padded = [...chunk];
      while (padded.length & (padded.length - 1)) padded.push(chunk.at(-1)!);
      let reading: Promise<Row[]>;
      try {
        reading = this.read(padded);
      } catch (error) {
        reading = Promise.reject(error);
      }
      reading.then((rows) => {
        const byKey = new Map(rows.map((row) => [this.keyOf(row), row]));
        for (const key of chunk) {
          const row = byKey.get(key);
          // Two requests that asked for one row get a copy each: each goes on to change what it got.
          waiting.get(key)!.forEach((waiter, index) => waiter.resolve(index === 0 || row === undefined ? row : structuredClone(row)));
        }
      }).catch((error: unknown) => {
        // Those already answered keep their row.
        for (const key of chunk) for (const waiter of waiting.get(key)!) waiter.reject(error);
      });
    }
  }
}

interface Waiter<Row> {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}
