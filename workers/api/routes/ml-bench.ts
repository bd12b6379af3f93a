/**
 * Operator benchmark of the correctness model inside workerd (scripts/bench-ml.ts drives it).
 * `POST /v1/ops/bench/ml?candidates=500&reps=N&stage=features|model` builds the feature rows
 * of a fixed candidate set (src/core/bench-fixture.ts) `reps` times, and with stage=model also
 * runs them through the ONNX model. workerd's clock stands still while code runs, so costs are
 * measured from outside: (time with reps − time with none) / reps; the model's own cost is
 * the difference between the two stages. The first call in an isolate creates the session
 * (cold start = that call minus a warm one). Register after registerOpsRoutes so its
 * /v1/ops/* operator check covers this route.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { runMlBench } from "../../../src/ml/bench";
import { getCorrectnessPredictor, predictorMetrics } from "../../../src/ml/predictor";
import type { AppEnv } from "../lib/context";

const mlBenchRoute = createRoute({
  method: "post",
  path: "/v1/ops/bench/ml",
  summary: "Build features and run the correctness model repeatedly (operator benchmark)",
  security: [{ operatorToken: [] }],
  request: {
    query: z.object({
      candidates: z.coerce.number().int().min(1).max(5000).default(500),
      reps: z.coerce.number().int().min(0).max(10_000).default(100),
      stage: z.enum(["features", "model"]).default("model"),
    }),
  },
  responses: {
    200: {
      description: "Done",
      content: {
        "application/json": {
          schema: z.object({ candidates: z.number(), reps: z.number(), stage: z.string(), model: z.string(), ok: z.boolean(), checksum: z.number(), fallbacks: z.number() }),
        },
      },
    },
  },
});

export function registerMlBenchRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(mlBenchRoute, async (c) => {
    const { candidates, reps, stage } = c.req.valid("query");
    const predictor = await getCorrectnessPredictor(c.env as { CORRECTNESS_MODEL?: string });
    const checksum = await runMlBench(predictor, candidates, reps, stage);
    return c.json({ candidates, reps, stage, model: predictor.version, ok: predictor.ok, checksum, fallbacks: predictorMetrics().fallbacks }, 200);
  });
}
