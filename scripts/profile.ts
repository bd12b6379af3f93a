/**
 * `npm run profile`: where the local stack's CPU goes under the load mix, so the throughput
 * work cuts what costs most (issue 10, part 1). Three measurements, one platform:
 *
 * 1. A CPU profile of the worker's isolate (the API worker and every Durable Object share
 *    it) through workerd's inspector, while a built-in driver runs the seed's load mix —
 *    practice 70 %, review 20 %, mock-test items 10 %, with progress, item, skills and search
 *    reads and a share of brand-new learners (scripts/lib/profile-driver.ts).
 * 2. At the same time, a CPU profile of this Node process, which hosts the Neon WebSocket
 *    relay (scripts/local/ws-proxy.ts) and, without DATABASE_URL, PGlite.
 * 3. CPU per request per route: each route driven alone (closed loop, or one request per
 *    pooled learner for the routes that change a learner's state), with the CPU of every
 *    workerd process read from /proc before and after, and this process's own CPU for the
 *    relay. The driver runs in a child process so its CPU is counted apart.
 *
 * Writes reports/profile.md (tables), reports/profile/summary.json and the raw profiles
 * reports/profile/*.cpuprofile (git-ignored; open them in Chrome DevTools or speedscope).
 *
 * With `wrangler dev` the worker is built from a frozen copy of the sources (in the data
 * folder), so edits made while the profile runs cannot reload the runtime mid-measurement.
 *
 * Options: --seconds N (profiled mix, default 20), --route-seconds N (each looped route,
 * default 3), --vus N (mix learners in flight, default 16), --port N (8796), --runtime
 * miniflare|dev (default miniflare, the built bundle as `npm run serve` and the benchmarks
 * run it, started with an inspector on port+1000; dev: wrangler dev), --no-snapshot, --resummarise (no run: rebuild the summaries and the report from
 * the last run's raw profiles, e.g. after changing the attribution rules). DATA_DIR picks the data folder (default: a fresh temporary
 * one); DATABASE_URL profiles against a Postgres server instead of PGlite.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import type { CpuProfile } from "./lib/profile-cdp";
import { listTargets, resolveInspector, startNodeProfile, startWorkerdProfile } from "./lib/profile-cdp";
import type { ProfileSummary } from "./lib/profile-analysis";
import { sourceMapsFor, summarise } from "./lib/profile-analysis";
import type { BatchRoute, DriverCommand, DriverReply, DriverResult, LoopRoute } from "./lib/profile-driver";
import { findWorkerd, listeningPorts, processCpuMs } from "./lib/profile-procs";
import type { WorkerdProcess } from "./lib/profile-procs";
import { startPlatform } from "./lib/platform";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "route-seconds": { type: "string", default: "3" },
    vus: { type: "string", default: "16" },
    port: { type: "string", default: "8796" },
    runtime: { type: "string", default: "miniflare" },
    "no-snapshot": { type: "boolean", default: false },
    resummarise: { type: "boolean", default: false },
  },
});
const MIX_SECONDS = Number(values.seconds);
const ROUTE_SECONDS = Number(values["route-seconds"]);
const VUS = Number(values.vus);
const RUNTIME = values.runtime === "dev" ? "dev" : "miniflare";
const ROUTE_CONCURRENCY = 8;
const OUT_DIR = join(ROOT, "reports", "profile");
/** Where the worker bundle's source map is kept (as `<this>.map`; the bundle itself is not needed). */
const SAVED_BUNDLE = join(OUT_DIR, "workerd-bundle.js");

const log = (line: string) => console.log(`[profile] ${line}`);

/** A frozen copy of what wrangler builds, so others' edits cannot reload the runtime mid-run. */
function snapshotSources(dataDir: string): string {
  const dir = join(dataDir, "snapshot");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of ["wrangler.toml", "package.json", "tsconfig.json", "src", "workers", "models", "config", "web"]) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** The newest bundle wrangler dev wrote under `cwd` (for source maps when a profile names no file). */
function newestDevBundle(cwd: string): string | undefined {
  const tmp = join(cwd, ".wrangler", "tmp");
  if (!existsSync(tmp)) return undefined;
  return readdirSync(tmp)
    .filter((d) => d.startsWith("dev-") && existsSync(join(tmp, d, "index.js")))
    .map((d) => join(tmp, d, "index.js"))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

// ---------------------------------------------------------------------------------------
// The driver child

class DriverProcess {
  private waiting: ((r: DriverReply) => void) | null = null;
  private constructor(private readonly child: ChildProcess) {
    child.on("message", (msg: DriverReply) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(msg);
    });
  }

  static start(): DriverProcess {
    // Inherits this process's execArgv, i.e. tsx's loader.
    const child = fork(join(ROOT, "scripts", "lib", "profile-driver.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new DriverProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(cmd: DriverCommand): Promise<DriverReply> {
    return new Promise((resolve, reject) => {
      this.waiting = (r) => (r.type === "error" ? reject(new Error(`driver: ${r.message}`)) : resolve(r));
      this.child.send(cmd);
    });
  }

  async run(cmd: DriverCommand): Promise<DriverResult> {
    const r = await this.send(cmd);
    if (r.type !== "result") throw new Error(`driver: expected a result, got ${r.type}`);
    return r.result;
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

// ---------------------------------------------------------------------------------------
// CPU accounting

interface CpuSnapshot {
  workerd: Map<number, number>;
  node: number;
  driver: number;
  at: number;
}

function cpuNow(procs: WorkerdProcess[], driverPid: number): CpuSnapshot {
  const u = process.cpuUsage();
  return {
    workerd: new Map(procs.map((p) => [p.pid, processCpuMs(p.pid)])),
    node: (u.user + u.system) / 1000,
    driver: processCpuMs(driverPid),
    at: performance.now(),
  };
}

interface CpuDelta {
  worker: number;
  devProxy: number;
  node: number;
  driver: number;
  seconds: number;
}

function cpuDelta(a: CpuSnapshot, b: CpuSnapshot, procs: WorkerdProcess[]): CpuDelta {
  let worker = 0;
  let devProxy = 0;
  for (const p of procs) {
    const d = (b.workerd.get(p.pid) ?? 0) - (a.workerd.get(p.pid) ?? 0);
    if (p.role === "worker") worker += d;
    else devProxy += d;
  }
  return { worker, devProxy, node: b.node - a.node, driver: b.driver - a.driver, seconds: (b.at - a.at) / 1000 };
}

interface RouteRow {
  route: string;
  how: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  /** CPU ms per request. */
  worker: number;
  devProxy: number;
  node: number;
  driver: number;
  statuses: Record<string, number>;
  note?: string;
}

function addRow(rows: RouteRow[], route: string, how: string, results: DriverResult[], deltas: CpuDelta[], note?: string): RouteRow {
  const requests = results.reduce((s, r) => s + r.requests, 0);
  const errors = results.reduce((s, r) => s + r.errors, 0);
  const seconds = deltas.reduce((s, d) => s + d.seconds, 0);
  const all = results.flatMap((r) => Object.values(r.endpoints));
  const statuses: Record<string, number> = {};
  for (const e of all) for (const [k, v] of Object.entries(e.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  // Latency quantiles of several batches: the request-weighted mean of each batch's value.
  const wq = (f: (e: (typeof all)[number]) => number) => (requests > 0 ? all.reduce((s, e) => s + f(e) * e.n, 0) / requests : 0);
  const per = (f: (d: CpuDelta) => number) => (requests > 0 ? deltas.reduce((s, d) => s + f(d), 0) / requests : 0);
  const row: RouteRow = {
    route,
    how,
    requests,
    errors,
    rps: seconds > 0 ? requests / seconds : 0,
    p50: wq((e) => e.p50),
    p95: wq((e) => e.p95),
    worker: per((d) => d.worker),
    devProxy: per((d) => d.devProxy),
    node: per((d) => d.node),
    driver: per((d) => d.driver),
    statuses,
    note,
  };
  rows.push(row);
  log(
    `${route.padEnd(28)} n=${String(requests).padStart(5)} ${row.rps.toFixed(0).padStart(4)} req/s p50 ${row.p50.toFixed(1)} ms · CPU/req: worker ${row.worker.toFixed(2)} ms, dev proxy ${row.devProxy.toFixed(2)}, relay+db ${row.node.toFixed(2)}, driver ${row.driver.toFixed(2)}${errors ? ` · ${errors} errors ${JSON.stringify(statuses)}` : ""}`,
  );
  return row;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : mkdtempSync(join(tmpdir(), "learning-profile-"));
  mkdirSync(OUT_DIR, { recursive: true });
  const snapshot = RUNTIME === "dev" && !values["no-snapshot"] ? snapshotSources(dataDir) : null;
  if (snapshot) {
    log(`sources frozen in ${snapshot} (wrangler dev builds from there)`);
    process.chdir(snapshot);
  }
  const t0 = performance.now();
  const platform = await startPlatform({
    port: Number(values.port),
    dataDir,
    log,
    quiet: true,
    wranglerLogLevel: "error",
    runtime: RUNTIME,
    // Short hand-over and writer delays, so an attempt's background work lands in its window.
    vars: { OUTBOX_FLUSH_DELAY_MS: "1000", OUTBOX_WRITER_FLUSH_MS: "1000" },
    // Miniflare serves workerd's inspector only when asked; the profile reads workerd's own port.
    ...(RUNTIME === "miniflare" ? { inspectorPort: Number(values.port) + 1000 } : {}),
  });
  process.chdir(ROOT);
  log(`platform (${RUNTIME}, ${platform.stack.source}) up in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${platform.apiUrl}`);
  const driver = DriverProcess.start();
  try {
    const ops = { authorization: `Bearer ${platform.secrets.OPS_TOKEN}` };
    await fetch(`${platform.apiUrl}/v1/ops/content/publish`, { method: "POST", headers: ops }).then((r) => r.arrayBuffer());
    const itemIds = (await platform.stack.db.read.execute<{ id: string }>(sql`SELECT id FROM items ORDER BY md5(id) LIMIT 600`)).rows.map((r) => r.id);
    const run = Date.now().toString(36);
    await driver.send({ type: "init", base: platform.apiUrl, secret: platform.secrets.JWT_SECRET, answerKey: join(ROOT, "loadtests", "data", "answer-key.json"), itemIds, run });

    const procs = findWorkerd();
    log(`workerd: ${procs.map((p) => `${p.pid} (${p.role}${p.inspector ? `, inspector ${p.inspector}` : ""})`).join(", ") || "none found"}`);
    const pidsKey = () =>
      findWorkerd()
        .map((p) => p.pid)
        .sort()
        .join(",");
    const startPids = pidsKey();

    // Content into KV first: the mix and the loops read cached items and searches.
    await driver.send({ type: "prepare", pool: "content", size: 0 });
    // Warm-up: compiles the worker, opens pools, creates the first objects.
    log("warm-up: 3 s of the mix");
    await driver.run({ type: "mix", seconds: 3, concurrency: VUS, newLearnerShare: 0.03 });

    // 1 + 2: the profiled mix.
    const workerProc = procs.find((p) => p.role === "worker");
    const inspector = workerProc?.inspector ? await resolveInspector(workerProc.inspector, listeningPorts(workerProc.pid)) : null;
    const target = inspector ? (await listTargets(inspector)).find((t) => t.id.startsWith("core:user:")) : undefined;
    if (!target) log("no workerd inspector found: the worker's profile is skipped (per-route CPU still measured)");
    log(`profiling the mix for ${MIX_SECONDS} s with ${VUS} learners in flight`);
    const workerdProfile = target ? await startWorkerdProfile(target) : null;
    const nodeProfile = await startNodeProfile();
    const before = cpuNow(procs, driver.pid);
    const mix = await driver.run({ type: "mix", seconds: MIX_SECONDS, concurrency: VUS, newLearnerShare: 0.03 });
    const after = cpuNow(procs, driver.pid);
    const relayProfile = await nodeProfile.stop();
    const workerProfile = workerdProfile ? await workerdProfile.stop() : null;
    const mixCpu = cpuDelta(before, after, procs);
    const steps = Object.entries(mix.steps ?? {})
      .filter(([k]) => k !== "new learner")
      .reduce((s, [, v]) => s + v, 0);
    log(`mix: ${mix.requests} requests (${(mix.requests / mix.seconds).toFixed(0)}/s), ${steps} steps, ${mix.errors} errors`);

    writeFileSync(join(OUT_DIR, "relay-mix.cpuprofile"), JSON.stringify(relayProfile));
    if (workerProfile) writeFileSync(join(OUT_DIR, "workerd-mix.cpuprofile"), JSON.stringify(workerProfile));
    const roots = [snapshot, ROOT].filter((r): r is string => r !== null);
    // Keep the bundle's source map beside the profile (wrangler dev deletes its build on exit),
    // so `--resummarise` can map the same positions later.
    const bundle = RUNTIME === "miniflare" ? join(dataDir, "build", "index.js") : newestDevBundle(snapshot ?? ROOT);
    if (bundle && existsSync(`${bundle}.map`)) cpSync(`${bundle}.map`, `${SAVED_BUNDLE}.map`);
    const workerSummary = workerProfile
      ? summarise(workerProfile, { sourceMaps: sourceMapsFor(workerProfile, existsSync(`${SAVED_BUNDLE}.map`) ? SAVED_BUNDLE : undefined), roots, wasmModule: "onnxruntime (wasm)" })
      : null;
    const relaySummary = summarise(relayProfile, { sourceMaps: new Map(), roots, wasmModule: platform.stack.source === "pglite" ? "PGlite (wasm)" : "wasm" });

    // 3: per route.
    log("per route: preparing learner pools");
    await driver.send({ type: "prepare", pool: "practice", size: 48 });
    await driver.send({ type: "prepare", pool: "mock", size: 32 });
    await driver.send({ type: "prepare", pool: "new", size: 400 });
    // Again: the search cache lives SEARCH_CACHE_TTL_SECONDS (30 s locally), less than the mix.
    await driver.send({ type: "prepare", pool: "content", size: 0 });
    const rows: RouteRow[] = [];
    const settle = () => new Promise((r) => setTimeout(r, 250));
    const loop = async (route: LoopRoute, label: string, how: string) => {
      const a = cpuNow(procs, driver.pid);
      const res = await driver.run({ type: "loop", route, seconds: ROUTE_SECONDS, concurrency: ROUTE_CONCURRENCY });
      await settle();
      const b = cpuNow(procs, driver.pid);
      addRow(rows, label, how, [res], [cpuDelta(a, b, procs)]);
    };
    const batches = async (label: string, how: string, plan: BatchRoute[], rounds: number, pick: BatchRoute) => {
      const results: DriverResult[] = [];
      const deltas: CpuDelta[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const route of plan) {
          const a = cpuNow(procs, driver.pid);
          const res = await driver.run({ type: "batch", route, concurrency: ROUTE_CONCURRENCY });
          // An attempt ranks the learner's next item at once (in its background) and hands its
          // outbox over OUTBOX_FLUSH_DELAY_MS later (1 s here, see startPlatform below); the
          // writer commits to Postgres OUTBOX_WRITER_FLUSH_MS (1 s here) after that: wait for
          // both, so they are counted with the attempt and not in the next window.
          await (route.endsWith("attempt") ? new Promise((r) => setTimeout(r, 2_300)) : settle());
          const b = cpuNow(procs, driver.pid);
          if (route === pick) {
            results.push(res);
            deltas.push(cpuDelta(a, b, procs));
          }
        }
      }
      addRow(rows, label, how, results, deltas);
    };
    await loop("healthz", "GET /healthz", "loop");
    await loop("item", "GET /v1/items/:id (KV hit)", "loop");
    await loop("skills", "GET /v1/skills", "loop");
    await loop("search", "GET /v1/search (cache hit)", "loop");
    await loop("progress", "GET progress", "loop");
    await loop("next-repeat", "next, item pending (repeat)", "loop");
    await loop("next-new", "next, brand-new learner", "loop, 1 per learner");
    // Attempt and a fresh next alternate on the same 48 learners: each batch is measured alone.
    await batches("attempt (practice), with its flush", "48/batch × 3", ["attempt", "next"], 3, "attempt");
    await batches("next, warm (fresh choice)", "48/batch × 3", ["attempt", "next"], 3, "next");
    await batches("mock start", "32/batch × 1", ["mock-start"], 1, "mock-start");
    await batches("mock next (new item)", "32/batch × 3", ["mock-next", "mock-attempt"], 3, "mock-next");
    await batches("mock attempt, with its flush", "32/batch × 3", ["mock-next", "mock-attempt"], 3, "mock-attempt");

    const reloaded = pidsKey() !== startPids;
    if (reloaded) log("WARNING: the workerd processes changed during the run (a reload): numbers after it are incomplete");

    const summary = {
      at: new Date().toISOString(),
      runtime: RUNTIME,
      database: platform.stack.source,
      snapshot: snapshot !== null,
      reloaded,
      mix: { seconds: MIX_SECONDS, vus: VUS, result: mix, steps, cpu: mixCpu },
      routes: rows,
      worker: workerSummary,
      relay: relaySummary,
      roots,
    };
    writeFileSync(join(OUT_DIR, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(ROOT, "reports", "profile.md"), renderReport(summary));
    log(`wrote reports/profile.md, reports/profile/summary.json and the .cpuprofile files in reports/profile/`);
  } finally {
    driver.stop();
    await platform.stop();
  }
}

// ---------------------------------------------------------------------------------------
// The report

type Summary = {
  at: string;
  runtime: string;
  database: string;
  reloaded: boolean;
  mix: { seconds: number; vus: number; result: DriverResult; steps: number; cpu: CpuDelta };
  routes: RouteRow[];
  worker: ProfileSummary | null;
  relay: ProfileSummary;
};

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`;
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(head), `|${align.join("|")}|`, ...rows.map(line)].join("\n");
}

function profileTables(title: string, s: ProfileSummary): string {
  return [
    `### ${title}`,
    "",
    `${s.samples} samples at ${s.intervalUs} µs over ${f1(s.wallMs / 1000)} s: ${f1(s.busyMs)} ms of CPU in the profiled thread (${f1(s.idleMs)} ms idle samples left out). Percentages are of the busy time.`,
    "",
    "By module:",
    "",
    table(
      ["module", "self ms", "%"],
      s.byModule.map((m) => [m.name, f1(m.ms), f1(m.pct)]),
    ),
    "",
    "Top functions (self time):",
    "",
    table(
      ["function (original file:line)", "module", "self ms", "%"],
      s.byFunction.map((m) => [`\`${m.name}\``, m.module, f1(m.ms), f1(m.pct)]),
    ),
    "",
    "Top files (self time):",
    "",
    table(
      ["file", "module", "self ms", "%"],
      s.byFile.map((m) => [`\`${m.name}\``, m.module, f1(m.ms), f1(m.pct)]),
    ),
    "",
  ].join("\n");
}

function renderReport(s: Summary): string {
  const mixReq = s.mix.result.requests;
  const perReq = (x: number) => (mixReq > 0 ? f2(x / mixReq) : "–");
  const perStep = (x: number) => (s.mix.steps > 0 ? f2(x / s.mix.steps) : "–");
  const endpoints = Object.entries(s.mix.result.endpoints).sort((a, b) => b[1].n - a[1].n);
  return [
    "# Where the CPU goes: profile of the local stack under the load mix",
    "",
    `Generated by \`npm run profile\` (scripts/profile.ts) on ${s.at}. Runtime: ${s.runtime === "dev" ? "`wrangler dev` (its entry workerd in front, the user workerd running the worker and every Durable Object)" : "Miniflare"}; database: ${s.database === "pglite" ? "embedded PGlite in the Node process, behind the relay" : s.database}. 2-core machine shared with the driver and other work: compare rows within this run, not with other machines.${s.reloaded ? " **The runtime reloaded during the run: some rows are incomplete.**" : ""}`,
    "",
    "## Commands",
    "",
    "```sh",
    "npm run profile                                   # 2–5 min: writes this file and reports/profile/",
    "DATA_DIR=/tmp/pf-data npm run profile -- --port 8795 --seconds 20 --route-seconds 3",
    "DATABASE_URL=postgres://localhost/learning npm run profile   # against a Postgres server",
    "# open reports/profile/workerd-mix.cpuprofile or relay-mix.cpuprofile in Chrome DevTools (Performance) or speedscope",
    "```",
    "",
    "## The mix",
    "",
    `${s.mix.seconds} s, ${s.mix.vus} learners in flight (closed loop, no think time), ${mixReq} requests (${f1(mixReq / s.mix.result.seconds)}/s), ${s.mix.steps} learner steps, ${s.mix.result.errors} errors.`,
    "",
    table(
      ["endpoint", "requests", "errors", "p50 ms", "p95 ms"],
      endpoints.map(([k, e]) => [k, e.n, e.errors, f1(e.p50), f1(e.p95)]),
    ),
    "",
    table(
      ["CPU during the mix", "total ms", "ms / request", "ms / step", "cores"],
      [
        ["workerd: worker + Durable Objects", f1(s.mix.cpu.worker), perReq(s.mix.cpu.worker), perStep(s.mix.cpu.worker), f2(s.mix.cpu.worker / 1000 / s.mix.cpu.seconds)],
        ["workerd: wrangler dev proxy", f1(s.mix.cpu.devProxy), perReq(s.mix.cpu.devProxy), perStep(s.mix.cpu.devProxy), f2(s.mix.cpu.devProxy / 1000 / s.mix.cpu.seconds)],
        [`Node: relay${s.database === "pglite" ? " + PGlite" : ""} (+ profiler)`, f1(s.mix.cpu.node), perReq(s.mix.cpu.node), perStep(s.mix.cpu.node), f2(s.mix.cpu.node / 1000 / s.mix.cpu.seconds)],
        ["load driver (child process)", f1(s.mix.cpu.driver), perReq(s.mix.cpu.driver), perStep(s.mix.cpu.driver), f2(s.mix.cpu.driver / 1000 / s.mix.cpu.seconds)],
      ],
    ),
    "",
    "## CPU per request, per route",
    "",
    `Each route alone, ${ROUTE_CONCURRENCY} requests in flight. "loop": closed loop for a few seconds; "N/batch × R": one request for each of N pooled learners, R times, each batch measured on its own (an attempt needs a served item, a fresh \`next\` needs the last one answered, so these alternate and only the named step's windows count; after every attempt batch the window stays open 2.3 s so the ranking ahead, the outbox hand-over (1 s later in this run) and the writer's Postgres commit (1 s after that) land in it). CPU from /proc (10 ms ticks) over the window, profilers off. "relay + db" is this Node process: the relay${s.database === "pglite" ? " and PGlite" : ""}.`,
    "",
    table(
      ["route", "how", "requests", "req/s", "p50 ms", "worker CPU ms/req", "dev proxy ms/req", "relay + db ms/req", "driver ms/req", "errors"],
      s.routes.map((r) => [r.route, r.how, r.requests, f1(r.rps), f1(r.p50), f2(r.worker), f2(r.devProxy), f2(r.node), f2(r.driver), r.errors ? `${r.errors} ${JSON.stringify(r.statuses)}` : 0]),
    ),
    "",
    "## Profiles under the mix",
    "",
    s.worker ? profileTables("workerd: the worker's isolate (API worker + LearnerDO + MetricsDO)", s.worker) : "(no workerd profile: the runtime had no inspector)\n",
    profileTables(`Node: the relay${s.database === "pglite" ? " and PGlite" : ""}`, s.relay),
    "## What this says",
    "",
    ...whatThisSays(s),
    "",
    "Reading the tables: `exec (native)` and `transactionSync (native)` are the Durable Object's SQLite (`ctx.storage.sql`), called from our store code; `(program)` is native work outside any JS frame (workerd's I/O, RPC and JSON plumbing between the API worker and the objects); \"other native\" are runtime API calls (Response, headers, crypto). workerd's sampler only samples while our isolate runs, so its busy time is well below the workerd process's CPU: the rest is native work outside the isolate (HTTP, Miniflare's own entry worker, and freeing runtime objects such as Headers after each minor GC — `perf record -g -p <workerd pid>` shows it); the Node profile covers the main thread's JavaScript only, so the gap between its busy time and the Node process's CPU above is kernel time on the sockets and V8's helper threads. Under contention (other work on the 2 cores) per-request figures rise: compare rows within one run.",
    "",
  ].join("\n");
}

/** The biggest costs, read off the tables above (generated, so a rerun keeps it true). */
function whatThisSays(s: Summary): string[] {
  const out: string[] = [];
  const c = s.mix.cpu;
  const total = c.worker + c.devProxy + c.node + c.driver;
  const share = (x: number) => `${f1((100 * x) / Math.max(1e-9, total))} %`;
  out.push(
    `- **Where the cores went during the mix:** the worker's workerd ${share(c.worker)}, wrangler's dev proxy ${share(c.devProxy)}, the Node process (relay${s.database === "pglite" ? " + PGlite" : ""}) ${share(c.node)}, the driver ${share(c.driver)} (${f2(total / 1000 / c.seconds)} cores in all).`,
  );
  const health = s.routes.find((r) => r.route === "GET /healthz");
  if (health && health.worker > 0) {
    const ranked = [...s.routes].sort((a, b) => b.worker + b.node - (a.worker + a.node));
    out.push(
      `- **Costliest routes** (worker + relay CPU per request, × /healthz's worker CPU of ${f2(health.worker)} ms): ${ranked
        .slice(0, 5)
        .map((r) => `${r.route} ${f2(r.worker + r.node)} ms (×${f1((r.worker + r.node) / health.worker)})`)
        .join("; ")}.`,
    );
  }
  if (s.worker) {
    const mods = s.worker.byModule.filter((m) => m.pct >= 3).slice(0, 8);
    out.push(`- **Inside the worker's isolate** (self time, ${f1(s.worker.busyMs)} ms profiled): ${mods.map((m) => `${m.name} ${f1(m.pct)} %`).join(", ")}.`);
    const fns = s.worker.byFunction.slice(0, 5);
    out.push(`- **Hottest functions there:** ${fns.map((f) => `\`${f.name}\` ${f1(f.pct)} %`).join(", ")}.`);
  }
  const rmods = s.relay.byModule.filter((m) => m.pct >= 3).slice(0, 6);
  out.push(`- **In the Node process** (${f1(s.relay.busyMs)} ms profiled): ${rmods.map((m) => `${m.name} ${f1(m.pct)} %`).join(", ")}.`);
  return out;
}

/** Rebuilds the summaries and reports/profile.md from the last run's files. */
function resummarise(): void {
  const summary = JSON.parse(readFileSync(join(OUT_DIR, "summary.json"), "utf8")) as Summary & { roots?: string[] };
  const roots = summary.roots ?? [ROOT];
  const read = (f: string) => JSON.parse(readFileSync(join(OUT_DIR, f), "utf8")) as CpuProfile;
  if (existsSync(join(OUT_DIR, "workerd-mix.cpuprofile"))) {
    const p = read("workerd-mix.cpuprofile");
    // Only the map saved with the profile: wrangler dev deletes its build when it stops, and
    // another tree's bundle would map positions to the wrong lines.
    const bundle = existsSync(`${SAVED_BUNDLE}.map`) ? SAVED_BUNDLE : undefined;
    summary.worker = summarise(p, { sourceMaps: sourceMapsFor(p, bundle), roots, wasmModule: "onnxruntime (wasm)" });
  }
  const r = read("relay-mix.cpuprofile");
  summary.relay = summarise(r, { sourceMaps: new Map(), roots, wasmModule: summary.database === "pglite" ? "PGlite (wasm)" : "wasm" });
  writeFileSync(join(OUT_DIR, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(ROOT, "reports", "profile.md"), renderReport(summary));
  log("rewrote reports/profile.md and reports/profile/summary.json from the raw profiles");
}

if (values.resummarise) resummarise();
else main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
