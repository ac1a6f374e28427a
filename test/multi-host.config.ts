import { defineConfig } from '@playwright/test';

/**
 * The multi-host end-to-end test (test/multi-host): a server host and participant hosts in Linux
 * network namespaces, each running the product's own commands. It starts its services itself
 * (there is no webServer here: they run inside namespaces), so it has a config of its own and
 * runs after the single-host suite. Skipped, with the reason printed, when not root.
 */
export default defineConfig({
  testDir: './multi-host',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 420_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json']],
  outputDir: './.cache/multi-host-results',
});
