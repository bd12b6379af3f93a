/**
 * The local database side of the stack, shared by `npm start`, the import command and the
 * benchmarks: PGlite in a data folder (or the Postgres in DATABASE_URL) behind the Neon
 * WebSocket relay, migrated.
 *
 * A running `npm start` records its addresses in `<dataDir>/stack.json`, so other commands
 * talk to it instead of opening the PGlite folder a second time (PGlite is single-process).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startPglite } from "../local/pglite-server";
import { startWsProxy } from "../local/ws-proxy";
import type { Database } from "../../src/db/client";
import { migrateDatabase, openNodeDatabase } from "./db";

/** PGlite serves one session to every connection; a handful is plenty (TOOLCHAIN.md). */
const PGLITE_CONNECTIONS = 8;

export const DEFAULT_DATA_DIR = resolve(process.env.DATA_DIR ?? ".data");

export interface StackInfo {
  databaseUrl: string;
  wsProxy: string;
  pid: number;
  apiUrl?: string;
}

export interface LocalDatabaseStack {
  info: StackInfo;
  db: Database;
  /** "pglite" when embedded, "postgres" when DATABASE_URL was given, "running" when attached to `npm start`. */
  source: "pglite" | "postgres" | "running";
  close(): Promise<void>;
}

function stackFile(dataDir: string): string {
  return join(dataDir, "stack.json");
}

export function readRunningStack(dataDir = DEFAULT_DATA_DIR): StackInfo | null {
  const file = stackFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as StackInfo;
    process.kill(info.pid, 0); // throws when that process is gone
    return info;
  } catch {
    return null;
  }
}

export function writeRunningStack(info: StackInfo, dataDir = DEFAULT_DATA_DIR): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stackFile(dataDir), JSON.stringify(info, null, 2));
}

export function clearRunningStack(dataDir = DEFAULT_DATA_DIR): void {
  rmSync(stackFile(dataDir), { force: true });
}

/**
 * Opens the local database: attaches to a running `npm start` when there is one (unless
 * `own` is set), else starts PGlite (or uses DATABASE_URL) and a relay, and migrates.
 */
export async function openLocalDatabase(opts: { dataDir?: string; own?: boolean; log?: (line: string) => void } = {}): Promise<LocalDatabaseStack> {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const log = opts.log ?? (() => {});
  const running = opts.own ? null : readRunningStack(dataDir);
  if (running) {
    log(`using the running stack (pid ${running.pid})`);
    const db = openNodeDatabase(running.databaseUrl, running.wsProxy);
    return { info: running, db, source: "running", close: () => db.end() };
  }
  const closers: Array<() => Promise<void>> = [];
  let databaseUrl = process.env.DATABASE_URL;
  const source = databaseUrl ? "postgres" : "pglite";
  if (!databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    const t0 = performance.now();
    const pglite = await startPglite({ dataDir: join(dataDir, "pglite"), maxConnections: PGLITE_CONNECTIONS });
    log(`PGlite ready in ${Math.round(performance.now() - t0)} ms (${join(dataDir, "pglite")})`);
    databaseUrl = pglite.databaseUrl;
    closers.push(pglite.close);
  } else {
    log(`using DATABASE_URL (${new URL(databaseUrl).host})`);
  }
  // In front of PGlite the relay queues connections beyond PGlite's limit (which PGlite
  // would refuse); a Postgres server has its own max_connections and pooling.
  const proxy = await startWsProxy({
    port: Number(process.env.WS_PROXY_PORT ?? 0),
    closeAfterTerminateMs: 0,
    maxConnections: source === "pglite" ? PGLITE_CONNECTIONS : undefined,
  });
  closers.unshift(proxy.close);
  const wsProxy = `127.0.0.1:${proxy.port}`;
  const db = openNodeDatabase(databaseUrl, wsProxy);
  const t1 = performance.now();
  await migrateDatabase(db);
  log(`migrations applied in ${Math.round(performance.now() - t1)} ms`);
  return {
    info: { databaseUrl, wsProxy, pid: process.pid },
    db,
    source,
    async close() {
      await db.end();
      for (const close of closers) await close();
    },
  };
}
