// npm run dev: the renderer from Vite's dev server (hot reload) inside Electron.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'vite';

const require = createRequire(import.meta.url);
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 5173, strictPort: false, host: '127.0.0.1' } });
await server.listen();
const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
const electron = spawn(require('electron'), ['.'], { stdio: 'inherit', env: { ...process.env, LANDSCAPE_LAB_DEV_SERVER: url } });
electron.on('exit', async (code) => {
  await server.close();
  process.exit(code ?? 0);
});
