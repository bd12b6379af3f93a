import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { createDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/client";
import { countItems, importContent, listSkills } from "../../src/db/content";
import { migrateDatabase } from "../../scripts/lib/db";
import { startPglite } from "../../scripts/local/pglite-server";
import { startWsProxy } from "../../scripts/local/ws-proxy";
import { fixtureItems, fixtureSkills } from "./support";

/**
 * Read/write splitting: with a read-replica URL, `read` goes to the replica and `write` to
 * the primary. Two separate PGlite servers stand in for a primary and a (lagging) replica,
 * so where each query went is visible in what it returns.
 */
describe("database factory with a read replica", () => {
  const closers: Array<() => Promise<void>> = [];
  let db: Database;

  beforeAll(async () => {
    const primary = await startPglite({});
    const replica = await startPglite({});
    const proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
    closers.push(proxy.close, primary.close, replica.close);
    const wsProxy = `127.0.0.1:${proxy.port}`;
    for (const url of [primary.databaseUrl, replica.databaseUrl]) {
      const single = createDatabase({ url, wsProxy, webSocketConstructor: ws, max: 1 });
      await migrateDatabase(single);
      await single.end();
    }
    db = createDatabase({ url: primary.databaseUrl, readUrl: replica.databaseUrl, wsProxy, webSocketConstructor: ws, max: 2 });
  });
  afterAll(async () => {
    await db.end();
    for (const close of closers) await close();
  });

  it("writes to the primary and reads from the replica", async () => {
    expect(db.split).toBe(true);
    await importContent(db.write, { skills: fixtureSkills, items: fixtureItems });
    expect(await countItems(db.write)).toBe(fixtureItems.length);
    // The "replica" never received the rows: reads went there.
    expect(await countItems(db.read)).toBe(0);
    expect(await listSkills(db.read)).toEqual([]);
  });

  it("uses one pool for both when no replica is configured", () => {
    const single = createDatabase({ url: "postgres://postgres@127.0.0.1:1/none", wsProxy: "127.0.0.1:1", webSocketConstructor: ws });
    expect(single.split).toBe(false);
    expect(single.read).toBe(single.write);
    return single.end();
  });
});
