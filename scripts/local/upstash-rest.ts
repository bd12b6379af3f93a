/**
 * Upstash-compatible Redis REST endpoint over a real Redis, for local runs of
 * code that uses @upstash/redis (Node or workerd). Not for production.
 *
 * Wire format, as @upstash/redis 1.39 sends and reads it:
 * - `POST /` body `["SET","k","v"]` -> `{"result": ...}` (200) or `{"error": "..."}` (400);
 *   the client throws on a non-2xx status using `body.error`.
 * - `POST /pipeline` body `[[...], [...]]` -> `[{result}|{error}, ...]` (200), run in order,
 *   not atomically. The client auto-pipelines, so most calls arrive here.
 * - `POST /multi-exec` same shapes, run as MULTI/EXEC; a command that fails to queue
 *   aborts the whole transaction with a 400 `{error}`.
 * - `Authorization: Bearer <token>` on every route, otherwise 401 `{error}`.
 * - `Upstash-Encoding: base64` (the client's default): every string in the result,
 *   at any depth, is base64 of the raw reply bytes; numbers and null stay as they
 *   are. Status replies such as "OK" are encoded too: the client base64-decodes
 *   every string but "OK", so an unencoded status like "string" would be garbled.
 *
 * RESP2 shapes: ioredis 5 only speaks RESP2 (there is no `protocol` option; that is
 * ioredis 6). ioredis reshapes some replies by command name (`hgetall` becomes an
 * object, which the client would decode as null); its transformers are keyed by
 * lower-case names, so commands go out upper-case and come back as plain arrays.
 * Replies are read as Buffers (`callBuffer`) so base64 covers the exact bytes.
 *
 * One shared connection serves every request, so commands that change connection
 * state or block it (SELECT, SUBSCRIBE, MULTI, BLPOP, ...) are refused.
 *
 * @example
 * const rest = await startUpstashRest({ token: "local-token" });
 * const redis = new Redis({ url: rest.url, token: "local-token" });
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import IORedis from "ioredis";

export interface UpstashRestOptions {
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** Redis to serve (default redis://127.0.0.1:6379). */
  redisUrl?: string;
  /** Bearer token clients must present. */
  token: string;
}

export interface UpstashRest {
  port: number;
  /** `http://127.0.0.1:<port>`: pass as `url` to @upstash/redis. */
  url: string;
  /** Redis commands served so far (a pipeline or transaction of n counts n): what Upstash bills. */
  readonly commands: number;
  close(): Promise<void>;
}

type Arg = string | number;
type Command = [string, ...Arg[]];
type Reply = { result: unknown } | { error: string };

const MAX_BODY_BYTES = 16 << 20;

/** Would change or block the one shared connection. */
const REFUSED = new Set([
  "SELECT", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
  "MONITOR", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "QUIT", "RESET", "AUTH", "HELLO",
  "CLIENT", "SYNC", "PSYNC", "SHUTDOWN", "WAIT", "WAITAOF",
  "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP",
]);

class BadRequest extends Error {}

function parseCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) throw new BadRequest("ERR command must be a non-empty JSON array");
  const [name, ...rest] = value as unknown[];
  if (typeof name !== "string" || name.length === 0) throw new BadRequest("ERR command name must be a string");
  const args = rest.map((a): Arg => {
    if (typeof a === "string" || typeof a === "number") return a;
    if (typeof a === "boolean") return String(a);
    throw new BadRequest("ERR arguments must be strings or numbers");
  });
  return [name.toUpperCase(), ...args];
}

function refusal(name: string): string | null {
  if (!REFUSED.has(name)) return null;
  return `ERR command ${name} is not supported by the local Upstash REST shim`;
}

/** Buffers become base64 (or UTF-8) strings, recursively; RESP2 has nothing but these, numbers, null and arrays. */
function encodeResult(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return value.toString(base64 ? "base64" : "utf8");
  if (typeof value === "string") return base64 ? Buffer.from(value, "utf8").toString("base64") : value;
  if (Array.isArray(value)) return value.map((v) => encodeResult(v, base64));
  if (value instanceof Error) return encodeResult(value.message, base64);
  return value ?? null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  // Hash both sides so timingSafeEqual sees equal lengths and leaks nothing about the token's length.
  const a = createHash("sha256").update(header).digest();
  const b = createHash("sha256").update(`Bearer ${token}`).digest();
  return timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest("ERR request body too large");
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new BadRequest("ERR request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function startUpstashRest(opts: UpstashRestOptions): Promise<UpstashRest> {
  if (!opts.token) throw new Error("upstash-rest: a non-empty token is required");
  const redis = new IORedis(opts.redisUrl ?? "redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
  });
  await redis.connect();
  let commands = 0;

  async function single(cmd: Command, base64: boolean): Promise<[number, Reply]> {
    const refused = refusal(cmd[0]);
    if (refused) return [400, { error: refused }];
    try {
      const result = await redis.callBuffer(...cmd);
      return [200, { result: encodeResult(result, base64) }];
    } catch (err) {
      return [400, { error: errorMessage(err) }];
    }
  }

  async function pipeline(cmds: Command[], base64: boolean): Promise<[number, Reply[]]> {
    const p = redis.pipeline();
    const refusals = cmds.map((c) => refusal(c[0]));
    cmds.forEach((c, i) => {
      if (!refusals[i]) p.callBuffer(...c);
    });
    const results = p.length > 0 ? ((await p.exec()) ?? []) : [];
    let next = 0;
    return [
      200,
      cmds.map((_, i): Reply => {
        const refused = refusals[i];
        if (refused) return { error: refused };
        const [err, value] = results[next++] ?? [new Error("ERR no reply"), null];
        return err ? { error: errorMessage(err) } : { result: encodeResult(value, base64) };
      }),
    ];
  }

  async function multiExec(cmds: Command[], base64: boolean): Promise<[number, Reply | Reply[]]> {
    for (const c of cmds) {
      const refused = refusal(c[0]);
      if (refused) return [400, { error: refused }];
    }
    const m = redis.multi();
    for (const c of cmds) m.callBuffer(...c);
    try {
      const results = await m.exec();
      if (results === null) return [400, { error: "ERR transaction aborted" }];
      return [
        200,
        results.map(([err, value]): Reply => (err ? { error: errorMessage(err) } : { result: encodeResult(value, base64) })),
      ];
    } catch (err) {
      // EXECABORT: a command failed to queue; report the first cause like Redis does.
      const previous = (err as { previousErrors?: unknown[] }).previousErrors;
      const cause = previous?.[0];
      return [400, { error: cause === undefined ? errorMessage(err) : errorMessage(cause) }];
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!tokenMatches(req.headers.authorization, opts.token)) return send(res, 401, { error: "Unauthorized" });
    const path = new URL(req.url ?? "/", "http://shim.invalid").pathname.replace(/\/+$/, "") || "/";
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") return send(res, 404, { error: "Not Found" });
    if (req.method !== "POST") return send(res, 405, { error: "Method Not Allowed" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const body = await readJson(req);
    commands += path === "/" ? 1 : Array.isArray(body) ? body.length : 0;
    if (path === "/") {
      const [status, reply] = await single(parseCommand(body), base64);
      return send(res, status, reply);
    }
    if (!Array.isArray(body) || body.length === 0) throw new BadRequest("ERR body must be a non-empty array of commands");
    const cmds = body.map(parseCommand);
    const [status, reply] = path === "/pipeline" ? await pipeline(cmds, base64) : await multiExec(cmds, base64);
    return send(res, status, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      send(res, err instanceof BadRequest ? 400 : 500, { error: errorMessage(err) });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("upstash-rest: unexpected server address");
  const port = address.port;

  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get commands() {
      return commands;
    },
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // fetch keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
        await stopped;
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}

// `UPSTASH_TOKEN=... tsx scripts/local/upstash-rest.ts` serves REDIS_URL on UPSTASH_REST_PORT (default 8079).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const token = process.env.UPSTASH_TOKEN;
  if (!token) throw new Error("set UPSTASH_TOKEN");
  const rest = await startUpstashRest({
    token,
    port: Number(process.env.UPSTASH_REST_PORT ?? 8079),
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
  });
  console.log(`Upstash REST shim on ${rest.url}`);
  const stop = () => void rest.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
