/**
 * Runs a pass of an outbox's work (due mails, due logouts) every `pollMs`, and at once after kick():
 * one pass at a time; a kick during a pass runs another right after it. A pass that throws is handed
 * to `onError` and the loop goes on. The timer never keeps the process alive.
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private kicked = false;
  /** True while stop() waits for the pass under way: a pass should leave its remaining items for later. */
  stopping = false;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops polling; the pass under way finishes (it sees `stopping`). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.stopping = false;
  }

  /** Runs a pass soon (after new work was queued). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.kicked = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) await this.running;
    this.running = this.pass().then(() => undefined, this.onError);
    await this.running;
    this.running = undefined;
    const again = this.kicked;
    this.kicked = false;
    if (!this.stopped) this.schedule(again ? 0 : this.pollMs);
  }
}

/** Seconds to wait before attempt n+1 of a delivery that failed: 30 s, 1 min, 2 min … capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}
