/**
 * `npm start`: the whole platform on embedded defaults, no outside service.
 *
 *   PGlite (.data/pglite, or DATABASE_URL) → Neon WebSocket relay → migrations → demo content
 *   → wrangler dev (miniflare: KV and Durable Objects persisted in .data/wrangler)
 *
 * Prints the URL when the API answers; Ctrl-C stops every child and closes the database.
 * Environment: PORT (8787), DATA_DIR (.data), DATABASE_URL (a Postgres server instead of
 * PGlite), REDIS_URL (optional), WS_PROXY_PORT (random), WRANGLER_LOG (warn).
 * `npm run serve` (scripts/serve.ts) runs the same stack on the built bundle instead.
 */
import { launchOrExit } from "./lib/launch";

launchOrExit({ command: "start", runtime: "dev" });
