import { randomBytes } from 'node:crypto';

let counter = 0;

// One randomBytes call per 4 KiB of ids instead of one per id (ids are minted per message).
let pool = Buffer.alloc(0);
let poolOffset = 0;
function random(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/**
 * Message ids look like Meta's (`wamid.` + base64 of a binary blob holding the wa_id and a hex id).
 * A process-wide counter in the blob makes them unique even if randomness repeats.
 */
export function newWamid(waId: string): string {
  counter = (counter + 1) >>> 0;
  const hex = (counter.toString(16).padStart(8, '0') + random(6).toString('hex')).toUpperCase();
  const blob = Buffer.concat([
    // Real ids decode to 1c 18 <len> <wa_id> 15 02 00 12 18 14 <20 hex chars> 00 ("HBgL..." in base64).
    Buffer.from([0x1c, 0x18, waId.length & 0xff]),
    Buffer.from(waId, 'ascii'),
    Buffer.from([0x15, 0x02, 0x00, 0x12, 0x18, 0x14]),
    Buffer.from(hex, 'ascii'),
    Buffer.from([0x00]),
  ]);
  return `wamid.${blob.toString('base64')}`;
}

let numericCounter = 0;

/**
 * Numeric ids (media, templates) as strings, 16 digits, below 2^53 so the template webhooks can
 * carry them as JSON numbers the way Meta does without losing precision.
 */
export function newNumericId(): string {
  numericCounter += 1;
  const base = 1_000_000_000_000_000 + Math.floor(Math.random() * 4_000_000_000_000_000);
  const id = base - (base % 1_000_000) + (numericCounter % 1_000_000);
  return String(id);
}

/** Graph's fbtrace_id: an opaque base64-ish token, different per response. */
export function newFbtraceId(): string {
  return `A${random(16).toString('base64').replace(/[+/=]/g, '').slice(0, 22)}`;
}

/** Legacy conversation ids are 32 lowercase hex chars. */
export function newConversationId(): string {
  return random(16).toString('hex');
}
