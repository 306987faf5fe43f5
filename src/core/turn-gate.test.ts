import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { TurnGate } from './turn-gate.ts';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** 40 units of 3 ms each wait for their turn; a request is written to a connected socket meanwhile. */
async function unitsBeforeAnswer(wait: () => Promise<void>): Promise<number> {
  let done = 0;
  let doneAtAnswer = -1;
  const server = createServer((_req, res) => {
    doneAtAnswer = done;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  try {
    await new Promise<void>((r, reject) => socket.once('connect', r).once('error', reject));
    const answered = new Promise<void>((r) => socket.once('data', () => r()));
    const units = Array.from({ length: 40 }, async () => {
      await wait();
      busy(3);
      done++;
    });
    socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    await Promise.all([answered, ...units]);
    return doneAtAnswer;
  } finally {
    socket.destroy();
    server.close();
  }
}

test('a request waiting on a socket is answered between two units of work, not after all of them', async () => {
  const gate = new TurnGate();
  const withGate = await unitsBeforeAnswer(() => gate.turn());
  assert.ok(withGate <= 2, `answered after ${withGate} of 40 units`);
  // The same work released all in one turn (setImmediate each) holds the request until it is done.
  const without = await unitsBeforeAnswer(() => new Promise((r) => setImmediate(r)));
  assert.equal(without, 40);
});

test('every waiter gets its turn, in order', async () => {
  const gate = new TurnGate();
  const order: number[] = [];
  await Promise.all(Array.from({ length: 100 }, (_, i) => gate.turn().then(() => order.push(i))));
  assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i));
});

test('under a flood of requests, units go through less often but still go through', async () => {
  const gate = new TurnGate();
  let flooding = true;
  // ~20 requests per millisecond noted from a timer-driven "socket": far above the flood rate.
  const flood = setInterval(() => {
    if (flooding) for (let i = 0; i < 20; i++) gate.noteRequest();
  }, 1);
  try {
    let turnsSeen = 0;
    const counter = setInterval(() => turnsSeen++, 0);
    const start = performance.now();
    let units = 0;
    while (performance.now() - start < 300) {
      await gate.turn();
      units++;
    }
    clearInterval(counter);
    flooding = false;
    assert.ok(units > 10, `processing still progresses during a flood (${units} units)`);
    // After the flood the gate lets one unit through per turn again.
    await new Promise((r) => setTimeout(r, 300));
    const calm = performance.now();
    let calmUnits = 0;
    while (performance.now() - calm < 100) {
      await gate.turn();
      calmUnits++;
    }
    assert.ok(calmUnits > units / 3, `calm: ${calmUnits} units in 100 ms vs ${units} in 300 ms of flood`);
  } finally {
    clearInterval(flood);
  }
});
