import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Switchboard's version: package.json's, found from this file upward (sources and a build alike). */
export function systemVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchboard' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    }
    if (dirname(dir) === dir) break;
  }
  return cached;
}
