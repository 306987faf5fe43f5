import { performance } from 'node:perf_hooks';

interface Task {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface ScheduledTask {
  cancel(): void;
  readonly due: number;
}

/**
 * Runs delayed work (status callbacks, webhook retries, batch flushes, template reviews) on
 * *virtual* time = monotonic real time + every `advance(ms)`. `advance` is what makes the
 * simulator's clock compressible: skipping 24 h fires everything that was due within those 24 h
 * at once, so a retry scheduled in an hour happens when a test advances an hour, without sleeping.
 * One min-heap and one Node timer keep this cheap at thousands of tasks per second.
 */
export class Scheduler {
  private heap: Task[] = [];
  private seq = 0;
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;
  /**
   * When the armed timer fires, in *real* time (performance.now()). Kept in real time, not
   * virtual: advance() moves every task's real due time earlier, so a timer armed before an
   * advance may fire long after a task scheduled since (a 25 s typing timeout would hold back a
   * status due in 10 ms). Comparing real times re-arms it.
   */
  private timerAt = Infinity;
  private closed = false;
  private running = false;

  now(): number {
    return performance.now() + this.skipped;
  }

  /** Tasks not yet run (cancelled ones excluded lazily). */
  get pending(): number {
    let n = 0;
    for (const t of this.heap) if (!t.cancelled) n += 1;
    return n;
  }

  schedule(delayMs: number, fn: () => void): ScheduledTask {
    const task: Task = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    if (this.closed) {
      task.cancelled = true;
      return { cancel() {}, due: task.due };
    }
    this.pushTask(task);
    this.arm();
    return {
      cancel: () => {
        task.cancelled = true;
      },
      due: task.due,
    };
  }

  advance(ms: number): void {
    if (ms <= 0) return;
    this.skipped += ms;
    this.runDue();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.heap) t.cancelled = true;
    this.heap = [];
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top || this.closed) return;
    const at = top.due - this.skipped;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.runDue();
      },
      Math.max(0, Math.ceil(at - performance.now())),
    );
    // The HTTP server keeps the process alive while the simulator runs; timers must not.
    this.timer.unref();
  }

  private runDue(): void {
    if (this.running) return; // re-entrant advance() from a task: the loop below picks new work up
    this.running = true;
    try {
      for (;;) {
        const top = this.heap[0];
        if (!top || top.due > this.now() || this.closed) break;
        this.popTask();
        if (top.cancelled) continue;
        try {
          top.fn();
        } catch {
          // A failing task must not stop the others; tasks report their own errors.
        }
      }
    } finally {
      this.running = false;
    }
    this.arm();
  }

  private pushTask(t: Task): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(t, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = t;
  }

  private popTask(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best: Task = last;
      const lt = h[l];
      const rt = h[r];
      if (lt && before(lt, best)) {
        m = l;
        best = lt;
      }
      if (rt && before(rt, best)) {
        m = r;
        best = rt;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
  }
}

function before(a: Task, b: Task): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
