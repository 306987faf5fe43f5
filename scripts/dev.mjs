// `npm run dev`: the server from its TypeScript sources (tsx) and Vite's dev server for web/ with
// hot reload, which passes /api, /health and /docs to the server. Open the URL Vite prints.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 3000);
const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, PORT: String(port) },
});
process.env.SWITCHBOARD_URL ??= `http://127.0.0.1:${port}`;
const vite = await createServer({
  configFile: join(root, 'web', 'vite.config.ts'),
  server: { port: Number(process.env.WEB_DEV_PORT ?? 5173), host: process.env.HOST ?? '127.0.0.1' },
});
await vite.listen();
vite.printUrls();
console.log(`  (hot reload; the API is proxied to ${process.env.SWITCHBOARD_URL})`);

const stop = async () => {
  server.kill('SIGTERM');
  await vite.close();
};
server.on('exit', (code) => {
  void vite.close().then(() => process.exit(code ?? 0));
});
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
