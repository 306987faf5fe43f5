/**
 * Runs `run` every `intervalMs` without overlapping itself: a tick while the previous run is still
 * going is skipped. A failure goes to `onError` and the next tick tries again. `stop()` waits for
 * a run in progress, so a process stops with no half-done sweep. The timer never keeps the
 * process alive.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  private tick(): void {
    this.current ??= this.run()
      .catch(this.onError)
      .finally(() => {
        this.current = undefined;
      });
  }
}
