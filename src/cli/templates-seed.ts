import { parseArgs } from 'node:util';
import { loadConfig } from '../load-config.ts';
import { readTemplateFiles } from '../templates/seed-templates.ts';

const USAGE = `Usage: npm run templates:seed -- [options]

Creates the example message templates (examples/templates/*.json) on a running Switchboard
through its API and submits them for review. Names it already has are left alone.

Options:
  --url URL      the Switchboard to seed (default http://HOST:PORT from the settings, else http://127.0.0.1:3000)
  --token T      an admin API token (default SWITCHBOARD_ADMIN_TOKEN)
  --dir D        a folder of template JSON files (default examples/templates)
  --no-submit    create drafts only; do not submit them
  -h, --help     show this help

Exit status: 0 when every template is there, 1 when one failed, 2 for bad options.
`;

/**
 * `npm run templates:seed -- [--url http://127.0.0.1:3000] [--token T] [--no-submit] [--dir D]`:
 * creates the example templates on a running Switchboard through its API and submits them.
 * Existing names are left alone (409 template_exists).
 */
async function main(): Promise<void> {
  let values: { url?: string; token?: string; 'no-submit'?: boolean; dir?: string; help?: boolean };
  try {
    values = parseArgs({
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        'no-submit': { type: 'boolean' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const loaded = loadConfig();
  const token = values.token ?? (loaded.ok ? loaded.config.adminToken : undefined);
  const url = (values.url ?? `http://${loaded.ok ? loaded.config.host : '127.0.0.1'}:${loaded.ok ? loaded.config.port : 3000}`).replace(
    /\/+$/,
    '',
  );
  if (!token) {
    process.stderr.write('error: pass --token (or set SWITCHBOARD_ADMIN_TOKEN)\n');
    process.exit(2);
  }
  const call = async (path: string, body: unknown) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // The API's answer: {id, status} or {error: {code, message}}.
    return { status: res.status, body: (await res.json()) as { id?: string; status?: string; error?: unknown } };
  };
  let failed = false;
  for (const { file, doc } of readTemplateFiles(values.dir)) {
    const created = await call('/api/v1/templates', doc);
    if (created.status === 409) {
      process.stdout.write(`${file}: already there\n`);
      continue;
    }
    if (created.status !== 201) {
      failed = true;
      process.stdout.write(`${file}: ${created.status} ${JSON.stringify(created.body.error)}\n`);
      continue;
    }
    if (values['no-submit']) {
      process.stdout.write(`${file}: draft ${created.body.id}\n`);
      continue;
    }
    const submitted = await call(`/api/v1/templates/${created.body.id}/submit`, {});
    failed ||= submitted.status !== 200;
    process.stdout.write(
      `${file}: ${submitted.status === 200 ? submitted.body.status : `${submitted.status} ${JSON.stringify(submitted.body.error)}`}\n`,
    );
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`templates:seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
