/**
 * A fresh, uniquely named database on a real Postgres server for one test run, dropped after:
 * no test depends on another run's leftovers. Uses the server's own `postgres` database to
 * create and drop it, through the same Neon driver and relay as everything else.
 */
import { sql } from "drizzle-orm";
import { startWsProxy } from "../local/ws-proxy";
import { openNodeDatabase } from "./db";

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `t_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.replace(/[^a-z0-9_]/g, "_");
  const proxy = await startWsProxy({ port: 0, closeAfterTerminateMs: 0 });
  const admin = openNodeDatabase(serverUrl, `127.0.0.1:${proxy.port}`);
  try {
    await admin.write.execute(sql.raw(`CREATE DATABASE "${name}"`));
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = openNodeDatabase(serverUrl, `127.0.0.1:${proxy.port}`);
      try {
        await again.write.execute(sql.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      } finally {
        await again.end();
        await proxy.close();
      }
    },
  };
}
