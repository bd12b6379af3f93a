/**
 * `npm start`: the whole platform on embedded defaults, no outside service.
 *
 *   PGlite (.data/pglite, or DATABASE_URL) → Neon WebSocket relay → migrations → demo content
 *   → wrangler dev (miniflare: KV and Durable Objects persisted in .data/wrangler)
 *
 * Prints the URL when the API answers; Ctrl-C stops every child and closes the database.
 * Environment: PORT (8787), DATA_DIR (.data), DATABASE_URL (a Postgres server instead of
 * PGlite), WS_PROXY_PORT (random), WRANGLER_LOG (warn).
 */
import { startPlatform } from "./lib/platform";
import { DEFAULT_DATA_DIR, clearRunningStack, readRunningStack, writeRunningStack } from "./lib/stack";

const started = performance.now();
const port = Number(process.env.PORT ?? 8787);
const log = (line: string) => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const running = readRunningStack();
  if (running) {
    console.error(`npm start is already running (pid ${running.pid}${running.apiUrl ? `, ${running.apiUrl}` : ""}). Stop it first.`);
    process.exit(1);
  }
  const platform = await startPlatform({ port, log, wranglerLogLevel: process.env.WRANGLER_LOG ?? "warn" });
  writeRunningStack({ ...platform.stack.info, apiUrl: platform.apiUrl });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    await platform.stop();
    clearRunningStack();
    log("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  void platform.exited.then((code) => {
    if (!stopping) {
      log(`wrangler dev exited (${code})`);
      void stop(code || 1);
    }
  });

  const url = platform.apiUrl;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`
  Adaptive learning API ready in ${seconds} s at ${url}

    curl ${url}/healthz
    curl ${url}/v1/skills
    curl '${url}/v1/search?q=fraction'
    curl ${url}/openapi.json
    TOKEN=$(npm run -s token -- demo-learner)
    curl -X POST -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
         -d '{"mode":"practice"}' ${url}/v1/learners/demo-learner/next

  Data: ${DEFAULT_DATA_DIR} (delete it to start over). Ctrl-C stops everything.
`);
}

main().catch((err: unknown) => {
  console.error(err);
  clearRunningStack();
  process.exit(1);
});
