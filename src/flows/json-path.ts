import { lookup } from './expression.ts';

/**
 * The small JSON path the HTTP block maps responses with: `$`, `$.a.b`, `$.items[0].name`,
 * `$['odd key']`. Reads own properties only (via lookup); anything else reads as undefined.
 */
export function readJsonPath(root: unknown, path: string): unknown {
  const segs = parseJsonPath(path);
  return segs === null ? undefined : lookup(root, segs);
}

export function parseJsonPath(path: string): string[] | null {
  if (!path.startsWith('$')) return null;
  const segs: string[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dot = /^\.([A-Za-z0-9_-]+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\['([^']*)'\]/.exec(rest);
    const m = dot ?? index ?? quoted;
    if (!m || m[1] === undefined) return null;
    segs.push(m[1]);
    i += m[0].length;
  }
  return segs;
}
