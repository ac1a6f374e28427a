import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: {
    alias: [{ find: /^@\//, replacement: `${path.join(here, 'src')}/` }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    env: { LOG_LEVEL: 'warn' },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
