import { randomBytes } from 'node:crypto';

let last = 0;
let counter = 0;

/**
 * Time-ordered, URL-safe ids with a prefix (`conv_`, `msg_`): sort by creation, readable in logs.
 * 48-bit millisecond time + a per-ms counter + 64 random bits.
 */
export function newId(prefix: string, now = Date.now()): string {
  if (now === last) counter++;
  else {
    last = now;
    counter = 0;
  }
  return `${prefix}_${now.toString(36).padStart(9, '0')}${counter.toString(36).padStart(3, '0')}${randomBytes(8).toString('hex')}`;
}
