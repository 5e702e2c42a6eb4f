import type { Server } from 'node:http';
import type { InFlight } from './middleware.js';

/**
 * Stops accepting connections, lets the requests under way finish, closes idle keep-alive
 * connections as they become idle, and gives up (closing whatever is left) after `timeoutMs`.
 * Resolves true when everything finished in time.
 */
export async function closeGracefully(server: Server, inFlight: InFlight, timeoutMs: number): Promise<boolean> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  try {
    const outcome = await Promise.race([inFlight.drained().then(() => 'drained' as const), deadline]);
    if (outcome === 'timeout') {
      server.closeAllConnections();
      await closed;
      return false;
    }
    // Every request has its answer; what is left are idle (or just finishing) connections.
    server.closeIdleConnections();
    const finished = await Promise.race([closed.then(() => true), deadline.then(() => false)]);
    if (!finished) server.closeAllConnections();
    await closed;
    return finished;
  } finally {
    clearInterval(sweeper);
    clearTimeout(timer);
  }
}
