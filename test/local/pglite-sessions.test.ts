/**
 * PGlite is one Postgres session; the socket server in front of it must still give every
 * client connection its own extended-protocol exchange (Parse … Sync) and its own transaction,
 * or one client's unnamed statement or portal is replaced by another's under concurrency.
 */
import { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { startPglite, type PgliteServer } from "../../scripts/local/pglite-server";
import { startWsProxy, type WsProxy } from "../../scripts/local/ws-proxy";
import { withLocalProxy } from "../../src/db/neon-local";

describe("PGlite socket server under concurrent clients", () => {
  let pg: PgliteServer;
  let proxy: WsProxy;
  let pool: Pool;

  beforeAll(async () => {
    pg = await startPglite({ maxConnections: 8 });
    proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
    pool = withLocalProxy(new Pool({ connectionString: pg.databaseUrl, max: 8 }), `127.0.0.1:${proxy.port}`, ws);
    await pool.query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
    await pool.query("INSERT INTO counter VALUES (1, 0)");
  });
  afterAll(async () => {
    await pool?.end();
    await proxy?.close();
    await pg?.close();
  });

  it("answers hundreds of parallel prepared queries from eight connections, each with its own result", async () => {
    const n = 600;
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        pool.query<{ v: number; s: string }>("SELECT $1::int * 2 AS v, repeat($2::text, $3::int) AS s", [i, "ab", i % 7]),
      ),
    );
    const failures = results.filter((r) => r.status === "rejected");
    expect(failures.map((f) => String((f as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
    results.forEach((r, i) => {
      expect(r.status === "fulfilled" && r.value.rows[0]).toEqual({ v: i * 2, s: "ab".repeat(i % 7) });
    });
  });

  it("keeps a transaction to its own connection while others query", async () => {
    const increments = 40;
    const work = Array.from({ length: increments }, async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ n: number }>("SELECT n FROM counter WHERE id = $1", [1]);
        await client.query("UPDATE counter SET n = $1 WHERE id = $2", [(rows[0]?.n ?? 0) + 1, 1]);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    });
    const noise = Array.from({ length: 200 }, (_, i) => pool.query("SELECT $1::int AS i", [i]));
    await Promise.all([...work, ...noise]);
    const { rows } = await pool.query<{ n: number }>("SELECT n FROM counter WHERE id = 1");
    // Read-modify-write in a transaction is only lost-update free if nobody else runs inside it.
    expect(rows[0]?.n).toBe(increments);
  });

  it("rolls back a transaction whose connection goes away and serves the next client", async () => {
    const client = await pool.connect();
    await client.query("BEGIN");
    await client.query("UPDATE counter SET n = -1 WHERE id = 1");
    client.release(true); // destroys the connection mid-transaction
    const { rows } = await pool.query<{ n: number }>("SELECT n FROM counter WHERE id = 1");
    expect(rows[0]?.n).not.toBe(-1);
    expect(pg.stats().waiting).toBe(0);
  });
});
