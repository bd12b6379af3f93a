/**
 * Runs in Node before the workerd tests: a database (in-memory PGlite, or the Postgres in
 * TEST_DATABASE_URL on a fresh database), the Neon WebSocket relay in front of it, migrations
 * and the demo bank. Tests reach it through the worker's own driver code.
 */
import type { TestProject } from "vitest/node";
import { startPglite } from "../../scripts/local/pglite-server";
import { startUpstashRest } from "../../scripts/local/upstash-rest";
import { startWsProxy } from "../../scripts/local/ws-proxy";
import { createScratchDatabase } from "../../scripts/lib/scratch";
import { migrateDatabase, openNodeDatabase } from "../../scripts/lib/db";
import { seedDemoContentIfEmpty } from "../../scripts/lib/seed";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = [];
  let databaseUrl: string;
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const scratch = await createScratchDatabase(external, "worker");
    databaseUrl = scratch.url;
    closers.push(scratch.drop);
  } else {
    const pglite = await startPglite({ maxConnections: 8 });
    databaseUrl = pglite.databaseUrl;
    closers.push(pglite.close);
  }
  // PGlite refuses connections beyond its limit; the relay queues them instead.
  const proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0, maxConnections: external ? undefined : 8 });
  closers.unshift(proxy.close);
  const wsProxy = `127.0.0.1:${proxy.port}`;
  const teardown = async () => {
    for (const close of closers) await close();
  };
  const db = openNodeDatabase(databaseUrl, wsProxy);
  try {
    await migrateDatabase(db);
    await seedDemoContentIfEmpty(db);
  } catch (err) {
    await db.end();
    await teardown();
    throw err;
  }
  await db.end();
  project.provide("databaseUrl", databaseUrl);
  project.provide("wsProxy", wsProxy);
  // Redis through the Upstash-compatible endpoint, when the machine's Redis is configured.
  const redisUrl = process.env.TEST_REDIS_URL;
  if (redisUrl) {
    const token = "test-upstash-token";
    const rest = await startUpstashRest({ port: 0, redisUrl, token });
    closers.unshift(rest.close);
    project.provide("upstash", { url: rest.url, token });
  } else {
    project.provide("upstash", null);
  }
  return teardown;
}
