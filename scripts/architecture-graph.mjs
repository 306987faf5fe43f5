// Writes the folder dependency graph of src/ into docs/architecture.md (between the graph markers),
// from dependency-cruiser's own analysis and the layers in scripts/dependency-layers.cjs.
// `--check` writes nothing and fails when the document is out of date or a module is in no layer.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { LAYERS } = createRequire(import.meta.url)('./dependency-layers.cjs');
const doc = join(root, 'docs', 'architecture.md');
const START = '<!-- graph:start (npm run architecture:graph) -->';
const END = '<!-- graph:end -->';

const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
const raw = execFileSync(process.execPath, [bin, 'src', '--include-only', '^src/', '--output-type', 'json'], {
  cwd: root,
  maxBuffer: 64 << 20,
  stdio: ['ignore', 'pipe', 'ignore'],
});
const modules = JSON.parse(raw.toString()).modules.filter((m) => m.source.startsWith('src/'));

const layerOf = (path) => LAYERS.findIndex((l) => new RegExp(l.path).test(path));
/** A module's node in the graph: its folder (channels/<adapter> for channels), a routes node for *-routes.ts. */
function nodeOf(path) {
  const parts = path.split('/');
  if (parts.length === 2) return parts[1].replace(/\.ts$/, '');
  const folder = parts[1] === 'channels' && parts.length > 3 ? `channels/${parts[2]}` : parts[1];
  // A routes file is its own node where its folder sits below the edges (conversations routes).
  return /-routes\.ts$/.test(path) && layerOf(path.replace(/-routes\.ts$/, '.ts')) < LAYERS.length - 1 ? `${folder} routes` : folder;
}

const unlayered = modules.map((m) => m.source).filter((p) => layerOf(p) < 0);
const nodeLayer = new Map();
const edges = new Set();
for (const m of modules) {
  const from = nodeOf(m.source);
  nodeLayer.set(from, Math.min(nodeLayer.get(from) ?? Infinity, layerOf(m.source)));
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith('src/')) continue;
    const to = nodeOf(d.resolved);
    if (to !== from) edges.add(`${from}\u0000${to}`);
  }
}

const id = (n) => n.replace(/[^a-zA-Z0-9]/g, '_');
const lines = ['```mermaid', 'flowchart BT'];
LAYERS.forEach((layer, i) => {
  const names = [...nodeLayer]
    .filter(([, l]) => l === i)
    .map(([n]) => n)
    .sort();
  lines.push(`  subgraph L${i}["${i + 1}. ${layer.name}"]`);
  for (const n of names) lines.push(`    ${id(n)}["${n}"]`);
  lines.push('  end');
});
for (const e of [...edges].sort()) {
  const [from, to] = e.split('\u0000');
  lines.push(`  ${id(from)} --> ${id(to)}`);
}
lines.push('```');
const table = ['| layer | folders and files | may import |', '|---|---|---|'];
LAYERS.forEach((layer, i) => {
  const names = [...nodeLayer]
    .filter(([, l]) => l === i)
    .map(([n]) => `\`${n}\``)
    .sort();
  table.push(
    `| ${i + 1}. ${layer.name} | ${names.join(', ')} | ${LAYERS.slice(0, i + 1)
      .map((l) => l.name)
      .join(', ')} |`,
  );
});
const generated = `${START}\n${table.join('\n')}\n\n${lines.join('\n')}\n\n${modules.length} modules, ${edges.size} arrows between folders.\n${END}`;

const text = readFileSync(doc, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < 0) throw new Error(`docs/architecture.md lacks the graph markers`);
const next = text.slice(0, a) + generated + text.slice(b + END.length);
if (process.argv.includes('--check')) {
  const problems = [];
  if (unlayered.length) problems.push(`modules in no layer (add them to scripts/dependency-layers.cjs): ${unlayered.join(', ')}`);
  if (next !== text) problems.push('docs/architecture.md is out of date: run `npm run architecture:graph` and commit it');
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
} else {
  writeFileSync(doc, next);
  if (unlayered.length) console.error(`modules in no layer: ${unlayered.join(', ')}`);
}
