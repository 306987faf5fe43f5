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
  assert.deepEqual(
    order,
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('under a flood of requests, units go through every third turn, and every turn again after it', async () => {
  const gate = new TurnGate();
  let flooding = true;
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    // 500 requests every loop turn, noted as sockets would: a flood however slow the machine is (a
    // turn would have to last 200 ms to fall under the flood rate; a 1 ms timer did, at load 20).
    if (flooding) for (let i = 0; i < 500; i++) gate.noteRequest();
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  /** Units let through per loop turn over `ms`. */
  const share = async (ms: number) => {
    const [turns0, start] = [turns, performance.now()];
    let units = 0;
    while (performance.now() - start < ms) {
      await gate.turn();
      units++;
    }
    return { units, ratio: units / (turns - turns0) };
  };
  try {
    await new Promise((r) => setTimeout(r, 150)); // the flood is measured over 100 ms windows
    const flooded = await share(200);
    assert.ok(flooded.units > 10, `processing still progresses during a flood (${flooded.units} units)`);
    assert.ok(flooded.ratio < 0.5, `during the flood ${flooded.ratio.toFixed(2)} units per turn`);
    flooding = false;
    await new Promise((r) => setTimeout(r, 300));
    const calm = await share(100);
    assert.ok(calm.ratio > 0.8, `after the flood ${calm.ratio.toFixed(2)} units per turn`);
  } finally {
    counting = false;
  }
});
