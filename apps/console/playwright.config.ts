import { defineConfig, devices } from "@playwright/test";

import {
  E2E_BASE_URL,
  E2E_PAGE_SIZE,
  E2E_PORT,
  E2E_SEED,
  E2E_SEED_COUNT,
} from "./e2e/constants";

/**
 * End-to-end tests of the PRODUCTION build of the console, in Debian's chromium.
 *
 * Build first, then test — the web server below only serves what `next build` produced:
 *
 *   pnpm build && pnpm test:e2e        (in apps/console)
 *
 * e2e/serve.sh seeds a throwaway PGlite directory and runs `next start` on port 3100; it stops
 * (and deletes the directory) when the run ends. Traces of failed tests, screenshots and other
 * artefacts go to test-results/ (not committed).
 */
export default defineConfig({
  testDir: "./e2e",
  // Playwright empties it at start: parallel runs each name their own (E2E_OUTPUT_DIR).
  outputDir: process.env.E2E_OUTPUT_DIR ?? "./test-results",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"], ["github"]] : [["list"]],
  // Generous: the suite shares this machine's CPUs with builds and other suites.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  use: {
    baseURL: E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    navigationTimeout: 45_000,
    actionTimeout: 30_000,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1440, height: 900 },
        // Never `playwright install` here: use the distribution's chromium.
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    command: "bash e2e/serve.sh",
    // Public without a session; every console page redirects here until someone signs in.
    url: `${E2E_BASE_URL}/login`,
    reuseExistingServer: false,
    // Seeding plus the first database open.
    timeout: 180_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: {
      E2E_PORT: String(E2E_PORT),
      E2E_SEED_COUNT: String(E2E_SEED_COUNT),
      E2E_SEED: String(E2E_SEED),
      CONSOLE_PAGE_SIZE: String(E2E_PAGE_SIZE),
      // Sign-in refuses requests from any other origin.
      BETTER_AUTH_URL: E2E_BASE_URL,
      // The product's default, stated so the throttling test does not depend on it changing.
      AUTH_SIGNIN_PER_MINUTE: "5",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
