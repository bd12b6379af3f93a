/**
 * `npm start`: the whole platform on embedded defaults, no outside service.
 *
 *   PGlite (.data/pglite, or DATABASE_URL) → Neon WebSocket relay → migrations → demo content
 *   → wrangler dev (miniflare: KV and Durable Objects persisted in .data/wrangler)
 *
 * Prints the URL when the API answers; Ctrl-C stops every child and closes the database.
 * Environment: PORT (8787), DATA_DIR (.data), DATABASE_URL (use a Postgres server instead of
 * PGlite), WS_PROXY_PORT (random).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { seedDemoContentIfEmpty } from "./lib/seed";
import { localSecrets } from "./lib/secrets";
import { DEFAULT_DATA_DIR, clearRunningStack, openLocalDatabase, readRunningStack, writeRunningStack } from "./lib/stack";

const started = performance.now();
const port = Number(process.env.PORT ?? 8787);
const log = (line: string) => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const running = readRunningStack();
  if (running) {
    console.error(`npm start is already running (pid ${running.pid}${running.apiUrl ? `, ${running.apiUrl}` : ""}). Stop it first.`);
    process.exit(1);
  }
  const stack = await openLocalDatabase({ own: true, log });
  const seeded = await seedDemoContentIfEmpty(stack.db);
  log(seeded.seeded ? `demo content seeded: ${seeded.skills} skills, ${seeded.items} items` : `content present: ${seeded.items} items (reusing ${DEFAULT_DATA_DIR})`);
  const secrets = localSecrets();

  const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const args = [
    wranglerBin,
    "dev",
    "--env",
    "local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    join(DEFAULT_DATA_DIR, "wrangler"),
    "--log-level",
    process.env.WRANGLER_LOG ?? "warn",
    "--show-interactive-dev-session=false",
    "--var",
    `DATABASE_URL:${stack.info.databaseUrl}`,
    "--var",
    `NEON_WS_PROXY:${stack.info.wsProxy}`,
    "--var",
    `JWT_SECRET:${secrets.JWT_SECRET}`,
    "--var",
    `OPS_TOKEN:${secrets.OPS_TOKEN}`,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    detached: true, // its own process group, so Ctrl-C handling below stops all of it
  });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, "SIGKILL");
          } catch {
            /* gone */
          }
          resolve();
        }, 5000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    await stack.close();
    clearRunningStack();
    log("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  child.on("exit", (code) => {
    if (!stopping) {
      log(`wrangler dev exited (${code ?? "signal"})`);
      void stop(code ?? 1);
    }
  });

  const apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${apiUrl}/healthz`, 60_000);
  writeRunningStack({ ...stack.info, apiUrl });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`
  Adaptive learning API ready in ${seconds} s at ${apiUrl}

    curl ${apiUrl}/healthz
    curl ${apiUrl}/v1/skills
    curl '${apiUrl}/v1/search?q=fraction'
    curl ${apiUrl}/openapi.json
    npm run token -- demo-learner      # a bearer token for /v1/learners/demo-learner/…

  Data: ${DEFAULT_DATA_DIR} (delete it to start over). Ctrl-C stops everything.
`);
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  clearRunningStack();
  process.exit(1);
});
