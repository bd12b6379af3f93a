/**
 * The foreground launcher behind `npm start` (wrangler dev) and `npm run serve` (the built
 * bundle on Miniflare): one running stack per data folder, the same banner, Ctrl-C stops
 * every part and closes the database.
 */
import { startPlatform } from "./platform";
import type { Runtime } from "./platform";
import { DEFAULT_DATA_DIR, clearRunningStack, readRunningStack, writeRunningStack } from "./stack";

export async function launch(opts: { command: "start" | "serve"; runtime: Runtime }): Promise<void> {
  const started = performance.now();
  const port = Number(process.env.PORT ?? 8787);
  const log = (line: string) => console.log(`[${opts.command}] ${line}`);
  const running = readRunningStack();
  if (running) {
    console.error(`the local stack is already running on ${DEFAULT_DATA_DIR} (pid ${running.pid}${running.apiUrl ? `, ${running.apiUrl}` : ""}). Stop it first.`);
    process.exit(1);
  }
  const platform = await startPlatform({ port, log, runtime: opts.runtime, wranglerLogLevel: process.env.WRANGLER_LOG ?? "warn" });
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
      log(`${opts.runtime === "dev" ? "wrangler dev" : "workerd"} exited (${code})`);
      void stop(code || 1);
    }
  });

  const url = platform.apiUrl;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const mode = opts.runtime === "dev" ? "wrangler dev, rebuilds on change" : "built bundle on Miniflare, no watcher";
  console.log(`
  Adaptive learning ready in ${seconds} s (${mode})

    Open the app:  ${url}/

  The API at ${url}:

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

export function launchOrExit(opts: { command: "start" | "serve"; runtime: Runtime }): void {
  launch(opts).catch((err: unknown) => {
    console.error(err);
    clearRunningStack();
    process.exit(1);
  });
}
