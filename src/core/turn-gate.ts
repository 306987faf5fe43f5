import { performance } from 'node:perf_hooks';

/**
 * Background work (jobs, ingest batches) takes turns with I/O: each call to `turn()` resolves in a
 * later turn of the event loop, and only one waiter is let through per turn, so the requests that
 * arrived meanwhile (Meta's webhooks, whose 200 must not wait) are read and answered between any
 * two units of processing. Without it, every job that became ready in one turn would run back to
 * back before the loop polled the sockets again. When nothing else is waiting the loop spins
 * through turns quickly, so processing alone is not slowed. Under a flood of requests (faster than
 * FLOOD_PER_SECOND) a unit goes through only every few turns: the flood is stored and acknowledged
 * first, and processed as it eases (the backlog is durable; `GET /health/ready` reports it).
 */
// Requests per second above which acknowledgements count as a flood: well above the webhooks a
// number at Meta's default tier can cause (80 msg/s, each with its statuses) ...
const FLOOD_PER_SECOND = 2_500;
const WINDOW_MS = 100;
// ... and then one unit of processing runs per this many turns.
const FLOOD_TURNS_PER_UNIT = 3;

export class TurnGate {
  private waiting: Array<() => void> = [];
  private scheduled = false;
  private requests = 0;
  private lastTurnRequests = 0;
  private turnsSkipped = 0;
  private windowStart = 0;
  private windowRequests = 0;
  private flood = false;

  /** Resolves when it is this caller's turn. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** The acknowledgement path calls this per request, so processing can size its units. */
  noteRequest(): void {
    this.requests++;
    this.windowRequests++;
    const now = performance.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.flood = (this.windowRequests * 1000) / (now - this.windowStart) > FLOOD_PER_SECOND;
      this.windowStart = now;
      this.windowRequests = 0;
    }
  }

  /** True while requests arrive faster than a flood's rate (refreshed as they arrive). */
  private flooded(): boolean {
    if (this.flood && performance.now() - this.windowStart > 2 * WINDOW_MS) this.flood = false; // it stopped
    return this.flood;
  }

  /** Requests seen in the turn before the latest release: high means acknowledgements are under load. */
  get recentRequests(): number {
    return this.lastTurnRequests;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    this.lastTurnRequests = this.requests;
    this.requests = 0;
    if (this.flooded() && ++this.turnsSkipped < FLOOD_TURNS_PER_UNIT) return this.schedule();
    this.turnsSkipped = 0;
    this.waiting.shift()?.();
    if (this.waiting.length > 0) this.schedule();
  }
}
