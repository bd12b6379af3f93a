/**
 * The production-like runtime for the local stack (`npm run serve`, the benchmarks): the
 * BUILT bundle — what `wrangler deploy` would upload — run on Miniflare through its Node API.
 * No dev proxy in front (wrangler dev runs a second workerd for that), no file watcher, no
 * per-request logging: one workerd process holds the worker and every Durable Object.
 *
 * Bindings are not restated here: they come from wrangler.toml's environment through
 * wrangler's own `unstable_getMiniflareWorkerOptions`, so a binding added there (a new
 * Durable Object, a KV namespace, a queue) is picked up as `wrangler dev` would pick it up.
 * Persistence uses wrangler dev's layout (`<persistTo>/v3`, the environment's worker name),
 * so `npm start` and `npm run serve` on the same data folder see the same KV and objects.
 */
import { spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { Log, LogLevel, Miniflare, globsToRegExps, testRegExps } from "miniflare";
import type { ModuleRule, WorkerOptions } from "miniflare";
import type { Unstable_MiniflareWorkerOptions } from "wrangler";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WRANGLER_CONFIG = join(ROOT, "wrangler.toml");
const WRANGLER_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

export interface MiniflareRuntimeOptions {
  port: number;
  /** Build output goes to `<dataDir>/build`, KV / Durable Object state to `<persistTo>/v3`. */
  dataDir: string;
  persistTo: string;
  /** wrangler.toml environment whose bindings and vars are used ("local"). */
  env: string;
  /** Secrets and extra vars (DATABASE_URL, JWT_SECRET, …), as `--env-file` / `--var` give wrangler dev. */
  vars: Record<string, string>;
  /**
   * Further workers in the same workerd process, routed by their `routes` (the benchmarks'
   * baseline worker). Never part of the built bundle.
   */
  extraWorkers?: WorkerOptions[];
  /** Discard the worker's console.log output (benchmarks); errors still reach stderr. */
  quiet?: boolean;
  /**
   * Start workerd with a V8 inspector (`npm run profile` does): Miniflare
   * serves it on this port and passes `--inspector-addr` to workerd. Off by default (no cost).
   */
  inspectorPort?: number;
  log: (line: string) => void;
}

/** The caller must handle SIGINT/SIGTERM and call `stop()` (see below). */
export interface MiniflareRuntime {
  url: string;
  miniflare: Miniflare;
  stop(): Promise<void>;
}

/** Runs a wrangler command with metrics and network look-ups off; rejects with its output. */
export function runWrangler(args: string[], cwd = ROOT): Promise<string> {
  const bin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...WRANGLER_ENV }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += String(d)));
    child.stderr.on("data", (d: Buffer) => (out += String(d)));
    child.on("error", rej);
    child.on("exit", (code) => (code === 0 ? res(out) : rej(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${out}`))));
  });
}

/**
 * Bundles the worker exactly as `wrangler deploy` would (`--dry-run --outdir`): the entry
 * module plus the `.wasm` / `.onnx` modules its rules attach. Returns the entry's path.
 */
export async function buildWorkerBundle(opts: { outDir: string; env?: string; configPath?: string }): Promise<{ entry: string; upload: string }> {
  rmSync(opts.outDir, { recursive: true, force: true });
  const out = await runWrangler(["deploy", "--dry-run", "--outdir", opts.outDir, ...(opts.env ? ["--env", opts.env] : []), "--config", opts.configPath ?? WRANGLER_CONFIG]);
  // wrangler names the entry after the source's main module (index.ts → index.js).
  const entries = readdirSync(opts.outDir).filter((f) => /\.m?js$/.test(f));
  if (entries.length !== 1) throw new Error(`expected one entry module in ${opts.outDir}, found ${entries.join(", ") || "none"}`);
  return { entry: join(opts.outDir, entries[0] as string), upload: /Total Upload: ([^\n]+)/.exec(out)?.[1]?.trim() ?? "?" };
}

/**
 * The bundle's modules, listed: Miniflare cannot follow the bundle's dynamic imports itself.
 * Each file beside the entry gets the type of the first module rule (wrangler.toml's, then
 * wrangler's defaults) that matches it — CompiledWasm for `.wasm`, Data for `.onnx`.
 */
function bundleModules(entry: string, rules: ModuleRule[]): Array<{ type: ModuleRule["type"]; path: string }> {
  const dir = dirname(entry);
  const modules: Array<{ type: ModuleRule["type"]; path: string }> = [{ type: "ESModule", path: entry }];
  for (const file of readdirSync(dir).sort()) {
    const path = join(dir, file);
    if (path === entry || file.endsWith(".map") || file === "README.md") continue;
    const rule = rules.find((r) => testRegExps(globsToRegExps(r.include), file));
    if (rule) modules.push({ type: rule.type, path });
    else if (/\.m?js$/.test(file)) modules.push({ type: "ESModule", path });
    else throw new Error(`${path}: no module rule matches this bundle file`);
  }
  return modules;
}

/**
 * wrangler.toml's view of one environment: the worker's name and its Miniflare options,
 * from wrangler's own `unstable_readConfig` + `unstable_getMiniflareWorkerOptions`. Read in
 * a child process: importing wrangler installs SIGINT/SIGTERM handlers that exit at once,
 * which would cut short our own shutdown (Miniflare, PGlite).
 */
async function workerOptionsFromConfig(configPath: string, env: string): Promise<Unstable_MiniflareWorkerOptions & { name: string }> {
  const wrangler = createRequire(import.meta.url).resolve("wrangler");
  const code = `
    const w = require(${JSON.stringify(wrangler)});
    const config = w.unstable_readConfig({ config: ${JSON.stringify(configPath)}, env: ${JSON.stringify(env)} }, { hideWarnings: true });
    const options = w.unstable_getMiniflareWorkerOptions(config, ${JSON.stringify(env)});
    process.stdout.write(JSON.stringify({ name: config.name, ...options }));`;
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(process.execPath, ["-e", code], { env: { ...process.env, ...WRANGLER_ENV, WRANGLER_LOG: "error" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += String(d)));
    child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
    child.on("error", rej);
    child.on("exit", (c) => (c === 0 ? res(stdout) : rej(new Error(`reading ${configPath} (env ${env}) failed (${c}):\n${stderr}`))));
  });
  return JSON.parse(out) as Unstable_MiniflareWorkerOptions & { name: string };
}

export async function startMiniflareRuntime(opts: MiniflareRuntimeOptions): Promise<MiniflareRuntime> {
  const t0 = performance.now();
  const [bundle, fromConfig] = await Promise.all([
    buildWorkerBundle({ outDir: join(opts.dataDir, "build"), env: opts.env }),
    workerOptionsFromConfig(WRANGLER_CONFIG, opts.env),
  ]);
  opts.log(`built the bundle in ${Math.round(performance.now() - t0)} ms (${bundle.upload})`);
  const { workerOptions } = fromConfig;
  const bindings = { ...(workerOptions.bindings ?? {}), ...opts.vars };
  // The app's `[assets]` make Miniflare send every request through two extra workers of its
  // own (an RPC proxy and the asset router) before ours, even for the `run_worker_first`
  // paths. Production evaluates run_worker_first in Cloudflare's router, outside the worker's
  // CPU; here the same paths are given to our worker as routes, so they reach it directly
  // (same semantics: those paths always run the worker) and every other path still goes to
  // the assets.
  const workerFirst = (workerOptions.assets as { routerConfig?: { static_routing?: { user_worker?: string[] } } } | undefined)?.routerConfig?.static_routing?.user_worker ?? [];
  const worker = {
    ...workerOptions,
    ...(workerFirst.length > 0 ? { routes: workerFirst.map((path) => `*${path}`) } : {}),
    name: fromConfig.name,
    bindings,
    modules: bundleModules(bundle.entry, workerOptions.modulesRules ?? []),
    modulesRoot: dirname(bundle.entry),
    modulesRules: undefined,
  } as WorkerOptions;
  const drain = (stream: Readable) => stream.resume();
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: opts.port,
    log: new Log(LogLevel.WARN),
    logRequests: false,
    liveReload: false,
    cf: false, // no network look-up for request.cf
    ...(opts.inspectorPort !== undefined ? { inspectorPort: opts.inspectorPort } : {}),
    defaultPersistRoot: join(opts.persistTo, "v3"),
    ...(opts.quiet
      ? { handleRuntimeStdio: (out: Readable, err: Readable) => (drain(out), err.pipe(process.stderr)) }
      : { handleRuntimeStdio: (out: Readable, err: Readable) => (out.pipe(process.stdout), err.pipe(process.stderr)) }),
    workers: [worker, ...fromConfig.externalWorkers, ...(opts.extraWorkers ?? [])],
  });
  const url = (await miniflare.ready).origin;
  // Miniflare's exit hook answers SIGINT/SIGTERM with an immediate process.exit, which would
  // skip our shutdown (PGlite must close its data folder). The caller handles those signals
  // and calls stop(); the hook's 'exit' listener stays, so workerd never outlives us.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    for (const listener of process.listeners(sig)) if (!before[sig].includes(listener)) process.removeListener(sig, listener);
  }
  let stopped = false;
  return {
    url,
    miniflare,
    async stop() {
      if (stopped) return;
      stopped = true;
      await miniflare.dispose();
    },
  };
}
