import { v7 } from 'uuid';

/**
 * A primary key for rows listed in the order they were written (audit events, an application's history).
 * Their `occurred_at` has millisecond precision, and two events of one request often share a millisecond;
 * a random UUID then orders them by chance. A UUIDv7 sorts by time and, within one process, by the order
 * it was made in (the library keeps a counter within the millisecond), so `(occurred_at, id)` is the order written.
 */
export function orderedId(): string {
  return v7();
}
