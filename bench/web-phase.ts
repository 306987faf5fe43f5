/**
 * `npm run bench -- --only web [--runs N]` (issue #15): bench/web-inbox.ts in a fresh child process
 * per run (its own Switchboard, seeded inbox and Chromium), then the medians of the figures it prints.
 * The web app is built once, before the first run; later runs measure the same dist/web.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAverage, machineInfo } from './machine.ts';
import { median } from './stats.ts';

type WebRun = {
  first_screen_js: { gzip_bytes: number };
  click_sign_in_to_first_row_ms: number;
  signed_in_to_first_row_ms: number;
  scroll: { fps: number; longest_frame_ms: number; frames_over_20ms: number };
  webhook_ack_to_shown_ms: number[];
  webhook_sent_to_shown_ms: number[];
};

const script = fileURLToPath(new URL('./web-inbox.ts', import.meta.url));
const resultsPath = fileURLToPath(new URL('../bench-web-results.json', import.meta.url));

export async function runWebPhase(runs: number, say: (line: string) => void): Promise<void> {
  const machine = machineInfo();
  say(`(web) ${runs} run(s) of bench/web-inbox.ts, load average ${machine.loadAverageAtStart.join(' ')}`);
  const results: WebRun[] = [];
  for (let i = 0; i < runs; i++) {
    const env = { ...process.env, ...(i > 0 ? { WEB_BENCH_NO_BUILD: '1' } : {}) };
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { env, encoding: 'utf8', timeout: 600_000 });
    if (child.status !== 0) throw new Error(`bench/web-inbox.ts failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
    const json = child.stdout.slice(child.stdout.indexOf('{'));
    const run = JSON.parse(json) as WebRun;
    results.push(run);
    say(
      `  run ${i + 1}: first row ${run.click_sign_in_to_first_row_ms} ms after the click (${run.signed_in_to_first_row_ms} after sign-in), ` +
        `scroll ${run.scroll.fps} fps (longest frame ${run.scroll.longest_frame_ms} ms), ack->shown ${run.webhook_ack_to_shown_ms.join('/')} ms, sent->shown ${run.webhook_sent_to_shown_ms.join('/')} ms`,
    );
  }
  const summary = {
    first_screen_js_gzip_bytes: results[0]?.first_screen_js.gzip_bytes,
    click_sign_in_to_first_row_ms: median(results.map((r) => r.click_sign_in_to_first_row_ms)),
    signed_in_to_first_row_ms: median(results.map((r) => r.signed_in_to_first_row_ms)),
    scroll_fps: median(results.map((r) => r.scroll.fps)),
    longest_frame_ms: median(results.map((r) => r.scroll.longest_frame_ms)),
    webhook_ack_to_shown_ms: median(results.flatMap((r) => r.webhook_ack_to_shown_ms)),
    webhook_ack_to_shown_max_ms: Math.max(...results.flatMap((r) => r.webhook_ack_to_shown_ms)),
    webhook_sent_to_shown_ms: median(results.flatMap((r) => r.webhook_sent_to_shown_ms)),
    webhook_sent_to_shown_max_ms: Math.max(...results.flatMap((r) => r.webhook_sent_to_shown_ms)),
  };
  say(`(web) medians over ${runs}: ${JSON.stringify(summary)}`);
  const out = { timestamp: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: loadAverage() }, summary, runs: results };
  writeFileSync(resultsPath, `${JSON.stringify(out, null, 2)}\n`);
  say(`Load average at end ${out.machine.loadAverageAtEnd.join(' ')}. Wrote ${resultsPath}`);
}
