/**
 * Bench-only worker: the runtime's own floor, measured by `npm run bench` beside our routes in
 * the same workerd process. scripts/bench.ts builds it and loads it into Miniflare next to the
 * API; nothing imports it from workers/api, so it is never part of the deployed bundle.
 *
 *   GET  /__bench/healthz      a bare Hono route: no middleware, no configuration, no KV.
 *   POST /__bench/do/:name     a bare Durable Object RPC that writes one SQLite row.
 *   GET  /__bench/body/:bytes  the first with a JSON body of exactly that many bytes (encoded once
 *                              per size, as the API's memory cache keeps a hot body's bytes).
 *
 * The learner routes are held to "within 1.5× the CPU of the second", content routes to
 * "within 1.3× of the first" (issue 10). The third is a diagnosis, not a target: the skill graph
 * is 24 KB and `/healthz` 37 bytes, so it says how much of a content route's cost beyond the
 * first is the bytes it sends.
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

export interface BenchEnv {
  BENCH_DO: DurableObjectNamespace<BenchDO>;
}

export class BenchDO extends DurableObject<BenchEnv> {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** One SQLite write, as an attempt's commit is one (larger) write. */
  hit(): number {
    return this.ctx.storage.sql.exec("INSERT INTO hits (at) VALUES (?)", Date.now()).rowsWritten;
  }
}

const app = new Hono<{ Bindings: BenchEnv }>();
app.get("/__bench/healthz", (c) => c.json({ status: "ok" }));

const MAX_BODY_BYTES = 1 << 20;
const bodies = new Map<number, Uint8Array>();
app.get("/__bench/body/:bytes", (c) => {
  const n = Number(c.req.param("bytes"));
  if (!Number.isInteger(n) || n < 12 || n > MAX_BODY_BYTES) return c.json({ error: `bytes must be an integer in 12…${MAX_BODY_BYTES}` }, 400);
  let body = bodies.get(n);
  if (!body) {
    // {"pad":"…"}: 10 bytes of JSON around n − 10 ASCII characters.
    body = new TextEncoder().encode(`{"pad":"${"x".repeat(n - 10)}"}`);
    bodies.set(n, body);
  }
  return new Response(body, { headers: { "content-type": "application/json" } });
});
app.post("/__bench/do/:name", async (c) => {
  const stub = c.env.BENCH_DO.get(c.env.BENCH_DO.idFromName(c.req.param("name")));
  return c.json({ written: await stub.hit() });
});

export default app;
