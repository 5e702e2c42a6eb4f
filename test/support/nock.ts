import type nockType from 'nock';

export type Nock = typeof nockType;

/**
 * nock for a suite's third-party HTTP APIs. nock patches http and fetch when it is first imported, so
 * it is imported here (not at the top of a test file) and `release` undoes that patch again unless
 * another suite had already loaded it. Outside connections are refused except to `allowHost`.
 */
export async function interceptHttp(allowHost?: string): Promise<{ nock: Nock; release(): void }> {
  const fetchBefore = globalThis.fetch;
  const nock = (await import('nock')).default;
  const activatedHere = globalThis.fetch !== fetchBefore;
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
  if (allowHost) nock.enableNetConnect(allowHost);
  return {
    nock,
    release() {
      nock.cleanAll();
      nock.enableNetConnect();
      if (activatedHere) nock.restore();
    },
  };
}
