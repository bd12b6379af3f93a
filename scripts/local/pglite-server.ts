/**
 * PGlite served over TCP, so the Neon driver (through ws-proxy.ts) and drizzle-kit can treat it
 * like a Postgres server.
 *
 * PGlite is one Postgres backend: every connection shares one session. A real server gives each
 * connection its own session, and the drivers rely on it: an extended-protocol exchange (Parse,
 * Bind, Describe, Execute … Sync) uses the unnamed statement and portal, and a transaction's
 * statements must not interleave with anyone else's. So this server runs one client's exchange
 * at a time, from its first message up to Sync (or a simple Query), and while that client is
 * inside a transaction nobody else runs at all. Other clients wait, first come first served.
 * What still leaks between clients: session settings (SET, search_path) and temp tables.
 *
 * A client that opens a transaction and then goes quiet would stall everyone, so a transaction
 * idle for `idleInTransactionMs` is rolled back and its connection closed (as Postgres's
 * idle_in_transaction_session_timeout does). Connections beyond `maxConnections` get a
 * too_many_connections error, not a queue; ws-proxy.ts queues in front of this server.
 *
 * Full-text search needs nothing extra: PGlite 0.5 ships the built-in snowball dictionaries, and
 * `default_text_search_config` is `pg_catalog.english`.
 *
 * @example
 * const pg = await startPglite({ dataDir: ".data/pglite" });
 * // pg.databaseUrl === "postgres://postgres@127.0.0.1:<port>/postgres"
 */
import { mkdir } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";

export interface PgliteServerOptions {
  /** Folder holding the database between runs; undefined keeps it in memory. */
  dataDir?: string;
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Connections served at once; more are refused (default 8). */
  maxConnections?: number;
  /** Roll back and disconnect a transaction idle this long (default 30 s). */
  idleInTransactionMs?: number;
}

export interface PgliteServer {
  port: number;
  host: string;
  /** `postgres://postgres@<host>:<port>/postgres`; any password is accepted. */
  databaseUrl: string;
  /** `open`: connections now; `waiting`: exchanges queued for the session. */
  stats(): { open: number; waiting: number };
  close(): Promise<void>;
}

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
const FUNCTION_CALL = 0x46; // 'F'
const FLUSH = 0x48; // 'H'
/** Messages larger than this are refused (Postgres's own limit is 1 GiB; ours are small). */
const MAX_MESSAGE_BYTES = 64 << 20;

/** The one session, lent to one connection at a time, in arrival order. */
class SessionLock {
  private holder: number | undefined;
  private readonly waiters: { id: number; grant: () => void }[] = [];

  get waiting(): number {
    return this.waiters.length;
  }

  heldBy(id: number): boolean {
    return this.holder === id;
  }

  acquire(id: number): Promise<void> {
    if (this.holder === id) return Promise.resolve();
    if (this.holder === undefined) {
      this.holder = id;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiters.push({ id, grant }));
  }

  release(id: number): void {
    if (this.holder !== id) return;
    const next = this.waiters.shift();
    this.holder = next?.id;
    next?.grant();
  }

  /** Drops a closed connection's place in the queue. */
  forget(id: number): void {
    const at = this.waiters.findIndex((w) => w.id === id);
    if (at >= 0) {
      const [w] = this.waiters.splice(at, 1);
      w?.grant(); // its exchange sees the closed socket and releases at once
    }
  }
}

/** Postgres ErrorResponse: severity, SQLSTATE and message. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head[0] = 0x45; // 'E'
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private exchange: Uint8Array[] = [];
  private running: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly db: PGlite,
    private readonly lock: SessionLock,
    private readonly idleInTransactionMs: number,
    private readonly onClose: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.receive(chunk));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const startup = !this.started;
      const message = startup ? this.nextUntyped() : this.nextTyped();
      if (message === undefined) return;
      if (message === null) continue;
      const type = startup ? undefined : message[0];
      if (type === TERMINATE) return this.close();
      this.exchange.push(message);
      // An exchange ends at Sync or a simple Query; until then the client's messages belong
      // together. A Flush runs what came so far but keeps the session for the rest.
      if (startup || type === SYNC || type === QUERY || type === FUNCTION_CALL || type === FLUSH) {
        const messages = this.exchange;
        this.exchange = [];
        const complete = type !== FLUSH;
        this.running = this.running.then(() => this.run(messages, complete));
      }
    }
  }

  /** Startup-phase messages have no type byte. Returns null for one handled here. */
  private nextUntyped(): Uint8Array | null | undefined {
    if (this.buffer.length < 8) return undefined;
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_MESSAGE_BYTES) {
      this.refuse("08P01", "invalid startup packet length");
      return undefined;
    }
    if (this.buffer.length < length) return undefined;
    const code = this.buffer.readInt32BE(4);
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write("N");
      return null;
    }
    if (code === CANCEL_REQUEST) {
      this.close(); // not supported: a cancel arrives on its own connection and needs nothing back
      return undefined;
    }
    if (code !== PROTOCOL_3) {
      this.refuse("0A000", `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`);
      return undefined;
    }
    this.started = true;
    return new Uint8Array(message);
  }

  private nextTyped(): Uint8Array | undefined {
    if (this.buffer.length < 5) return undefined;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_BYTES) {
      this.refuse("08P01", "invalid message length");
      return undefined;
    }
    if (this.buffer.length < length + 1) return undefined;
    const message = this.buffer.subarray(0, length + 1);
    this.buffer = this.buffer.subarray(length + 1);
    return new Uint8Array(message);
  }

  private async run(messages: Uint8Array[], complete: boolean): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.idleTimer);
    await this.lock.acquire(this.id);
    try {
      if (this.closed) return;
      await this.db.runExclusive(async () => {
        for (const [i, message] of messages.entries()) {
          await this.db.execProtocolRawStream(message, {
            // Writing the data folder once per exchange, not once per message.
            syncToFs: i === messages.length - 1,
            onRawData: (data) => {
              if (!this.closed && data.length > 0) this.socket.write(data);
            },
          });
        }
      });
    } finally {
      if (this.closed) await this.endSession();
      else if (!complete || this.db.isInTransaction()) this.armIdleTimer();
      else this.lock.release(this.id);
    }
  }

  private armIdleTimer(): void {
    this.idleTimer = setTimeout(() => {
      if (this.closed) return;
      this.socket.end(errorResponse("25P03", "terminating connection due to idle-in-transaction timeout"));
      this.close();
    }, this.idleInTransactionMs);
    this.idleTimer.unref();
  }

  private refuse(code: string, message: string): void {
    this.socket.end(errorResponse(code, message));
    this.close();
  }

  /** Rolls back what the closed connection left open and passes the session on. */
  private async endSession(): Promise<void> {
    if (!this.lock.heldBy(this.id)) return;
    try {
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    } finally {
      this.lock.release(this.id);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.lock.forget(this.id);
    // Whatever exchange is running finishes (and rolls back) first; an idle holder ends now.
    void this.running.then(() => this.endSession()).finally(this.onClose);
  }
}

export async function startPglite(opts: PgliteServerOptions = {}): Promise<PgliteServer> {
  const host = opts.host ?? "127.0.0.1";
  const maxConnections = opts.maxConnections ?? 8;
  const idleInTransactionMs = opts.idleInTransactionMs ?? 30_000;
  let dataDir: string | undefined;
  if (opts.dataDir !== undefined) {
    dataDir = resolve(opts.dataDir);
    await mkdir(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const lock = new SessionLock();
  const connections = new Set<Connection>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    if (connections.size >= maxConnections) {
      socket.end(errorResponse("53300", "sorry, too many clients already"));
      return;
    }
    const connection: Connection = new Connection(nextId++, socket, db, lock, idleInTransactionMs, () =>
      connections.delete(connection),
    );
    connections.add(connection);
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(opts.port ?? 0, host, () => ok());
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closed: Promise<void> | undefined;
  return {
    port,
    host,
    databaseUrl: `postgres://postgres@${urlHost}:${port}/postgres`,
    stats: () => ({ open: connections.size, waiting: lock.waiting }),
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((ok) => server.close(() => ok()));
        for (const c of connections) c.close();
        // An open transaction is rolled back as its connection ends, which still needs the database.
        while (connections.size > 0) await new Promise((r) => setTimeout(r, 5));
        await stopped;
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
