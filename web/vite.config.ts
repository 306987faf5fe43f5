import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` (scripts/dev.mjs): Vite serves web/ with hot reload and passes the server's paths
// to the Switchboard it started (SWITCHBOARD_URL). `npm run build` writes dist/web, which the server serves.
const server = process.env.SWITCHBOARD_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const proxied = { target: server, changeOrigin: false };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The CSP forbids inline scripts: every script is a file under /assets/.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': proxied, '/health': proxied, '/docs': proxied },
  },
});
