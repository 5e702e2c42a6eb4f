import { AWAITING_REVIEW } from '../../applications/state-machine.js';
import { QUEUE_SORTS, type QueueFilter, type QueueSort } from '../../applications/store.js';
import type { ApplicationKind, ApplicationPurpose, ApplicationStatus } from '../../db/entities.js';

// The queue a clerk works through: its filter, sort and page as URL parameters. The application page
// and its decision forms carry them on (as `queue`), so that 次の申請へ opens the next application of
// the same filtered, sorted queue and 申請一覧へ戻る returns to it.

export const STATUSES: ApplicationStatus[] = ['submitted', 'resubmitted', 'resubmission_requested', 'approved', 'rejected'];
const PURPOSES: ApplicationPurpose[] = ['account', 'enrollment', 'personal'];
const KINDS: ApplicationKind[] = ['new', 'change'];

const oneOf = <T extends string>(choices: readonly T[], value: string): T | undefined => (choices.includes(value as T) ? (value as T) : undefined);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export interface QueueView {
  /** 'awaiting', 'all' or one status. */
  status: string;
  purpose: ApplicationPurpose | undefined;
  kind: ApplicationKind | undefined;
  search: string;
  sort: QueueSort;
  descending: boolean;
  page: number;
}

/** The queue of URL parameters (anything unknown falls back to the default: awaiting, oldest first). */
export function parseQueue(query: Record<string, unknown>): QueueView {
  const status = text(query.status);
  return {
    status: status === 'all' || oneOf(STATUSES, status) ? status : 'awaiting',
    purpose: oneOf(PURPOSES, text(query.purpose)),
    kind: oneOf(KINDS, text(query.kind)),
    search: text(query.q).slice(0, 200),
    sort: oneOf(QUEUE_SORTS, text(query.sort)) ?? 'submitted',
    descending: text(query.dir) === 'desc',
    page: Math.max(1, Math.min(100000, Number.parseInt(text(query.page), 10) || 1)),
  };
}

/** The queue carried in a form field (`queue`): the same parameters as a query string. */
export function parseQueueField(value: string | undefined): QueueView {
  return parseQueue(Object.fromEntries(new URLSearchParams(value ?? '')));
}

export function filterOf(view: QueueView): QueueFilter {
  const statuses = view.status === 'awaiting' ? AWAITING_REVIEW : view.status === 'all' ? undefined : [view.status as ApplicationStatus];
  return { statuses, purpose: view.purpose, kind: view.kind, search: view.search || undefined };
}

/** The view as URL parameters (defaults left out); `changes` override some of them. */
export function queueParams(view: QueueView, changes: Partial<QueueView> = {}): string {
  const v = { ...view, ...changes };
  const params = new URLSearchParams();
  if (v.status !== 'awaiting') params.set('status', v.status);
  if (v.purpose) params.set('purpose', v.purpose);
  if (v.kind) params.set('kind', v.kind);
  if (v.search) params.set('q', v.search);
  if (v.sort !== 'submitted') params.set('sort', v.sort);
  if (v.descending) params.set('dir', 'desc');
  if (v.page > 1) params.set('page', String(v.page));
  return params.toString();
}

export function withQuery(path: string, query: string): string {
  return query ? `${path}?${query}` : path;
}

/** Whole days an application has waited since it was (re)submitted. */
export function daysWaiting(submittedAt: Date | null, now = Date.now()): number {
  return submittedAt ? Math.max(0, Math.floor((now - submittedAt.getTime()) / 86400_000)) : 0;
}
