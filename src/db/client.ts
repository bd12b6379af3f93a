/**
 * The one database factory. Production and local runs use the same driver: Neon's
 * serverless WebSocket Pool under drizzle. Locally the WebSocket goes to a small relay
 * (scripts/local/ws-proxy.ts) in front of PGlite or any Postgres.
 *
 * Inside workerd a Pool must not outlive the request (or Durable Object) that created it:
 * I/O objects are bound to their request. Create a `Database` per request and hand
 * `db.end()` to `ctx.waitUntil`, or hold one as a Durable Object field.
 */
import { Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema";
import { withLocalProxy } from "./neon-local";
import type { WebSocketConstructorLike } from "./neon-local";

export type Schema = typeof schema;
export type Drizzle = NeonDatabase<Schema>;

export interface DatabaseConfig {
  /** Pooled read/write connection string (Neon: the `-pooler` host). */
  url: string;
  /** Optional read replica; reads go there when set, writes always to `url`. */
  readUrl?: string | undefined;
  /** `host:port` of a local Neon-compatible WebSocket relay; never set in production. */
  wsProxy?: string | undefined;
  /** Node has no global WebSocket: pass `ws` there. workerd has one. */
  webSocketConstructor?: WebSocketConstructorLike;
  /** Pool size per Database (per request in the API worker, per object in a DO). */
  max?: number;
  /** Close idle connections after this long (pg's default is 10 s). */
  idleTimeoutMillis?: number;
}

export interface Database {
  /** Read/write. */
  readonly write: Drizzle;
  /** Read replica when configured, else the same as `write`. */
  readonly read: Drizzle;
  /** Whether `read` is a separate replica. */
  readonly split: boolean;
  /** Called for every new server connection either pool opens (connection metrics). */
  onConnect(listener: () => void): void;
  end(): Promise<void>;
}

export function createDatabase(config: DatabaseConfig): Database {
  const max = config.max ?? 4;
  const makePool = (connectionString: string): Pool => {
    const pool = new Pool({ connectionString, max, idleTimeoutMillis: config.idleTimeoutMillis ?? 10_000 });
    // Per-pool settings: the global neonConfig is left alone, so a local relay in one place
    // cannot leak into another connection.
    if (config.wsProxy) withLocalProxy(pool, config.wsProxy, config.webSocketConstructor);
    else if (config.webSocketConstructor) withWebSocket(pool, config.webSocketConstructor);
    return pool;
  };
  const writePool = makePool(config.url);
  // A pool error (e.g. the server closed an idle connection) must not crash the isolate;
  // the next query opens a fresh connection.
  writePool.on("error", () => {});
  const write = drizzle({ client: writePool, schema });
  if (!config.readUrl || config.readUrl === config.url) {
    return { write, read: write, split: false, onConnect: (l) => void writePool.on("connect", l), end: () => writePool.end() };
  }
  const readPool = makePool(config.readUrl);
  readPool.on("error", () => {});
  const read = drizzle({ client: readPool, schema });
  return {
    write,
    read,
    split: true,
    onConnect: (l) => {
      writePool.on("connect", l);
      readPool.on("connect", l);
    },
    end: async () => {
      await Promise.allSettled([writePool.end(), readPool.end()]);
    },
  };
}

/** Node only (no global WebSocket): give each client of this pool the `ws` constructor. */
function withWebSocket(pool: Pool, ctor: WebSocketConstructorLike): void {
  const Base = pool.Client;
  pool.Client = class extends Base {
    constructor(...args: ConstructorParameters<typeof Base>) {
      super(...args);
      this.neonConfig.webSocketConstructor = ctor;
    }
  };
}
