/**
 * Points @neondatabase/serverless at the local WebSocket relay
 * (scripts/local/ws-proxy.ts) instead of Neon's own proxy.
 *
 * What @neondatabase/serverless 1.2.0 allows (read from its bundle and CONFIG.md):
 * - Every socket setting used here (`wsProxy`, `useSecureWebSocket`, `pipelineTLS`,
 *   `pipelineConnect`, `webSocketConstructor`) exists both as a static on the
 *   exported `neonConfig` class (global default) and as an instance accessor on
 *   each connection's socket, reachable as `client.neonConfig`. Instance values
 *   fall back to the global ones (`this.opts.x ?? neonConfig.x`), so per-instance
 *   configuration is supported and leaves other clients untouched.
 * - A `Pool` creates its clients internally with `new this.Client(options)`.
 *   Neon's Pool sets `Client` as a class field after pg-pool's constructor, so the
 *   pg-pool `Client` option is ignored; assigning `pool.Client` afterwards works
 *   (it is public in the typings). `withLocalProxy` swaps in a subclass that
 *   configures each new client's `neonConfig` before it connects.
 * - The pg `stream` option cannot do this: the bundled Connection takes it as a
 *   ready object, and a Pool would share that one object between clients.
 * - `poolQueryViaFetch`, `fetchEndpoint` and `fetchFunction` are global only; they
 *   concern the HTTP path (`neon()`), which cannot reach a local Postgres anyway.
 *
 * Settings and why: the relay speaks plain `ws://` (`useSecureWebSocket = false`);
 * `pipelineConnect = false` because pipelining the password before the server asks
 * makes both Postgres (trust auth) and PGlite reject the login; `pipelineTLS = false`
 * as there is no TLS to pipeline. Node 20 has no global WebSocket, so Node callers
 * pass the `ws` constructor; workerd has one, so this module imports nothing at
 * runtime and loads in both.
 *
 * Two driver behaviours worth knowing (measured here, Node 20 and miniflare):
 * - After a clean `client.end()` / `pool.end()` the driver sends Terminate but never
 *   closes its WebSocket, so `end()` resolves only when the relay closes it. Start the
 *   relay with `closeAfterTerminateMs: 0` where callers await `end()` (see ws-proxy.ts).
 * - `coalesceWrites` (default on) flushes through `setTimeout(0)`, which Node clamps to
 *   1 ms: a held `SELECT 1` took ~1.3 ms p50 with it, ~0.12 ms with
 *   `client.neonConfig.coalesceWrites = false`. Left at the production default here.
 *
 * @example
 * // Node
 * import ws from "ws";
 * const pool = withLocalProxy(new Pool({ connectionString }), "127.0.0.1:5488", ws);
 * // workerd (per request; the global WebSocket is used)
 * const pool = withLocalProxy(new Pool({ connectionString: env.DATABASE_URL }), env.LOCAL_WS_PROXY);
 */
import type { Client, NeonConfig, Pool } from "@neondatabase/serverless";

/** The settings this helper writes: satisfied by the global `neonConfig` class and by `client.neonConfig`. */
export type NeonSocketSettings = Pick<
  NeonConfig,
  "wsProxy" | "useSecureWebSocket" | "pipelineTLS" | "pipelineConnect" | "webSocketConstructor"
>;

export type WebSocketConstructorLike = NeonConfig["webSocketConstructor"];

/** Accepts `host:port` or `ws://host:port` (trailing slash allowed); returns `host:port`. */
export function normalizeProxyHostPort(proxyHostPort: string): string {
  const stripped = proxyHostPort.replace(/^ws:\/\//, "").replace(/\/+$/, "");
  if (stripped.includes("://") || stripped.includes("/") || stripped.length === 0) {
    throw new Error(`local ws proxy must be host:port or ws://host:port, got "${proxyHostPort}"`);
  }
  return stripped;
}

/**
 * Writes the local-relay settings onto `target`: the global `neonConfig` (affects
 * every client created afterwards that has no own value) or one `client.neonConfig`.
 * Must run before the client connects.
 */
export function configureNeonForLocalProxy(
  target: NeonSocketSettings,
  proxyHostPort: string,
  webSocketConstructor?: WebSocketConstructorLike,
): void {
  const proxy = normalizeProxyHostPort(proxyHostPort);
  target.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  target.useSecureWebSocket = false;
  target.pipelineTLS = false;
  target.pipelineConnect = false;
  if (webSocketConstructor !== undefined) target.webSocketConstructor = webSocketConstructor;
}

/**
 * Makes every client this pool creates from now on use the local relay, without
 * touching the global `neonConfig`. Call it before the pool's first query.
 * Returns the same pool for chaining.
 */
export function withLocalProxy<P extends Pool>(
  pool: P,
  proxyHostPort: string,
  webSocketConstructor?: WebSocketConstructorLike,
): P {
  const proxy = normalizeProxyHostPort(proxyHostPort);
  const Base: typeof Client = pool.Client;
  pool.Client = class LocalProxyClient extends Base {
    constructor(...args: ConstructorParameters<typeof Client>) {
      super(...args);
      configureNeonForLocalProxy(this.neonConfig, proxy, webSocketConstructor);
    }
  };
  return pool;
}
