import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Worker tier: tests run inside workerd with the real bindings from wrangler.toml (KV and the
 * learner Durable Object in miniflare). test/setup/workers-global.ts starts PGlite behind the
 * Neon WebSocket relay — or uses TEST_DATABASE_URL — so the worker runs its production driver.
 *
 * Two projects, one runtime configuration each:
 *   - "model": the correctness model on, as deployed (the ONNX runtime in workerd and the
 *     learner flow that scores with it);
 *   - "workerd": everything else, with CORRECTNESS_MODEL=off. Each test file gets its own
 *     workerd, and vitest-pool-workers hands it onnxruntime's 14 MB `.wasm` as a JSON array of
 *     bytes: about 9 s per file that loads the model, most of this tier's time before. Nothing
 *     these files test depends on the model (the learner falls back to the knowledge model).
 */
/** This run's Redis keys for item statistics: other runs on the same Redis never see them. */
const ITEM_STATS_PREFIX = `test-${process.pid}-${Date.now().toString(36)}:`;
const MODEL_FILES = ["test/worker/ml.test.ts", "test/worker/learner.flow.test.ts"];

function workerProject(name: string, include: string[], exclude: string[], extraBindings: Record<string, string>) {
  return {
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
              ...extraBindings,
            },
          },
        };
      }),
    ],
    test: {
      name,
      include,
      exclude,
      // Dependencies pre-bundled into one module each: otherwise every file's workerd fetches
      // hundreds of them one by one through the pool's module fallback. Not hono: its subpath
      // helpers (hono/route) must share hono's own internal modules.
      deps: { optimizer: { ssr: { enabled: true, include: ["zod", "drizzle-orm", "drizzle-orm/neon-serverless", "drizzle-orm/pg-core", "@neondatabase/serverless", "ts-fsrs", "@upstash/redis/cloudflare", "onnxruntime-web/wasm"] } } },
      // The slowest tests take about 10 s here (ml's first session, the fuzz run, an outage);
      // a timeout far above 3× that, so a busy machine does not fail them.
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  };
}

export default defineConfig({
  test: {
    // Once for both projects: one database, relay and Upstash endpoint (provided to each).
    globalSetup: ["test/setup/workers-global.ts"],
    projects: [
      workerProject("model", MODEL_FILES, [], {}),
      workerProject("workerd", ["test/worker/**/*.test.ts"], MODEL_FILES, { CORRECTNESS_MODEL: "off" }),
    ],
  },
});
