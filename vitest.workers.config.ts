import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Worker tier: tests run inside workerd with the real bindings from wrangler.toml (KV and the
 * learner Durable Object in miniflare). test/setup/workers-global.ts starts PGlite behind the
 * Neon WebSocket relay — or uses TEST_DATABASE_URL — so the worker runs its production driver.
 */
/** This run's Redis keys for item statistics: other runs on the same Redis never see them. */
const ITEM_STATS_PREFIX = `test-${process.pid}-${Date.now().toString(36)}:`;

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => {
      const upstash = inject("upstash");
      return {
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            DATABASE_URL: inject("databaseUrl"),
            NEON_WS_PROXY: inject("wsProxy"),
            JWT_SECRET: "test-secret-that-is-at-least-32-characters-long",
            OPS_TOKEN: "test-operator-token",
            // test/worker/fuzz.test.ts: case count and seed (FUZZ_RUNS=100000 npm test for a longer hunt).
            FUZZ_RUNS: process.env.FUZZ_RUNS ?? "10000",
            FUZZ_SEED: process.env.FUZZ_SEED ?? "20261202",
            ...(upstash ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token, ITEM_STATS_KEY_PREFIX: ITEM_STATS_PREFIX, ITEM_STATS_SEND_MS: "0" } : {}),
          },
        },
      };
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts"],
    globalSetup: ["test/setup/workers-global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
