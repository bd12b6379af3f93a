import { defineConfig } from "vitest/config";

/**
 * Node tier: the pure core, the content tools, the local stack and the database layer.
 * Worker tests (inside workerd) have their own config: vitest.workers.config.ts.
 */
export default defineConfig({
  test: {
    include: ["test/core/**/*.test.ts", "test/content/**/*.test.ts", "test/db/**/*.test.ts", "test/local/**/*.test.ts", "test/scripts/**/*.test.ts", "test/eval/**/*.test.ts", "test/ml/**/*.test.ts", "test/ops/**/*.test.ts", "test/arch/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
