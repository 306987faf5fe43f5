import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker is plain CommonJS run from a string, so it needs no TypeScript loader.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next tick */ }
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); });
`;

/**
 * Moves SQLite's WAL checkpoints off the event loop. With the default auto-checkpoint, the commit
 * that crosses 1,000 WAL pages copies them into the database file (and syncs it) on the request's
 * thread; a passive checkpoint from a second connection in a worker thread never blocks writers.
 * The caller sets `wal_autocheckpoint = 0` on its own connection.
 *
 * Only the writer can restart the WAL, and only once every frame is checkpointed, which under
 * steady commits the worker never achieves (the WAL reached 1.2 GB in 20 s at 300 msg/s, every
 * page lookup scanning a longer WAL index). So past `restartBytes` the writer's own connection,
 * between transactions, checkpoints the few frames the worker has not yet copied; its next commit
 * then starts the WAL over, truncated to `restartBytes` (journal_size_limit).
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly restartTimer: NodeJS.Timeout;
  /** Checkpoints run on the writer's own connection (on the event loop): each should be rare. */
  writerCheckpoints = 0;

  constructor(file: string, writer: WriterConnection, everyMs = 200, restartBytes = 16 * 1024 * 1024) {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, modulePath, everyMs }, execArgv: [] });
    this.worker.unref();
    // A failing checkpointer only means a larger WAL; it must never take the process down.
    this.worker.on('error', (err) => process.stderr.write(`sqlite checkpointer: ${err.message}\n`));
    writer.pragma(`journal_size_limit = ${restartBytes}`);
    // Past the limit means strictly larger: once the WAL has started over, journal_size_limit leaves
    // the file at exactly restartBytes (a `>=` test then checkpointed on the event loop every 50 ms
    // for good). And only when the WAL grew since the last such checkpoint: a WAL with nothing new
    // has nothing more to copy (it starts over at the next commit), so an idle database costs nothing.
    let lastCheckpointAt = -1;
    this.restartTimer = setInterval(() => {
      if (writer.inTransaction) return;
      const size = walBytes(file);
      if (size <= restartBytes || size === lastCheckpointAt) return;
      try {
        writer.pragma('wal_checkpoint(PASSIVE)'); // never waits: busy means next tick
        this.writerCheckpoints++;
        lastCheckpointAt = size;
      } catch {
        /* closing */
      }
    }, RESTART_CHECK_MS);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.restartTimer);
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    await this.worker.terminate();
  }
}

// A stat() per check: cheap enough to look often, so the WAL overshoots the limit by little.
const RESTART_CHECK_MS = 50;

/** The part of the writer's better-sqlite3 handle the restart step uses. */
export interface WriterConnection {
  readonly inTransaction: boolean;
  pragma(source: string): unknown;
}

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
