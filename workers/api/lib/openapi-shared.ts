/**
 * The answers every operation can give because of the shared middleware, not its handler:
 * 429 (rate limits, on every route), 413 (the body limit, on every operation that takes a
 * body), 415 (a body that is not JSON, on every operation that declares one), 401 and 403
 * (bearer checks, on every secured operation), 500 (a bug) and 503 (a dependency down).
 * Routes document what their handler answers; this adds the rest where a route did not say it
 * itself, so /openapi.json describes every response a client can see (the fuzz run checks
 * each one against it: test/worker/fuzz.test.ts).
 */
import { MAX_BODY_BYTES } from "./app";

interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });

export function withSharedResponses<T extends { paths?: object }>(doc: T): T {
  for (const ops of Object.values((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [method, raw] of Object.entries(ops)) {
      if (typeof raw !== "object" || raw === null || !("responses" in raw)) continue; // parameters, summary …
      const op = raw as Operation;
      const responses = (op.responses ??= {});
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const add = (status: number, description: string) => {
        responses[String(status)] ??= problem(description);
      };
      if (schemes.length > 0) {
        add(401, "Missing or invalid bearer token");
        add(403, schemes.includes("learnerToken") ? "Token of another learner" : "Not an operator token");
      }
      if (["post", "put", "patch", "delete"].includes(method)) add(413, `Request body over ${MAX_BODY_BYTES} bytes`);
      if ("requestBody" in op) add(415, "A request body that is not JSON (its content-type)");
      add(429, "Rate limited (see Retry-After)");
      add(500, "Internal error (a bug; quote the requestId)");
      add(503, "A dependency is unavailable (retry after Retry-After)");
    }
  }
  return doc;
}
