/**
 * Operator routes. `POST /v1/ops/bench/score` ranks a fixed 500-candidate set `reps` times
 * inside this isolate: workerd's clock stands still while code runs, so the cost of scoring is
 * measured from outside as (time with reps) − (time without), divided by reps
 * (scripts/bench.ts does that).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { benchFixture } from "../../../src/core/bench-fixture";
import { rankItems } from "../../../src/core/engine";
import { calling } from "../../dependency";
import type { AppEnv } from "../lib/context";
import { requireOperator } from "../lib/ops-auth";
import { publishContent } from "../../learner/content";
import { createItemStats } from "../../../src/stats/item-stats";
import { ApiError } from "../lib/problem";
import { readPublicItem } from "./content";
import { ItemIdParam, problemResponses } from "./schemas";

const benchRoute = createRoute({
  method: "post",
  path: "/v1/ops/bench/score",
  summary: "Score a fixed candidate set repeatedly (operator benchmark)",
  security: [{ operatorToken: [] }],
  request: {
    query: z.object({
      candidates: z.coerce.number().int().min(1).max(5000).default(500),
      reps: z.coerce.number().int().min(0).max(10_000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Done",
      content: { "application/json": { schema: z.object({ candidates: z.number(), reps: z.number(), checksum: z.number() }) } },
    },
  },
});

const publishRoute = createRoute({
  method: "post",
  path: "/v1/ops/content/publish",
  summary: "Copy the item bank from Postgres to KV (after an import)",
  security: [{ operatorToken: [] }],
  responses: {
    200: { description: "Published", content: { "application/json": { schema: z.object({ skills: z.number(), items: z.number() }) } } },
  },
});

const statsRoute = createRoute({
  method: "get",
  path: "/v1/ops/items/{id}/stats",
  summary: "Global statistics of one item (attempts, correct, mean residual against the model)",
  security: [{ operatorToken: [] }],
  request: { params: z.object({ id: ItemIdParam }) },
  responses: {
    200: {
      description: "Statistics (all zero when Redis is not configured: `enabled` says which)",
      content: {
        "application/json": {
          schema: z.object({ enabled: z.boolean(), itemId: z.string(), attempts: z.number(), correct: z.number(), meanResidual: z.number().nullable() }),
        },
      },
    },
    404: problemResponses[404],
  },
});

export function registerOpsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", { type: "http", scheme: "bearer" });
  app.use("/v1/ops/*", requireOperator);
  app.openapi(benchRoute, (c) => {
    const { candidates, reps } = c.req.valid("query");
    const f = benchFixture(candidates);
    let checksum = 0;
    for (let r = 0; r < reps; r++) {
      const { ranked } = rankItems(f.view, f.curriculum, f.items, "practice", f.now + r);
      checksum += ranked[0]?.score ?? 0;
    }
    return c.json({ candidates, reps, checksum }, 200);
  });
  app.openapi(statsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const services = c.get("services");
    const { config } = services;
    // An id the bank does not hold is a 404, not a row of zeros that reads like an unanswered item.
    if ((await readPublicItem(services, id)).entry.body === null) throw new ApiError("not_found", `item ${id} does not exist`);
    const stats = createItemStats({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, prefix: config.ITEM_STATS_KEY_PREFIX });
    const [stat] = await c.get("timing").measure("redis", () => calling("redis", () => stats.read([id])));
    return c.json({ enabled: stats.enabled, itemId: id, attempts: stat?.attempts ?? 0, correct: stat?.correct ?? 0, meanResidual: stat?.meanResidual ?? null }, 200);
  });
  app.openapi(publishRoute, async (c) => {
    const services = c.get("services");
    // The primary, not a replica: publishing right after an import must see it.
    const counts = await c.get("timing").measure("db", () => publishContent(c.env.CONTENT, services.db(), services.config.CONTENT_CACHE_TTL_SECONDS));
    return c.json(counts, 200);
  });
}
