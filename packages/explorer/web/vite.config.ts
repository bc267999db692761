import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The explorer's web app. `infermesh explorer` builds it into dist/ when missing or stale
// (ensureWebBuild); `npx vite --config packages/explorer/web/vite.config.ts` serves it for development,
// with /api proxied to an explorer on :8080.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
