import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiUnreachable, type ApiTarget, callApi, errorLine } from './broadcast-api.ts';
import { paramList } from './broadcast-params.ts';
import { type BroadcastState, followBroadcast, summaryLine } from './broadcast-progress.ts';

const USAGE = `Usage:
  npm run broadcast -- send --template <name> --csv <file> [--number <id>] [options]
  npm run broadcast -- send --text "Hola {{1}}" --csv <file> --number <bot channel id> [options]
  npm run broadcast -- start <broadcast id> [--schedule <time> --time-zone <zone>]
  npm run broadcast -- status <broadcast id> [--once]

Sends an approved template (WhatsApp) or a text (a Telegram bot) to the customers of a CSV file
through a running Switchboard, and follows it with a live progress bar (sent / delivered / read /
failed, rate, ETA).

send:
  --template <name>          the template's name (or id, tpl_...); a WhatsApp number: required
  --text <message>           a Telegram bot: the message, {{1}}... (or {{name}}) filled per customer
                             like a template's variables; give --template or --text, not both
  --csv <file>               phone column (E.164, or national numbers with --default-country) or,
                             for a bot, a telegram_chat_id (or chat_id) column, then one column per
                             variable; attributes.<key> columns set contact attributes; required
  --number <id>              the number's (or bot's, tg_<bot id>) channel id (default: the first
                             configured)
  --language <code>          the template's language, e.g. es_MX (when the name has several)
  --param <value>            a template variable, in order (repeat): column:<csv column>,
                             contact:<field>[=<fallback>], text:<value>, or <name>=<...> for named
                             variables. Default: the CSV's variable columns in file order
  --header-param <value>     a header variable, same forms
  --default-country <CC>     ISO country for numbers without +country code (e.g. MX)
  --name <name>              the broadcast's name (default: the file name and the time)
  --rate <n>                 messages per second, 1 to 1000 (default 80; the number's limit caps it)
  --override-opt-in <why>    UTILITY templates: also send to contacts with no recorded opt-in
  --test-to <+E.164|ct_...>  send the message to this number (or contact: a bot's test goes to a
                             contact who wrote to it) first, with the first recipient's parameters,
                             and stop: the draft is kept; start it with \`start <id>\`
  --schedule <time>          start later: ISO time with offset, or a local time with --time-zone
  --time-zone <zone>         IANA time zone for --schedule, e.g. America/Mexico_City
  --no-wait                  start and return, without following the progress

status:
  --once                     print the state once instead of following it until it ends

Everywhere:
  --url <url>                Switchboard's address (default SWITCHBOARD_URL, else http://127.0.0.1:3000)
  --token <token>            an admin token, or an API token with the admin scope (default SWITCHBOARD_TOKEN)
  --interval <ms>            how often the progress is read (default 1000)

Exit status: 0 done (completed, scheduled, test sent, or started with --no-wait); 1 refused by
Switchboard (validation errors, listed) or the broadcast ended failed or cancelled; 2 bad options;
3 Switchboard unreachable or the token refused.
`;

class UsageError extends Error {}
class Refused extends Error {}

const OPTIONS = {
  template: { type: 'string' },
  text: { type: 'string' },
  csv: { type: 'string' },
  number: { type: 'string' },
  language: { type: 'string' },
  param: { type: 'string', multiple: true },
  'header-param': { type: 'string', multiple: true },
  'default-country': { type: 'string' },
  name: { type: 'string' },
  rate: { type: 'string' },
  'override-opt-in': { type: 'string' },
  'test-to': { type: 'string' },
  schedule: { type: 'string' },
  'time-zone': { type: 'string' },
  'no-wait': { type: 'boolean' },
  once: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  interval: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** `npm run broadcast -- send|start|status ...` against a running Switchboard's API. */
async function main(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const target = targetOf(values);
  const intervalMs = intOption(values.interval, 'interval', 50, 60_000) ?? 1000;
  switch (command) {
    case 'send':
      if (rest.length > 0) throw new UsageError(`send takes no positional arguments (got "${rest.join(' ')}").`);
      return send(target, values, intervalMs);
    case 'start':
      return start(target, idArg(rest, 'start'), values, intervalMs);
    case 'status':
      return status(target, idArg(rest, 'status'), values, intervalMs);
    case undefined:
      throw new UsageError('Name a command: send, start or status.');
    default:
      throw new UsageError(`Unknown command "${command}": use send, start or status.`);
  }
}

function targetOf(v: Values): ApiTarget {
  const url = v.url ?? process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000';
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL; give it like http://127.0.0.1:3000.`);
  }
  const token = v.token ?? process.env.SWITCHBOARD_TOKEN;
  if (!token)
    throw new UsageError('No token: give --token or set SWITCHBOARD_TOKEN (an admin token, or an API token with the admin scope).');
  return { url, token };
}

function idArg(rest: string[], command: string): string {
  if (rest.length !== 1 || !rest[0])
    throw new UsageError(`${command} takes one broadcast id, like: npm run broadcast -- ${command} bc_01JAB...`);
  return rest[0];
}

function intOption(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${v}").`);
  return n;
}

async function send(target: ApiTarget, v: Values, intervalMs: number): Promise<number> {
  if (v.template && v.text !== undefined) throw new UsageError('Give --template (a WhatsApp number) or --text (a Telegram bot), not both.');
  if (!v.template && v.text === undefined)
    throw new UsageError(
      '--template is required: the approved template to send (its name, or tpl_... id); or --text, the message a Telegram bot sends.',
    );
  if (v.text !== undefined && v.text.trim() === '') throw new UsageError('--text is empty: give the message to send.');
  if (v.text !== undefined && (v.language || v['override-opt-in']))
    throw new UsageError('--language and --override-opt-in are for templates; a text broadcast reaches only opted-in customers.');
  if (!v.csv) throw new UsageError('--csv is required: the file of customers (a phone column, then one column per variable).');
  if (v['time-zone'] && !v.schedule) throw new UsageError('--time-zone goes with --schedule.');
  const testTo = v['test-to'];
  if (testTo && !testTo.startsWith('+') && !testTo.startsWith('ct_'))
    throw new UsageError(
      `--test-to must be an E.164 number with its country code, like +5215512345678, or a contact id (ct_...) (got "${testTo}").`,
    );
  const rate = intOption(v.rate, 'rate', 1, 1000);
  let csv: Buffer;
  try {
    if (!statSync(v.csv).isFile()) throw new Error('not a file');
    csv = readFileSync(v.csv);
  } catch (e) {
    throw new UsageError(`--csv ${v.csv}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }

  // 1. The audience: the CSV, with its report of rejected rows.
  const query = new URLSearchParams({ name: v.name ?? basename(v.csv) });
  if (v['default-country']) query.set('default_country', v['default-country']);
  const imported = await callApi(target, 'POST', `/api/v1/audiences/import?${query}`, new Uint8Array(csv), 'text/csv');
  if (imported.status !== 201) throw new Refused(`The CSV was refused: ${errorLine(imported)}`);
  const { audience, report } = imported.body;
  err(`Imported ${report.imported} customers from ${v.csv} (audience ${audience.id}); ${report.rejected} rows left out.`);
  for (const r of report.rejected_rows.slice(0, 20)) err(`  line ${r.line}: ${r.reason}: ${r.message}${r.value ? ` (${r.value})` : ''}`);
  if (report.rejected > 20) err(`  ... and ${report.rejected - 20} more (GET /api/v1/audiences/${audience.id} lists the first 1,000).`);

  // 2. The draft.
  const columns: string[] = audience.columns ?? [];
  const body = v.param?.length ? paramList(v.param) : columns.map((column) => ({ column }));
  const parameters = {
    ...(Array.isArray(body) && body.length === 0 ? {} : { body }),
    ...(v['header-param']?.length ? { header: paramList(v['header-param']) } : {}),
  };
  const made = await callApi(target, 'POST', '/api/v1/broadcasts', {
    name: v.name ?? `${basename(v.csv)} ${new Date().toISOString().slice(0, 16)}`,
    ...(v.text !== undefined ? { text: v.text } : { template: v.template }),
    ...(v.language ? { language: v.language } : {}),
    ...(v.number ? { channel_id: v.number } : {}),
    audience_id: audience.id,
    parameters,
    ...(rate ? { rate_per_second: rate } : {}),
    ...(v['override-opt-in'] ? { override_opt_in: { reason: v['override-opt-in'] } } : {}),
  });
  if (made.status !== 201) throw new Refused(`The broadcast was refused: ${errorLine(made)}`);
  const id: string = made.body.id;
  err(`Draft broadcast ${id}.`);

  // 3. Every recipient checked before anything is sent.
  if (!(await validate(target, id))) return 1;

  // 4. A test send first, if asked: then stop, the draft kept.
  if (testTo) {
    const to = testTo.startsWith('+') ? { phone: testTo } : { contact_id: testTo };
    const t = await callApi(target, 'POST', `/api/v1/broadcasts/${id}/test-send`, to);
    if (t.status !== 202) throw new Refused(`The test send was refused: ${errorLine(t)}`);
    out(`Test sent to ${t.body.to} (message ${t.body.message_id}): "${t.body.rendered}"`);
    out(`Check it, then start the broadcast: npm run broadcast -- start ${id}`);
    return 0;
  }
  return start(target, id, v, intervalMs);
}

/** Validates and lists every error; false when the broadcast cannot start. */
async function validate(target: ApiTarget, id: string): Promise<boolean> {
  const checked = await callApi(target, 'POST', `/api/v1/broadcasts/${id}/validate`);
  if (checked.status !== 200) throw new Refused(`Validation was refused: ${errorLine(checked)}`);
  const c = checked.body;
  const ex = c.excluded;
  const offChannel = ex.not_on_channel ? `, ${ex.not_on_channel} never wrote to the bot` : '';
  err(
    `Checked: ${c.recipients} to send; excluded: ${ex.not_opted_in} not opted in, ${ex.opted_out} opted out, ${ex.blocked} blocked${offChannel}.`,
  );
  if (c.ok) return true;
  err(`Cannot start broadcast ${id}:`);
  if (c.template_status !== null && c.template_status !== 'APPROVED')
    err(`  the template is ${c.template_status}; only APPROVED templates can be sent.`);
  if (c.error_count > 0) {
    err(
      `  ${c.error_count} recipient${c.error_count === 1 ? '' : 's'} do not fit the ${c.template_status === null ? 'text' : 'template'}:`,
    );
    for (const e of c.errors) err(`  ${e.line !== null ? `line ${e.line}` : e.contact_id} (${e.address}): ${e.code}: ${e.message}`);
    if (c.error_count > c.errors.length) err(`  ... and ${c.error_count - c.errors.length} more.`);
  }
  err('Fix the CSV or the --param values and run it again (the draft is kept, unused).');
  return false;
}

async function start(target: ApiTarget, id: string, v: Values, intervalMs: number): Promise<number> {
  if (v['time-zone'] && !v.schedule) throw new UsageError('--time-zone goes with --schedule.');
  const at = v.schedule ? { at: v.schedule, ...(v['time-zone'] ? { time_zone: v['time-zone'] } : {}) } : {};
  const started = await callApi(target, 'POST', `/api/v1/broadcasts/${id}/start`, at);
  if (started.status !== 200) {
    const e = started.body?.error;
    err(`Cannot start broadcast ${id}: ${errorLine(started)}`);
    for (const x of e?.details?.errors ?? [])
      err(`  ${x.line !== null && x.line !== undefined ? `line ${x.line}` : x.contact_id} (${x.address}): ${x.code}: ${x.message}`);
    if (e?.code === 'invalid_schedule') err('Give --schedule as an ISO time with an offset, or a local time with --time-zone.');
    return 1;
  }
  const b = started.body as BroadcastState;
  if (b.state === 'scheduled') {
    out(`broadcast ${id} scheduled for ${b.scheduled_at}; follow it with: npm run broadcast -- status ${id}`);
    return 0;
  }
  err(`Started broadcast ${id}: ${b.counts.total} recipients at up to ${b.rate_per_second} msg/s.`);
  if (v['no-wait']) {
    out(`broadcast ${id} running; follow it with: npm run broadcast -- status ${id}`);
    return 0;
  }
  return finish(await followBroadcast(target, id, { intervalMs, stream: process.stderr, stopWhenPaused: false }));
}

async function status(target: ApiTarget, id: string, v: Values, intervalMs: number): Promise<number> {
  if (v.once) {
    const got = await callApi(target, 'GET', `/api/v1/broadcasts/${id}`);
    if (got.status !== 200) throw new Refused(errorLine(got));
    return finish(got.body as BroadcastState);
  }
  return finish(await followBroadcast(target, id, { intervalMs, stream: process.stderr, stopWhenPaused: true }));
}

function finish(b: BroadcastState): number {
  out(summaryLine(b));
  return b.state === 'failed' || b.state === 'cancelled' ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      err(`error: ${e.message}`);
      err('Run `npm run broadcast -- --help` for the options.');
      process.exit(2);
    }
    if (e instanceof ApiUnreachable) {
      err(`error: ${e.message}`);
      process.exit(3);
    }
    if (e instanceof Refused) {
      err(`error: ${e.message}`);
      process.exit(1);
    }
    err(`broadcast failed: ${(e as Error).message ?? String(e)}`);
    process.exit(1);
  },
);
