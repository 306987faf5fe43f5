import { randomFillSync } from 'node:crypto';

let counter = 0;

// Random bits for ids, drawn 4 KiB at a time: one randomBytes(8) call per id was 1.6 % of the
// main thread per message (issue #16); the bytes come from the same CSPRNG.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex8(): string {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + 8);
  poolOffset += 8;
  return hex;
}

/**
 * Time-ordered, URL-safe ids with a prefix (`conv_`, `msg_`): sort by creation, readable in logs.
 * 48-bit millisecond time + a process-wide counter + 64 random bits. The counter never resets, so
 * ids made later in one millisecond sort later even when calls alternate between clocks (a test's
 * fake clock and the system clock); it wraps only every 1,679,616 ids.
 */
export function newId(prefix: string, now = Date.now()): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  return `${prefix}_${now.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomHex8()}`;
}
