/**
 * Neon-compatible WebSocket-to-TCP relay for local development.
 *
 * The Neon serverless driver speaks the Postgres wire protocol over a WebSocket
 * (`ws://<proxy>/v1?address=<pghost>:<pgport>`, binary frames, raw protocol bytes
 * both ways). This relay lets the production driver code, running in Node or
 * inside workerd, reach a local Postgres or a PGlite socket server.
 *
 * Safety: by default only loopback targets are relayed, so the relay can never
 * be used to reach other hosts. Pass `allow` to widen that deliberately.
 *
 * Closing: when the client sends Terminate ('X') the relay forwards it, half-closes
 * the TCP side and by default leaves closing the WebSocket to the client: closing
 * it from the relay surfaces in vitest-pool-workers as uncaught "Network connection
 * lost" errors. Caveat: @neondatabase/serverless 1.2.0 never closes its WebSocket
 * after a clean `client.end()` (pg calls `stream.write(buf, cb)` and the driver's
 * socket takes the callback as the encoding argument, so `stream.end()` never
 * runs); `end()` then resolves only when the server side closes. Real Neon closes
 * it. Node callers therefore pass `closeAfterTerminateMs: 0` (the relay closes the
 * WebSocket with 1000 once the database has closed its side); otherwise an
 * unclosed WebSocket is reaped after TERMINATE_REAP_MS.
 *
 * @example
 * const proxy = await startWsProxy({ port: 0 });
 * configureNeonForLocalProxy(neonConfig, `127.0.0.1:${proxy.port}`, ws);
 */
import { createServer, type IncomingMessage } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import { WebSocketServer, type RawData, type WebSocket } from "ws";

export interface WsProxyOptions {
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Decides which Postgres targets may be reached. Default: loopback addresses only. */
  allow?: (host: string, port: number) => boolean;
  /**
   * After the client's Terminate, close the WebSocket (code 1000) this many ms after
   * the database has closed the TCP side. Default: leave it to the client (workerd
   * tests need that); set 0 for Node clients, whose `end()` otherwise waits for the reap.
   */
  closeAfterTerminateMs?: number;
  /**
   * At most this many open database connections; further clients wait (FIFO) for a slot
   * instead of being refused. PGlite's socket server refuses connections beyond its own
   * limit, while a worker opens one per request: queueing here turns a burst into short
   * waits, as a real pooler would. Default: unlimited.
   */
  maxConnections?: number;
}

export interface WsProxy {
  port: number;
  /** `ws://host:port`, without the `/v1` path. */
  url: string;
  close(): Promise<void>;
  /** `open`: relays currently alive; `total`: relays accepted since start. */
  stats(): { open: number; total: number };
}

/** The WebSocket path Neon's wsproxy serves. */
const WS_PATH = "/v1";
const TCP_CONNECT_TIMEOUT_MS = 10_000;
/** Pause reading from Postgres while this many bytes wait to go out on the WebSocket. */
const WS_HIGH_WATER_BYTES = 1 << 20;
const WS_LOW_WATER_BYTES = 256 << 10;
/** After a Terminate the client should close its WebSocket itself; this only reaps one that never does. */
const TERMINATE_REAP_MS = 60_000;
/** How long close() waits for clients to acknowledge a close frame before dropping them. */
const SHUTDOWN_GRACE_MS = 1_000;

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const TERMINATE = 0x58; // 'X'

/** Loopback only: 127.0.0.0/8, ::1 (also IPv4-mapped), and the name localhost. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost") return true;
  const family = isIP(h);
  if (family === 4) return h.startsWith("127.");
  if (family === 6) {
    if (h === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped?.[1] !== undefined && mapped[1].startsWith("127.");
  }
  return false;
}

/**
 * Parses `host:port` or `[v6]:port`. Returns null for anything else, including
 * hostnames with characters that could never name a host.
 */
export function parseTargetAddress(address: string | null): { host: string; port: number } | null {
  if (!address) return null;
  let host: string;
  let portText: string;
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(address);
  if (bracketed?.[1] !== undefined && bracketed[2] !== undefined) {
    host = bracketed[1];
    portText = bracketed[2];
    if (isIP(host) !== 6) return null;
  } else {
    const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
    if (m?.[1] === undefined || m[2] === undefined) return null;
    host = m[1];
    portText = m[2];
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

/**
 * Follows the frontend (client-to-server) message stream just enough to notice
 * Terminate. Frames and messages do not align: the driver coalesces several
 * messages into one frame, and one message may span frames, so this keeps state.
 * Untyped messages (SSLRequest, GSSENCRequest, StartupMessage) come first.
 */
class TerminateDetector {
  private typed = false;
  private disabled = false;
  private readonly header = Buffer.alloc(8);
  private headerLen = 0;
  private skip = 0;
  private terminating = false;

  /** Returns the offset just past a Terminate message in `chunk`, or -1. */
  push(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length && !this.disabled) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0 && this.terminating) return i;
        continue;
      }
      const need = this.typed ? 5 : 8;
      const n = Math.min(need - this.headerLen, chunk.length - i);
      chunk.copy(this.header, this.headerLen, i, i + n);
      this.headerLen += n;
      i += n;
      if (this.headerLen < need) break;
      this.headerLen = 0;
      if (this.typed) {
        const len = this.header.readInt32BE(1);
        if (len < 4) {
          this.disabled = true; // not a protocol stream we understand: just relay
          break;
        }
        this.skip = len - 4;
        if (this.header[0] === TERMINATE) {
          this.terminating = true;
          if (this.skip === 0) return i;
        }
      } else {
        const len = this.header.readInt32BE(0);
        const code = this.header.readInt32BE(4);
        if (len < 8) {
          this.disabled = true;
          break;
        }
        this.skip = len - 8;
        // SSL/GSS negotiation is followed by another untyped message; anything else
        // (a StartupMessage) switches the stream to typed messages.
        if (code !== SSL_REQUEST_CODE && code !== GSSENC_REQUEST_CODE) this.typed = true;
      }
    }
    return -1;
  }
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once("error", () => socket.destroy());
  setTimeout(() => socket.destroy(), 1_000).unref();
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = connect({ host, port });
    const timer = setTimeout(() => tcp.destroy(new Error(`connect timeout to ${host}:${port}`)), TCP_CONNECT_TIMEOUT_MS);
    tcp.once("connect", () => {
      clearTimeout(timer);
      tcp.removeListener("error", reject);
      resolve(tcp);
    });
    tcp.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

interface Relay {
  ws: WebSocket;
  tcp: Socket;
}

/** Wires one accepted WebSocket to one connected TCP socket. */
function relay(ws: WebSocket, tcp: Socket, closeAfterTerminateMs: number | undefined, onDone: () => void): Relay {
  tcp.setNoDelay(true);
  const detector = new TerminateDetector();
  let clientTerminated = false;
  let pendingToWs = 0;
  let tcpClosed = false;
  let wsClosed = false;
  let done = false;

  // A relay counts as open until both sides are gone, so close() and stats() see
  // a TCP socket that is still flushing after the client left.
  const maybeFinish = () => {
    if (done || !tcpClosed || !wsClosed) return;
    done = true;
    onDone();
  };

  // Postgres -> client. ws.send's callback fires once the bytes are handed to the
  // socket, so pendingToWs counts what is still queued in memory.
  tcp.on("data", (data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    pendingToWs += data.length;
    ws.send(data, { binary: true }, () => {
      pendingToWs -= data.length;
      if (tcp.isPaused() && pendingToWs <= WS_LOW_WATER_BYTES) tcp.resume();
    });
    if (pendingToWs > WS_HIGH_WATER_BYTES) tcp.pause();
  });

  // Client -> Postgres.
  ws.on("message", (raw: RawData) => {
    if (clientTerminated || tcp.destroyed) return;
    const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const end = detector.push(data);
    if (end >= 0) {
      clientTerminated = true;
      tcp.end(data.subarray(0, end)); // the client closes the WebSocket itself
      return;
    }
    if (!tcp.write(data) && !ws.isPaused) {
      // Stop reading frames until Postgres catches up; frames already parsed still arrive and queue.
      ws.pause();
      tcp.once("drain", () => ws.resume());
    }
  });

  tcp.on("close", () => {
    tcpClosed = true;
    if (clientTerminated) {
      if (ws.readyState === ws.OPEN) {
        const delay = closeAfterTerminateMs ?? TERMINATE_REAP_MS;
        setTimeout(() => {
          if (ws.readyState !== ws.OPEN) return;
          ws.close(1000, "terminated");
          setTimeout(() => ws.terminate(), SHUTDOWN_GRACE_MS).unref();
        }, delay).unref();
      }
    } else if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      // The server went away (shutdown, refused login, crash): tell the client.
      ws.close(1011, "database connection closed");
    }
    maybeFinish();
  });
  tcp.on("error", () => tcp.destroy());

  ws.on("close", () => {
    wsClosed = true;
    if (!tcp.destroyed) {
      // Graceful: let queued bytes reach the server, then make sure the socket goes.
      tcp.end();
      setTimeout(() => tcp.destroy(), 2_000).unref();
    }
    maybeFinish();
  });
  ws.on("error", () => {
    tcp.destroy();
    ws.terminate();
  });

  return { ws, tcp };
}

export async function startWsProxy(opts: WsProxyOptions = {}): Promise<WsProxy> {
  const host = opts.host ?? "127.0.0.1";
  const allow = opts.allow ?? ((targetHost: string) => isLoopbackAddress(targetHost));
  const relays = new Set<Relay>();
  const rawSockets = new Set<Duplex>();
  let total = 0;
  let closing = false;
  const slots = new Slots(opts.maxConnections ?? Number.POSITIVE_INFINITY);

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((_req, res) => {
    res.writeHead(426, { "Content-Type": "text/plain" }).end("WebSocket upgrade required\n");
  });
  server.on("connection", (socket: Socket) => {
    rawSockets.add(socket);
    socket.once("close", () => rawSockets.delete(socket));
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    if (closing) return rejectUpgrade(socket, 503, "Service Unavailable", "proxy is closing\n");
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    if (url.pathname !== WS_PATH) return rejectUpgrade(socket, 404, "Not Found", `use ${WS_PATH}?address=host:port\n`);
    const target = parseTargetAddress(url.searchParams.get("address"));
    if (!target) return rejectUpgrade(socket, 400, "Bad Request", "address must be host:port\n");
    if (!allow(target.host, target.port)) {
      return rejectUpgrade(socket, 403, "Forbidden", `target ${target.host}:${target.port} not allowed\n`);
    }
    // Dial before accepting the upgrade so an unreachable database is an HTTP
    // error the client can see, not an open WebSocket that closes at once.
    slots
      .acquire()
      .then(() =>
        dial(target.host, target.port).then(
          (tcp) => {
            tcp.once("close", () => slots.release());
            return tcp;
          },
          (err: unknown) => {
            slots.release();
            throw err;
          },
        ),
      )
      .then(
      (tcp) => {
        if (closing || socket.destroyed) {
          tcp.destroy();
          socket.destroy();
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          total += 1;
          const r = relay(ws, tcp, opts.closeAfterTerminateMs, () => relays.delete(r));
          relays.add(r);
        });
      },
      (err: Error) => rejectUpgrade(socket, 502, "Bad Gateway", `cannot reach ${target.host}:${target.port}: ${err.message}\n`),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("ws-proxy: unexpected server address");
  const port = address.port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    port,
    url: `ws://${urlHost}:${port}`,
    stats: () => ({ open: relays.size, total }),
    async close() {
      if (closing) return;
      closing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const pending = [...relays].map(
        ({ ws, tcp }) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (ws.readyState === ws.CLOSED && tcp.destroyed) resolve();
            };
            ws.once("close", check);
            tcp.once("close", check);
            tcp.destroy();
            if (ws.readyState !== ws.CLOSED) {
              ws.close(1001, "proxy shutting down");
              setTimeout(() => ws.terminate(), SHUTDOWN_GRACE_MS).unref();
            }
            check();
          }),
      );
      await Promise.all(pending);
      for (const s of rawSockets) s.destroy();
      wss.close();
      await serverClosed;
    },
  };
}

/** A counting semaphore with a FIFO queue and a wait limit. */
class Slots {
  private used = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> }> = [];
  constructor(private readonly limit: number) {}

  acquire(timeoutMs = TCP_CONNECT_TIMEOUT_MS * 3): Promise<void> {
    if (this.used < this.limit) {
      this.used += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new Error(`no database connection free within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(); // the slot passes straight to the next waiter
    } else {
      this.used = Math.max(0, this.used - 1);
    }
  }
}

// `tsx scripts/local/ws-proxy.ts` runs the relay on WS_PROXY_PORT (default 5488).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const proxy = await startWsProxy({ port: Number(process.env.WS_PROXY_PORT ?? 5488) });
  console.log(`ws-proxy listening on ${proxy.url}${WS_PATH}?address=<host>:<port> (loopback targets only)`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
