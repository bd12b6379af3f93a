/**
 * `npm run serve`: the same platform as `npm start` (same bindings from wrangler.toml's
 * `local` environment, same secrets, database, relay, seed and data folder), but production-
 * like: the bundle `wrangler deploy` would upload, run on Miniflare directly — no dev proxy,
 * no file watcher, no per-request logs. Source changes need a restart (it rebuilds on start).
 * Used by `npm run bench`; `npm start` stays the developer default.
 *
 * Environment: PORT (8787), DATA_DIR (.data), DATABASE_URL, REDIS_URL, WS_PROXY_PORT.
 */
import { launchOrExit } from "./lib/launch";

launchOrExit({ command: "serve", runtime: "miniflare" });
