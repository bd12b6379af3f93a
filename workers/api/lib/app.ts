/**
 * The Hono application shell: request id, timing, configuration and services, body limit,
 * and the single error mapping. Routes are registered in ../index.ts.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import type { AppEnv } from "./context";
import { ConfigError, parseConfig } from "./env";
import { DependencyError, retryAfterFor } from "../../dependency";
import { isolateMetrics } from "../../metrics/client";
import { collectMetrics } from "./metrics";
import { allowedMethods, corsPolicy, securityHeaders } from "./http-policy";
import { limitByAddress } from "./rate-limit";
import { ApiError, ERROR_CODES, invalidParamsFromIssues, problemResponse } from "./problem";
import type { ErrorCode } from "./problem";
import { createServices } from "./services";
import { Timing } from "./timing";

/** Largest request body accepted anywhere (attempt payloads are a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Every zod validation failure becomes one 400 problem+json listing the bad fields.
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("invalid_request", "the request does not match the schema", {
          invalidParams: invalidParamsFromIssues(result.error.issues),
        });
      }
    },
  });

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const timing = new Timing();
    c.set("requestId", requestId);
    c.set("timing", timing);
    const config = parseConfig(c.env);
    c.set("config", config);
    const services = createServices(c.env, config, timing, (work) => c.executionCtx.waitUntil(work));
    c.set("services", services);
    try {
      await next();
    } finally {
      // The pools belong to this request; end them after the response is on its way (most
      // requests opened none: no background task to keep the request alive for).
      const closing = services.close();
      if (closing) c.executionCtx.waitUntil(closing);
    }
    // Straight onto the response's own headers: after the handler, Hono's `c.header` copies the
    // whole Response into a new one for every header it sets (two copies per request). Every
    // response here is built by this worker, so its headers are mutable.
    const headers = c.res.headers;
    headers.set("x-request-id", requestId);
    headers.set("server-timing", timing.header());
  });

  // Inside the shell (it needs `timing`), around everything else: errors included.
  app.use("*", collectMetrics);

  app.use("*", securityHeaders);
  // Preflights are answered before authentication (they carry no token by design).
  app.use("*", corsPolicy);
  // Before any work: a flood from one address is refused here.
  app.use("*", limitByAddress);

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  const allowed = allowedMethods(app);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const methods = allowed(path);
    if (methods.length > 0) {
      return problem(c, new ApiError("method_not_allowed", `${c.req.method} is not allowed on ${path}; use ${methods.join(", ")}`), { allow: methods.join(", ") });
    }
    return problem(c, new ApiError("not_found", `no route for ${c.req.method} ${path}`));
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return problem(c, err);
    // A dependency failing is an outage to wait out, not a bug (../../dependency.ts).
    if (err instanceof DependencyError) {
      return problem(c, new ApiError("unavailable", `${err.dependency} is temporarily unavailable; retry shortly`, { retryAfterSeconds: retryAfterFor(err.dependency) }));
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return problem(c, new ApiError("internal", "the server is misconfigured"));
    }
    // Hono's own HTTP errors (malformed JSON from the validator, a body that is not JSON) are
    // client errors, under the code of their own status where the API has one (415 stays 415).
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return problem(c, new ApiError(CLIENT_ERROR_CODES.get(status) ?? "invalid_request", err.message || "bad request"));
    }
    console.error(`[${c.get("requestId") ?? "-"}]`, err);
    return problem(c, new ApiError("internal", "an unexpected error occurred"));
  });

  return app;
}

/** The API's client-error codes by HTTP status (the first code of each status). */
const CLIENT_ERROR_CODES = new Map<number, ErrorCode>(
  (Object.entries(ERROR_CODES) as Array<[ErrorCode, { status: number }]>).filter(([, v]) => v.status >= 400 && v.status < 500).reverse().map(([code, v]) => [v.status, code]),
);

function problem(c: Context<AppEnv>, error: ApiError, extra: Record<string, string> = {}): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const timing = c.get("timing");
  const headers: Record<string, string> = { ...extra };
  if (timing) headers["server-timing"] = timing.header();
  if (error.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="learners"';
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (error.code === "internal") isolateMetrics.count(Date.now(), "internal_errors");
  return problemResponse(error, new URL(c.req.url).pathname, requestId, headers);
}
