/**
 * The checks both relay targets (PGlite and the machine's Postgres) must pass,
 * written once. Each run works in its own schema so runs never see each other.
 */
import { Client, neonConfig, Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, expect, it } from "vitest";
import ws from "ws";
import { startWsProxy, type WsProxy } from "../../scripts/local/ws-proxy";
import { configureNeonForLocalProxy, withLocalProxy } from "../../src/db/neon-local";

export interface ProxyTarget {
  databaseUrl: string;
  /** Pool size; for PGlite it must stay below the server's maxConnections. */
  poolMax: number;
  close(): Promise<void>;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function defineProxySuite(label: string, startTarget: () => Promise<ProxyTarget>): void {
  const schema = `local_proxy_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  let target: ProxyTarget;
  let proxy: WsProxy;
  let pool: Pool;
  let proxyHostPort: string;

  beforeAll(async () => {
    target = await startTarget();
    // Node's Neon client never closes its WebSocket after Terminate (see ws-proxy.ts).
    proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
    proxyHostPort = `127.0.0.1:${proxy.port}`;
    pool = withLocalProxy(new Pool({ connectionString: target.databaseUrl, max: target.poolMax }), proxyHostPort, ws);
    await pool.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool?.end();
    // The driver closes its WebSockets; the relay must then release both sides.
    if (proxy) await eventually(() => proxy.stats().open === 0);
    await proxy?.close();
    await target?.close();
  });

  it("runs plain and parameterised queries through the relay", async () => {
    const { rows } = await pool.query<{ n: number; s: string }>("SELECT $1::int + 1 AS n, $2::text AS s", [41, "héllo ✓"]);
    expect(rows).toEqual([{ n: 42, s: "héllo ✓" }]);
    expect(proxy.stats().total).toBeGreaterThan(0);
  });

  it("configures clients per instance and leaves the global neonConfig alone", async () => {
    expect(neonConfig.useSecureWebSocket).toBe(true);
    expect(neonConfig.pipelineConnect).toBe("password");
    const client = new Client(target.databaseUrl);
    configureNeonForLocalProxy(client.neonConfig, `ws://${proxyHostPort}/`, ws);
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
      expect(rows[0]?.one).toBe(1);
    } finally {
      await client.end();
    }
    const globalProxy = neonConfig.wsProxy;
    expect(typeof globalProxy === "function" ? globalProxy("db.example", 5432) : globalProxy).toBe("db.example/v2");
    expect(neonConfig.useSecureWebSocket).toBe(true);
    expect(neonConfig.pipelineConnect).toBe("password");
  });

  it("commits and rolls back transactions", async () => {
    await pool.query(`CREATE TABLE ${schema}.ledger (id int PRIMARY KEY, note text NOT NULL)`);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${schema}.ledger VALUES (1, 'kept')`);
      await client.query("COMMIT");
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${schema}.ledger VALUES (2, 'discarded')`);
      await client.query("ROLLBACK");
      // A failing statement aborts the transaction; ROLLBACK recovers the connection.
      await client.query("BEGIN");
      await expect(client.query(`INSERT INTO ${schema}.ledger VALUES (1, 'duplicate')`)).rejects.toThrow(/duplicate key/);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    const { rows } = await pool.query(`SELECT id, note FROM ${schema}.ledger ORDER BY id`);
    expect(rows).toEqual([{ id: 1, note: "kept" }]);
  });

  it("serves concurrent queries with the pool below the connection limit", async () => {
    const n = 24;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        pool.query<{ i: number }>("SELECT $1::int AS i, pg_sleep(0.005)", [i]).then((r) => r.rows[0]?.i),
      ),
    );
    expect(results).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(proxy.stats().open).toBeLessThanOrEqual(target.poolMax);
  });

  it("ranks full-text search results with a GIN index", async () => {
    await pool.query(`
      CREATE TABLE ${schema}.docs (
        id int PRIMARY KEY,
        body text NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED
      )`);
    await pool.query(`CREATE INDEX docs_tsv_gin ON ${schema}.docs USING gin (tsv)`);
    await pool.query(
      `INSERT INTO ${schema}.docs (id, body) VALUES
        (1, 'Fractions: adding fractions with unlike denominators'),
        (2, 'Photosynthesis converts light into chemical energy'),
        (3, 'Fractions and decimals: converting fractions to decimals and back, more fractions'),
        (4, 'Denominators explained')`,
    );
    const { rows } = await pool.query<{ id: number; rank: number }>(
      `SELECT id, ts_rank(tsv, q) AS rank
         FROM ${schema}.docs, plainto_tsquery('english', 'fraction') AS q
        WHERE tsv @@ q
        ORDER BY rank DESC, id`,
    );
    expect(rows.map((r) => r.id)).toEqual([3, 1]);
    expect(rows[0]?.rank).toBeGreaterThan(rows[1]?.rank ?? Infinity);

    // The planner can use the GIN index (seq scans off only inside this transaction).
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      const plan = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT id FROM ${schema}.docs WHERE tsv @@ plainto_tsquery('english', 'denominator')`,
      );
      await client.query("ROLLBACK");
      expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("docs_tsv_gin");
    } finally {
      client.release();
    }
  });

  it("measures connect + first query and held-connection latency", async () => {
    const connectTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const client = new Client(target.databaseUrl);
      configureNeonForLocalProxy(client.neonConfig, proxyHostPort, ws);
      const t0 = performance.now();
      await client.connect();
      await client.query("SELECT 1");
      connectTimes.push(performance.now() - t0);
      await client.end();
    }
    const client = await pool.connect();
    const queryTimes: number[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        await client.query("SELECT 1");
        queryTimes.push(performance.now() - t0);
      }
    } finally {
      client.release();
    }
    connectTimes.sort((a, b) => a - b);
    queryTimes.sort((a, b) => a - b);
    const fmt = (x: number) => x.toFixed(2);
    console.log(
      `[latency ${label}] connect+first query p50 ${fmt(quantile(connectTimes, 0.5))} ms (min ${fmt(connectTimes[0] ?? 0)}, max ${fmt(connectTimes.at(-1) ?? 0)}); ` +
        `held SELECT 1 p50 ${fmt(quantile(queryTimes, 0.5))} ms, p95 ${fmt(quantile(queryTimes, 0.95))} ms (n=${queryTimes.length})`,
    );
    expect(quantile(queryTimes, 0.5)).toBeLessThan(50);
  });
}
