/**
 * Only the learner reaches their own state. Learner routes require `Authorization: Bearer
 * <jwt>` signed with JWT_SECRET whose subject is the learner in the path: no token or a bad
 * one → 401, another learner's token → 403. Neither reaches the Durable Object.
 *
 * Verified tokens are remembered per isolate (src/auth/token-cache.ts: per secret, never past
 * `exp`, at most five minutes, 20,000 tokens ≈ 5 MB): the HMAC check runs once per token and
 * isolate, not once per request.
 *
 * @example
 * app.use("/v1/learners/:id/*", requireLearner);
 */
import type { MiddlewareHandler } from "hono";
import { verifyLearnerToken } from "../../../src/auth/learner-token";
import { VerifiedTokenCache } from "../../../src/auth/token-cache";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

/** Per isolate by design: it holds verdicts, not a client bound to the environment. */
export const verifiedTokens = new VerifiedTokenCache({ maxEntries: 20_000, maxAgeMs: 5 * 60_000, verify: verifyLearnerToken });

export const requireLearner: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null;
  if (!match?.[1]) throw new ApiError("unauthorized", "a learner bearer token is required (Authorization: Bearer <token>)");
  const check = await verifiedTokens.verify(match[1], c.get("config").JWT_SECRET);
  if (!check.ok) throw new ApiError("unauthorized", `the bearer token is not valid: ${check.reason}`);
  const learnerId = c.req.param("id");
  if (check.learnerId !== learnerId) throw new ApiError("forbidden", "this token belongs to another learner");
  await next();
};
