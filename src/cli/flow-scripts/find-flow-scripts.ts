import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The shipped example flows and their scripts. */
export const EXAMPLE_FLOWS_DIR = resolve(import.meta.dirname, '../../../examples/flows');

const SCRIPT = /\.test\.ya?ml$/i;

/**
 * Every `*.test.yaml` / `*.test.yml` script under the given files and folders (folders are
 * searched recursively, skipping node_modules and dot-folders), each once, sorted by path.
 * Missing paths are returned separately so the caller can say so.
 */
export function findFlowScripts(paths: readonly string[]): { files: string[]; missing: string[] } {
  const files = new Set<string>();
  const missing: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.isFile() && SCRIPT.test(entry.name)) files.add(full);
    }
  };
  for (const p of paths) {
    const full = resolve(p);
    if (!existsSync(full)) {
      missing.push(p);
      continue;
    }
    if (statSync(full).isDirectory()) walk(full, 0);
    else files.add(full);
  }
  return { files: [...files].sort(), missing };
}
