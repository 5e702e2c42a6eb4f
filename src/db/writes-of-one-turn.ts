/**
 * Rows that requests write in the same turn of the event loop, written in one statement at its end
 * (the counterpart of ReadsOfOneTurn): under the refresh-token load about three requests end in one
 * turn, and each statement costs the event loop a socket write and MariaDB a commit. Each request
 * waits until its rows are written, as it waited for its own statement. When the joint statement
 * fails, each request's rows are written on their own, so that what only one request got wrong fails
 * that request only (a database outage still fails each).
 */
export class WritesOfOneTurn<Row> {
  private waiting: Array<Waiting<Row>> | undefined;

  /**
   * `write(rows)` writes rows in one statement, in the order given (a later row of the same key
   * wins); at most `maxRows` rows go into one statement, a request's rows never split between two.
   */
  constructor(private readonly write: (rows: readonly Row[]) => Promise<void>, private readonly maxRows = 64) {}

  /** Resolves once `rows` are written (with those of other requests of this turn), rejects when they could not be. */
  add(rows: readonly Row[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = [];
        setImmediate(() => this.writeWaiting());
      }
      this.waiting.push({ rows, resolve, reject });
    });
  }

  private writeWaiting(): void {
    const waiting = this.waiting!;
    this.waiting = undefined;
    let group: Array<Waiting<Row>> = [];
    let size = 0;
    for (const request of waiting) {
      if (group.length && size + request.rows.length > this.maxRows) {
        this.writeGroup(group);
        group = [];
        size = 0;
      }
      group.push(request);
      size += request.rows.length;
    }
    if (group.length) this.writeGroup(group);
  }

  private writeGroup(group: Array<Waiting<Row>>): void {
    this.attempt(group.flatMap((request) => request.rows)).then(() => {
      for (const request of group) request.resolve();
    }, (error: unknown) => {
      if (group.length === 1) return group[0]!.reject(error);
      for (const request of group) this.attempt(request.rows).then(request.resolve, request.reject);
    });
  }

  private attempt(rows: readonly Row[]): Promise<void> {
    try {
      return this.write(rows);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

interface Waiting<Row> {
  rows: readonly Row[];
  resolve(): void;
  reject(error: unknown): void;
}
