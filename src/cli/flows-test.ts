import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../load-config.ts';
import { EXAMPLE_FLOWS_DIR, findFlowScripts } from './flow-scripts/find-flow-scripts.ts';
import { runScriptFile, type ScriptOutcome } from './flow-scripts/flow-script-runner.ts';

const HELP = `Usage: npm run flows:test -- [paths...]
       npx tsx src/cli/flows-test.ts [--quiet] [paths...]

Runs scripted flow conversations (*.test.yaml) against an in-process Switchboard on a temporary
SQLite database, the built-in WhatsApp simulator and a stub of the business API, and prints one
PASS / FAIL line per script (with the first mismatch, its step and line).

  paths      script files or folders (searched recursively for *.test.yaml / *.test.yml);
             default: examples/flows and FLOWS_DIR (./flows)
  --quiet    print only failures and the summary
  --help     this text

Exit status: 0 when every script passes, 1 when one fails, 2 when there is nothing to run.
The format is described in docs/flows.md ("Testing flows like code").
`;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags();
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const explicit = parsed.positionals.length > 0;
  const paths = explicit ? parsed.positionals : defaultPaths();
  const { files, missing } = findFlowScripts(paths);
  // A named path that is not there is a mistake; the default FLOWS_DIR simply may not exist.
  if (explicit) for (const m of missing) process.stderr.write(`error: ${m} does not exist\n`);
  if (files.length === 0) {
    process.stderr.write(`no *.test.yaml scripts under ${paths.join(', ')}\n`);
    return 2;
  }
  const outcomes: ScriptOutcome[] = [];
  for (const file of files) {
    for (const o of await runScriptFile(file)) {
      outcomes.push(o);
      if (!o.ok || !parsed.values.quiet) process.stdout.write(`${line(o)}\n`);
    }
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  process.stdout.write(`\n${outcomes.length - failed} passed, ${failed} failed (${outcomes.length} scripts in ${files.length} files)\n`);
  return failed > 0 || (explicit && missing.length > 0) ? 1 : 0;
}

function defaultPaths(): string[] {
  const loaded = loadConfig();
  const flowsDir = loaded.ok ? loaded.config.flows?.dir : undefined;
  return [EXAMPLE_FLOWS_DIR, ...(flowsDir ? [flowsDir] : [])];
}

/** `PASS  examples/flows/x.test.yaml › name  (1.2 s)` or `FAIL ... — step 4 (line 17): ...`. */
function line(o: ScriptOutcome): string {
  const where = `${relative(process.cwd(), o.file) || o.file} › ${o.name}`;
  const secs = `(${(o.durationMs / 1000).toFixed(1)} s)`;
  if (o.ok) return `PASS  ${where}  ${secs}`;
  const f = o.failure;
  const at = [
    f?.step !== null && f?.step !== undefined ? `step ${f.step}` : null,
    f?.line !== null && f?.line !== undefined ? `line ${f.line}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return `FAIL  ${where}  ${secs}\n      ${at ? `${at}: ` : ''}${f?.message ?? 'failed'}`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`flows:test crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

function parseFlags() {
  return parseArgs({ allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } } });
}
