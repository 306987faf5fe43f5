import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { readTemplateFiles } from '../templates/seed-templates.ts';

/**
 * `npm run templates:seed -- [--url http://127.0.0.1:3000] [--token T] [--no-submit] [--dir D]`:
 * creates the example templates on a running Switchboard through its API and submits them.
 * Existing names are left alone (409 template_exists).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, token: { type: 'string' }, 'no-submit': { type: 'boolean' }, dir: { type: 'string' } } });
  const loaded = loadConfig();
  const token = values.token ?? (loaded.ok ? loaded.config.adminToken : undefined);
  const url = (values.url ?? `http://${loaded.ok ? loaded.config.host : '127.0.0.1'}:${loaded.ok ? loaded.config.port : 3000}`).replace(/\/+$/, '');
  if (!token) {
    process.stderr.write('error: pass --token (or set SWITCHBOARD_ADMIN_TOKEN)\n');
    process.exit(2);
  }
  const call = async (path: string, body: unknown) => {
    const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
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
    process.stdout.write(`${file}: ${submitted.status === 200 ? submitted.body.status : `${submitted.status} ${JSON.stringify(submitted.body.error)}`}\n`);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`templates:seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
