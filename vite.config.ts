import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The renderer bundle: the same files load in the Electron window and in a browser (web mode).
export default defineConfig({
  root: 'src-renderer',
  base: './',
  // The favicon (drawn by scripts/make-icon.mjs) is copied as is to the bundle's root.
  publicDir: '../resources/icons',
  plugins: [svelte()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});
