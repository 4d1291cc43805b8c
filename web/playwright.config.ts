// Playwright for the web app (docs/web.md): Debian's Chromium (nothing downloads a browser), against
// the server web/test-e2e starts (PM_WEB_BASE_URL).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests",
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.PM_WEB_BASE_URL ?? "http://127.0.0.1:8080",
    // Dates and times in the words the tests expect, whatever the machine's locale.
    locale: "en-US",
    timezoneId: "UTC",
    launchOptions: {
      executablePath: process.env.PM_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    screenshot: "only-on-failure",
    trace: "off",
  },
});
