/**
 * Brings up the whole local platform: the web app's build, the database side (scripts/lib/stack.ts), demo content,
 * optional Redis (REDIS_URL, behind the Upstash-compatible shim), and the worker pointed at it.
 *
 * Two runtimes, same bindings (wrangler.toml's `local` environment), same secrets, same data:
 * - "dev" (`npm start`): `wrangler dev`, which watches the sources and rebuilds.
 * - "miniflare" (`npm run serve`, `npm run bench`): the built bundle on Miniflare directly
 *   (scripts/lib/miniflare-runtime.ts): no dev proxy, no watcher, no request logs.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { WorkerOptions } from "miniflare";
import { startUpstashRest } from "../local/upstash-rest";
import { startMiniflareRuntime } from "./miniflare-runtime";
import { localSecrets } from "./secrets";
import type { LocalSecrets } from "./secrets";
import { seedDemoContentIfEmpty } from "./seed";
import { DEFAULT_DATA_DIR, openLocalDatabase } from "./stack";
import { buildWebApp } from "./web";
import type { LocalDatabaseStack } from "./stack";

export type Runtime = "dev" | "miniflare";

export interface Platform {
  apiUrl: string;
  runtime: Runtime;
  stack: LocalDatabaseStack;
  secrets: LocalSecrets;
  /** Stops the runtime (wrangler's whole process group, or Miniflare) and closes the database side. */
  stop(): Promise<void>;
  /** Resolves when the runtime exits on its own. */
  exited: Promise<number>;
}

export interface PlatformOptions {
  port: number;
  dataDir?: string;
  log: (line: string) => void;
  /** wrangler's log level (warn keeps per-request logs out of benchmarks). */
  wranglerLogLevel?: string;
  /** Inherit the runtime's output (npm start, npm run serve) or discard it (benchmarks). */
  quiet?: boolean;
  /** "dev" (default): wrangler dev. "miniflare": the built bundle on Miniflare. */
  runtime?: Runtime;
  /** Miniflare only: more workers in the same process (the benchmark's baselines). */
  extraWorkers?: WorkerOptions[];
  /** Miniflare only: serve workerd's V8 inspector on this port (the profiler). */
  inspectorPort?: number;
  /** More worker vars, e.g. ITEM_STATS_KEY_PREFIX so a run on a shared Redis keeps its statistics apart. */
  vars?: Record<string, string>;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  // The worker serves the web app as static assets (wrangler.toml [assets]): build it first.
  const web = await buildWebApp();
  opts.log(`web app built into web/dist in ${web.ms} ms (${(web.jsGzipBytes / 1024).toFixed(1)} KiB of JavaScript, gzipped)`);
  const stack = await openLocalDatabase({ own: true, dataDir, log: opts.log });
  try {
    const t0 = performance.now();
    const seeded = await seedDemoContentIfEmpty(stack.db);
    opts.log(
      seeded.seeded
        ? `demo content seeded: ${seeded.skills} skills, ${seeded.items} items (${Math.round(performance.now() - t0)} ms)`
        : `content present: ${seeded.items} items (reusing ${dataDir})`,
    );
  } catch (err) {
    await stack.close();
    throw err;
  }
  const secrets = localSecrets(dataDir);
  // The same secrets and optional vars reach either runtime.
  const vars: Record<string, string> = {
    DATABASE_URL: stack.info.databaseUrl,
    NEON_WS_PROXY: stack.info.wsProxy,
    JWT_SECRET: secrets.JWT_SECRET,
    OPS_TOKEN: secrets.OPS_TOKEN,
  };
  // Optional global state: with REDIS_URL, an Upstash-compatible endpoint over that Redis.
  let upstash: { close(): Promise<void> } | null = null;
  const optionalVars: Record<string, string> = { ...opts.vars };
  if (process.env.REDIS_URL) {
    const token = randomBytes(18).toString("base64url");
    const rest = await startUpstashRest({ port: 0, redisUrl: process.env.REDIS_URL, token });
    upstash = rest;
    optionalVars.UPSTASH_REDIS_REST_URL = rest.url;
    optionalVars.UPSTASH_REDIS_REST_TOKEN = token;
    opts.log(`Redis via the Upstash REST endpoint ${rest.url} (REDIS_URL)`);
  }
  const persistTo = join(dataDir, "wrangler");

  if (opts.runtime === "miniflare") {
    try {
      const runtime = await startMiniflareRuntime({
        port: opts.port,
        dataDir,
        persistTo,
        env: "local",
        vars: { ...vars, ...optionalVars },
        extraWorkers: opts.extraWorkers,
        inspectorPort: opts.inspectorPort,
        quiet: opts.quiet,
        log: opts.log,
      });
      let stopped = false;
      let exit: (code: number) => void = () => {};
      const exited = new Promise<number>((resolve) => (exit = resolve));
      return {
        apiUrl: runtime.url.replace("localhost", "127.0.0.1"),
        runtime: "miniflare",
        stack,
        secrets,
        exited,
        async stop() {
          if (stopped) return;
          stopped = true;
          await runtime.stop();
          exit(0);
          await upstash?.close();
          await stack.close();
        },
      };
    } catch (err) {
      await upstash?.close();
      await stack.close();
      throw err;
    }
  }

  // Secrets reach wrangler dev as an env file (as `.dev.vars` would), so its required-secrets
  // check sees them; the file lives in the data folder, never in the repository.
  const envFile = join(dataDir, "local.env");
  writeFileSync(envFile, [...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ""].join("\n"), { mode: 0o600 });
  // Optional vars go as --var: only required secrets are read from the env file.
  const extraVars = Object.entries(optionalVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const args = [
    wranglerBin,
    "dev",
    "--env",
    "local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--persist-to",
    persistTo,
    "--log-level",
    opts.wranglerLogLevel ?? "warn",
    "--show-interactive-dev-session=false",
    // Serves /__scheduled, so the calibration Cron Trigger can be fired by hand.
    "--test-scheduled",
    "--env-file",
    envFile,
    ...extraVars,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ["ignore", opts.quiet ? "ignore" : "inherit", opts.quiet ? "ignore" : "inherit"],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    detached: true, // its own process group: stopping it stops workerd too
  });
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.pid) {
      signal(child.pid, "SIGTERM");
      const killer = setTimeout(() => child.pid && signal(child.pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
    await upstash?.close();
    await stack.close();
  };
  const apiUrl = `http://127.0.0.1:${opts.port}`;
  try {
    await Promise.race([waitFor(`${apiUrl}/healthz`, 60_000), exited.then((code) => Promise.reject(new Error(`wrangler dev exited (${code})`)))]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { apiUrl, runtime: "dev", stack, secrets, stop, exited };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}

/** Polls `url` until it answers 2xx, or throws after `timeoutMs`. */
export async function waitFor(url: string, timeoutMs: number): Promise<void> {
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
