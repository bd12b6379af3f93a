import { defineConfig } from "vitest/config";

/**
 * Browser tier: the web app in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the real `npm start` stack on its own port and data folder.
 * The timeouts only bound a hung browser or stack; no test asserts on elapsed time.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
