/**
 * PGlite served over TCP with @electric-sql/pglite-socket, so the Neon driver
 * (through ws-proxy.ts) and drizzle-kit can treat it like a Postgres server.
 *
 * PGlite is one Postgres backend: every connection shares one session, and the
 * socket server multiplexes them query by query (a transaction holds the engine
 * until it ends). Connections beyond `maxConnections` are refused, not queued,
 * so keep client pools below it; 4 ran clean here, 1 failed ~1% of back-to-back
 * requests. Session state (SET, search_path, temp tables) leaks between clients.
 *
 * Full-text search needs nothing extra: PGlite 0.5 ships the built-in snowball
 * dictionaries, and `default_text_search_config` is `pg_catalog.english`.
 *
 * @example
 * const pg = await startPglite({ dataDir: ".data/pglite" });
 * // pg.databaseUrl === "postgres://postgres@127.0.0.1:<port>/postgres"
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface PgliteServerOptions {
  /** Folder holding the database between runs; undefined keeps it in memory. */
  dataDir?: string;
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Connections served at once; more are refused (default 4). */
  maxConnections?: number;
}

export interface PgliteServer {
  port: number;
  host: string;
  /** `postgres://postgres@<host>:<port>/postgres`; any password is accepted. */
  databaseUrl: string;
  close(): Promise<void>;
}

export async function startPglite(opts: PgliteServerOptions = {}): Promise<PgliteServer> {
  const host = opts.host ?? "127.0.0.1";
  let dataDir: string | undefined;
  if (opts.dataDir !== undefined) {
    dataDir = resolve(opts.dataDir);
    await mkdir(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const server = new PGLiteSocketServer({
    db,
    host,
    port: opts.port ?? 0,
    maxConnections: opts.maxConnections ?? 4,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  // getServerConn() is "host:port" once listening (the OS port when 0 was asked).
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(":") + 1));
  if (!Number.isInteger(port) || port <= 0) {
    await server.stop();
    await db.close();
    throw new Error(`pglite-server: unexpected listen address ${conn}`);
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closed: Promise<void> | undefined;
  return {
    port,
    host,
    databaseUrl: `postgres://postgres@${urlHost}:${port}/postgres`,
    close() {
      closed ??= (async () => {
        // stop() resolves once every client socket is gone; an open transaction
        // is rolled back on detach, which still needs the database, so close it last.
        await server.stop();
        await db.close();
      })();
      return closed;
    },
  };
}

// `tsx scripts/local/pglite-server.ts` serves .data/pglite on PGLITE_PORT (default 5433).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const pg = await startPglite({
    dataDir: process.env.PGLITE_DATA_DIR ?? ".data/pglite",
    port: Number(process.env.PGLITE_PORT ?? 5433),
  });
  console.log(`PGlite serving ${pg.databaseUrl}`);
  const stop = () => void pg.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
