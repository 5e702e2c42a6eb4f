import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface RequestContext { requestId: string }

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request being handled (for every log line written while it runs), if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** An id an ingress or caller sent (X-Request-Id) is kept when it looks like one; otherwise a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header && /^[A-Za-z0-9._:-]{8,128}$/.test(header) ? header : randomUUID();
}

export function runWithRequestId<T>(requestId: string, run: () => T): T {
  return storage.run({ requestId }, run);
}
