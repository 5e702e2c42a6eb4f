/**
 * Hands the garbage of start-up back to the system before the server listens. Loading the code,
 * compiling the schemas and migrating leave some 30 MiB of dead objects on V8 pages that stay resident:
 * nothing allocates while a replica idles, so V8 sees no reason to collect, and its memory reducer
 * never runs (DESIGN §7: memory). A last-resort collection compacts the heap and releases the freed
 * pages. It needs `gc`, which the image's node exposes (`--expose-gc`, the Dockerfile's CMD); elsewhere
 * (tests, `npm start`) this does nothing. Called once, before any request, so no request waits on it.
 */
export function releaseStartupGarbage(): void {
  globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
