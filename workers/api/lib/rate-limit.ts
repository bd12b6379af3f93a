/**
 * Abuse limits on every route: per client address before anything else runs, and per learner
 * once their token is verified (so nobody can spend a learner's allowance by sending requests
 * with that learner's id but no valid token). Over the limit: 429 problem+json with
 * Retry-After, counted as `rate_limited` in /metrics.
 *
 * Counting is Workers Rate Limiting (`[[ratelimits]]` bindings LIMIT_ADDRESS and
 * LIMIT_LEARNER in wrangler.toml), not Redis: the binding adds no network round trip and no
 * per-request Redis command (at the plan's 50,000 requests/s a Redis limiter would cost more
 * than everything else on Redis together), it runs the same in workerd locally (Miniflare
 * implements it) and in production, and its counts are per Cloudflare location, which is the
 * right granularity against floods from one client. It is deliberately permissive
 * (eventually consistent): a limit against abuse, not a quota.
 *
 * @example
 * app.use("*", limitByAddress);                        // first, for every route
 * app.use("/v1/learners/:id/*", requireLearner, limitByLearner);
 */
import type { Context, MiddlewareHandler } from "hono";
import { isolateMetrics } from "../../metrics/client";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

/** The periods of the LIMIT_* bindings (wrangler.toml), sent as Retry-After. */
export const LIMIT_PERIOD_SECONDS = 60;

async function enforce(c: Context<AppEnv>, limiter: RateLimit | undefined, key: string, what: string): Promise<void> {
  if (c.get("config").RATE_LIMITS !== "enforce" || !limiter) return;
  const { success } = await limiter.limit({ key });
  if (success) return;
  isolateMetrics.count(Date.now(), "rate_limited");
  throw new ApiError("rate_limited", `too many requests from this ${what}; slow down`, { retryAfterSeconds: LIMIT_PERIOD_SECONDS });
}

/** The client's address as Cloudflare saw it (locally: one shared "local" bucket). */
export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "local";
}

export const limitByAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
  await enforce(c, c.env.LIMIT_ADDRESS, `address:${clientAddress(c)}`, "address");
  await next();
};

/** After requireLearner: the path's learner is the token's. */
export const limitByLearner: MiddlewareHandler<AppEnv> = async (c, next) => {
  await enforce(c, c.env.LIMIT_LEARNER, `learner:${c.req.param("id") ?? ""}`, "learner");
  await next();
};
