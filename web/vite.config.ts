import { defineConfig } from 'vite';

// The app is served by the Parley server itself from web/dist; in development `npx vite web`
// proxies the API to a server on port 7001.
const api = 'http://127.0.0.1:7001';
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 300 },
  server: {
    proxy: {
      '/api': api,
      '/v1': api,
      '/s/': api,
      '/ws': { target: api.replace('http', 'ws'), ws: true },
    },
  },
});
