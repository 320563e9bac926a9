import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The operator dashboard: a static page built into ../web (served by the local runtime under `/`).
// Relative asset paths, so the same build also works behind any prefix when deployed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: fileURLToPath(new URL('../web', import.meta.url)), emptyOutDir: true, target: 'es2022' },
});
