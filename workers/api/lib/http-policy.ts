/**
 * HTTP hygiene for every response: security headers, the CORS policy, and 405 with `Allow`
 * for a known path asked with the wrong method.
 *
 * CORS: the web app is served by this same worker (same origin), so by default no other
 * origin may call the API from a browser. Origins listed in CORS_ORIGINS (comma-separated,
 * exact `https://host[:port]`) may, with the bearer token in `Authorization` — never cookies,
 * so credentials mode stays off. A preflight (OPTIONS) is answered here, before any
 * authentication or rate limit: 204, with the CORS headers only for an allowed origin.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

/** Set on every response unless the route chose its own (the dashboard sets its CSP). */
const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  // API responses are data: nothing in them may run or be framed.
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

const SECURITY_HEADER_LIST = Object.entries(SECURITY_HEADERS);

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // One crossing into the runtime for the Headers object, not one per header (every request pays this).
  const headers = c.res.headers;
  for (const [name, value] of SECURITY_HEADER_LIST) if (!headers.has(name)) headers.set(name, value);
};

const EXPOSED_HEADERS = ["etag", "retry-after", "x-request-id", "x-cache", "server-timing"];
const EXPOSED = EXPOSED_HEADERS.join(",");

/**
 * Preflights (OPTIONS) are Hono's CORS middleware's. Every other request gets its headers
 * after the handler: `Access-Control-Allow-Origin` and `-Expose-Headers` for an allowed origin,
 * and `Vary: Origin` on every answer, so a shared cache keeps answers to different origins (or
 * none) apart. Why not Hono's for every request: it sets `Access-Control-Expose-Headers` before
 * the handler runs, which makes Hono create a placeholder response and copy it into the
 * handler's (a second Response and every header copied, on every request); measured at about a
 * sixth of a bare request's CPU in workerd.
 */
export const corsPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "OPTIONS") return honoCors(c, next);
  await next();
  const headers = c.res.headers;
  const origin = c.req.raw.headers.get("origin");
  if (origin && c.get("config").CORS_ORIGINS.includes(origin)) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-expose-headers", EXPOSED);
  }
  headers.append("vary", "Origin");
};

const honoCors: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c) => ((c.get("config") as AppEnv["Variables"]["config"]).CORS_ORIGINS.includes(origin) ? origin : null),
  allowMethods: ["GET", "POST", "PUT", "DELETE"],
  allowHeaders: ["authorization", "content-type", "if-none-match", "x-request-id"],
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: 600,
  credentials: false,
});

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods routed for `path` (HEAD with GET), from the app's own route table; empty when
 * no route has this path at all. Patterns are compiled once, on the first wrong method.
 */
export function allowedMethods(app: Hono<AppEnv>): (path: string) => string[] {
  let table: Array<{ method: string; pattern: RegExp }> | undefined;
  return (path) => {
    table ??= app.routes
      .filter((r) => (METHODS as readonly string[]).includes(r.method) && !r.path.includes("*"))
      .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z]+(?:\{[^}]*\})?/g, "[^/]+")}$`) }));
    const found = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (found.has("GET")) found.add("HEAD");
    return METHODS.filter((m) => found.has(m));
  };
}
