/**
 * Everything a handler talks to, built once per request and handed down (never a
 * module-level client bound to the environment). The database is opened lazily: most
 * requests are answered from KV and never need it.
 */
import { createDatabase } from "../../../src/db/client";
import type { Database } from "../../../src/db/client";
import type { Config } from "./env";
import { KvContentCache } from "./kv-cache";
import type { Timing } from "./timing";

export interface Services {
  readonly config: Config;
  /** Opens the pools on first use; `close()` ends them once the handler is done. */
  db(): Database;
  readonly cache: KvContentCache;
  /** Ends whatever was opened; the request middleware hands this to `waitUntil`. */
  close(): Promise<void>;
}

export function createServices(env: Env, config: Config, timing: Timing, defer: (work: Promise<unknown>) => void): Services {
  let database: Database | undefined;
  return {
    config,
    db() {
      if (!database) {
        database = createDatabase({ url: config.DATABASE_URL, readUrl: config.DATABASE_READ_URL, wsProxy: config.NEON_WS_PROXY, max: 2 });
      }
      return database;
    },
    cache: new KvContentCache(env.CONTENT, timing, defer),
    async close() {
      await database?.end();
    },
  };
}
