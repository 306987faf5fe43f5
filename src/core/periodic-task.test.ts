import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { PeriodicTask } from './periodic-task.ts';

test('a periodic task never overlaps itself, reports failures and stop() waits for the run in progress', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let runs = 0;
    let finish: (() => void) | undefined;
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      () => {
        runs++;
        if (runs === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      1000,
      (err) => errors.push(err),
    );
    task.start();
    mock.timers.tick(1000);
    mock.timers.tick(1000); // the first run is still going: skipped
    assert.equal(runs, 1);
    finish?.();
    await new Promise((r) => setImmediate(r));
    mock.timers.tick(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(runs, 2);
    assert.equal((errors[0] as Error).message, 'boom');
    mock.timers.tick(1000);
    assert.equal(runs, 3);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits for the run in progress');
    finish?.();
    await stopping;
    mock.timers.tick(5000);
    assert.equal(runs, 3, 'no run after stop');
  } finally {
    mock.timers.reset();
  }
});
