import { defineConfig } from 'vite';

// The app's hidden compute window (main/engine/gpu/page/): built into dist/compute, loaded by Electron
// from disk. A page of its own, without the renderer's Svelte: it only serves the gpu kernel to main.
export default defineConfig({
  root: 'main/engine/gpu/page',
  base: './',
  logLevel: 'warn',
  build: {
    outDir: '../../../../dist/compute',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: 'main/engine/gpu/page/compute.html' },
  },
});
