/**
 * "Continue as a demo learner": the web app's local sign-in. It mints an ordinary learner
 * token (src/auth/learner-token.ts) for a fresh demo learner, so the app can be tried with
 * nothing but `npm start`. It exists only where ENVIRONMENT is "local" (npm start, npm run
 * serve): anywhere else it answers 404 and mints nothing, because in staging and production
 * tokens come from the host's identity provider (README, "Signing in").
 *
 * The token travels only in this response's body (no-store) — never in a URL or a log.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { mintLearnerToken } from "../../../src/auth/learner-token";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/problem";
import { ProblemSchema } from "./schemas";

/** Long enough for a sitting, short enough that a forgotten tab's token soon stops working. */
export const DEMO_TOKEN_TTL_SECONDS = 12 * 3600;

const DemoSession = z
  .object({
    learnerId: z.string(),
    token: z.string().openapi({ description: "Learner bearer token (HS256 JWT, sub = learnerId)" }),
    expiresAt: z.number().openapi({ description: "ms since the epoch" }),
  })
  .openapi("DemoSession");

const route = createRoute({
  method: "post",
  path: "/v1/demo/session",
  summary: "Local only: a token for a fresh demo learner (404 outside the local environment)",
  responses: {
    201: { description: "A new demo learner and its token", content: { "application/json": { schema: DemoSession } } },
    404: { description: "Not available in this environment", content: { "application/problem+json": { schema: ProblemSchema } } },
  },
});

export function registerDemoRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const config = c.get("config");
    if (config.ENVIRONMENT !== "local") throw new ApiError("not_found", "demo sign-in exists only on the local stack (npm start)");
    const learnerId = `demo-${crypto.randomUUID().slice(0, 8)}`;
    const ttlSeconds = DEMO_TOKEN_TTL_SECONDS;
    const now = Date.now();
    const token = await mintLearnerToken(learnerId, config.JWT_SECRET, { ttlSeconds, now });
    c.header("cache-control", "no-store");
    return c.json({ learnerId, token, expiresAt: Math.floor(now / 1000) * 1000 + ttlSeconds * 1000 }, 201);
  });
}
