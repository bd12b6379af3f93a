/**
 * Operator routes (/metrics, /v1/ops/*) need `Authorization: Bearer <OPS_TOKEN>`. When no
 * OPS_TOKEN is configured they do not exist (404): nothing operational is open by accident.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.get("config").OPS_TOKEN;
  if (!expected) throw new ApiError("not_found", "operator routes are disabled (no OPS_TOKEN configured)");
  const header = c.req.header("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  if (!token) throw new ApiError("unauthorized", "an operator bearer token is required");
  if (!(await sameSecret(token, expected))) throw new ApiError("forbidden", "the operator token is not valid");
  await next();
};

/** Constant-time comparison via HMAC digests (lengths may differ). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const [x, y] = await Promise.all([crypto.subtle.sign("HMAC", key, enc.encode(a)), crypto.subtle.sign("HMAC", key, enc.encode(b))]);
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= (u[i] ?? 0) ^ (v[i] ?? 0);
  return diff === 0;
}
