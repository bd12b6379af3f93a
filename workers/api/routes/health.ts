import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness: the worker runs and its configuration parses",
  responses: {
    200: {
      description: "Alive",
      content: { "application/json": { schema: z.object({ status: z.literal("ok"), environment: z.string() }) } },
    },
  },
});

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const, environment: c.get("config").ENVIRONMENT }, 200));
}
