import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../load-config.ts';
import { ADMIN_TOKEN_REFRESH_MS, replaceAdminToken } from '../auth/admin-token.ts';
import { openStorage } from '../storage/open-database.ts';

const USAGE = `Usage: npm run -s admin-token

Prints a new admin API token and revokes the old one. Run it on the machine that holds the data,
with the server's settings (DATA_DIR for SQLite, or DATABASE_URL for PostgreSQL); the server may
keep running: it accepts the new token, and refuses the old one, within a second.

The token goes to standard output alone (TOKEN=$(npm run -s admin-token) works); the rest to
standard error. Only its hash is stored: keep it somewhere safe.

Not available when SWITCHBOARD_ADMIN_TOKEN is set: that token is the admin token. Change the
setting and restart Switchboard instead.

Exit status: 0 printed, 1 refused or failed, 2 for bad options or settings.
`;

/** `npm run admin-token`: a new admin token for the data that DATA_DIR / DATABASE_URL name, revoking the old one. */
async function main(): Promise<void> {
  let help: boolean | undefined;
  try {
    help = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: false }).values.help;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`config: ${p}\n`);
    process.stderr.write('Fix the settings above (environment variables or switchboard.config.json) and run it again.\n');
    process.exit(2);
  }
  const config = loaded.config;
  if (config.adminToken !== undefined) {
    process.stderr.write(
      'SWITCHBOARD_ADMIN_TOKEN is set (in the environment or switchboard.config.json): that token is the admin token, and this command cannot replace it.\n' +
        'To change it, change the setting and restart Switchboard.\n',
    );
    process.exit(1);
  }
  // A wrong DATA_DIR would quietly create an empty database and a token that opens nothing.
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'switchboard.sqlite'))) {
    process.stderr.write(
      `No Switchboard database in ${config.dataDir}. Run this where DATA_DIR names the server's data folder (or set DATABASE_URL).\n`,
    );
    process.exit(1);
  }
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const token = await replaceAdminToken(storage.db);
    process.stdout.write(`${token}\n`);
    process.stderr.write(
      `New admin API token above (stored hashed, shown once). The previous one is revoked: a running server refuses it within ${ADMIN_TOKEN_REFRESH_MS / 1000} s.\n`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') process.stderr.write(`Cannot reach the database: ${e.message}. Check DATABASE_URL.\n`);
  else process.stderr.write(`admin-token failed: ${e.message ?? String(err)}\n`);
  process.exit(1);
});
