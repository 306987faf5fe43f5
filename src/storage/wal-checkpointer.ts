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
 */
export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(file: string, everyMs = 200) {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, modulePath, everyMs }, execArgv: [] });
    this.worker.unref();
    // A failing checkpointer only means a larger WAL; it must never take the process down.
    this.worker.on('error', (err) => process.stderr.write(`sqlite checkpointer: ${err.message}\n`));
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    await this.worker.terminate();
  }
}
