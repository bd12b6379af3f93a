/**
 * `npx tsx scripts/bench-ml.ts [--port 8791] [--reps 2000]`: what the correctness model costs
 * inside workerd, and what it adds to the bundle. Writes reports/bench-ml.md.
 *
 * 1. Bundle: `wrangler deploy --dry-run` of the API worker as it is, and of the same entry
 *    re-exporting the predictor (so the ORT runtime, its WASM and the model are bundled).
 * 2. Latency: `wrangler dev` of scripts/ml/bench-worker.ts (the model only: no database, no
 *    Durable Object). workerd's clock stands still while code runs, so CPU cost is measured
 *    from outside: (request time with R reps − with 0 reps) / R, median of 7 requests each;
 *    stage "features" builds 500 feature rows per rep, stage "model" also runs the ONNX
 *    model, the difference is inference. Cold start = the isolate's first model request
 *    (session creation included) minus the median warm request.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";

const { values } = parseArgs({ options: { port: { type: "string", default: "8791" }, reps: { type: "string", default: "2000" } } });
const PORT = Number(values.port);
const REPS = Number(values.reps);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const work = "/tmp/ml-dry";
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const log = (m: string) => console.log(m);

function run(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    child.on("exit", (code) => (code === 0 ? res(out) : rej(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${out}`))));
  });
}

function dirSize(dir: string): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory() || f.endsWith(".map") || f === "README.md") continue;
    const b = readFileSync(p);
    raw += b.length;
    gzip += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip };
}

async function bundles(): Promise<string[]> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const entry = join(work, "entry-with-ml.ts");
  writeFileSync(
    entry,
    [
      `export { default } from "${root}/workers/api/index.ts";`,
      `export * from "${root}/workers/api/index.ts";`,
      `export { getCorrectnessPredictor } from "${root}/src/ml/predictor.ts";`,
      "",
    ].join("\n"),
  );
  const lines: string[] = [];
  for (const [name, extra] of [["without model", [] as string[]], ["with model + ORT WASM", ["--config", join(root, "wrangler.toml"), entry]]] as const) {
    const out = join(work, name.startsWith("without") ? "base" : "with-ml");
    const text = await run(["deploy", "--dry-run", "--outdir", out, ...extra]);
    const upload = /Total Upload: ([^\n]+)/.exec(text)?.[1]?.trim() ?? "?";
    const s = dirSize(out);
    lines.push(`| ${name} | ${upload} | ${(s.raw / 1024 / 1024).toFixed(2)} MiB | ${(s.gzip / 1024 / 1024).toFixed(2)} MiB |`);
    log(`bundle ${name}: wrangler says ${upload}; files ${(s.raw / 1048576).toFixed(2)} MiB raw, ${(s.gzip / 1048576).toFixed(2)} MiB gzip -9`);
  }
  return lines;
}

async function timed(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { ok: boolean; reason: string | null };
  if (!res.ok || !body.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return performance.now() - t;
}

async function median(url: string, n = 7): Promise<number> {
  const s: number[] = [];
  for (let i = 0; i < n; i++) s.push(await timed(url));
  s.sort((a, b) => a - b);
  return s[Math.floor(n / 2)] ?? Number.NaN;
}

async function latency(): Promise<string[]> {
  const config = join(work, "bench-wrangler.toml");
  writeFileSync(
    config,
    [
      'name = "ml-bench"',
      `main = "${root}/scripts/ml/bench-worker.ts"`,
      'compatibility_date = "2026-04-20"',
      'compatibility_flags = ["nodejs_compat"]',
      "send_metrics = false",
      "[[rules]]",
      'type = "CompiledWasm"',
      'globs = ["**/*.wasm"]',
      "[[rules]]",
      'type = "Data"',
      'globs = ["**/*.onnx"]',
      "",
    ].join("\n"),
  );
  const child = spawn(process.execPath, [wrangler, "dev", "--config", config, "--ip", "127.0.0.1", "--port", String(PORT), "--log-level", "warn", "--show-interactive-dev-session=false"], {
    cwd: root,
    env,
    stdio: "ignore",
    detached: true,
  });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        /* not up */
      }
      if (Date.now() > deadline) throw new Error("bench worker did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
    const cold = await timed(`${base}/?reps=0&stage=model`);
    const warm = await median(`${base}/?reps=0&stage=model`);
    const zero = await median(`${base}/?reps=0&stage=features`);
    const feats = await median(`${base}/?reps=${REPS}&stage=features`);
    const model = await median(`${base}/?reps=${REPS}&stage=model`);
    const featUs = ((feats - zero) / REPS) * 1000;
    const totalUs = ((model - zero) / REPS) * 1000;
    log(`cold first model request ${cold.toFixed(1)} ms, warm ${warm.toFixed(1)} ms → session creation ≈ ${(cold - warm).toFixed(1)} ms`);
    log(`500 candidates: features ${featUs.toFixed(1)} µs, features + ONNX ${totalUs.toFixed(1)} µs → inference ${(totalUs - featUs).toFixed(1)} µs`);
    // The links model (features/3, what objects switch to once item links are mature), its rows built with a link into each candidate from every answer in the window.
    const linked = "&model=correctness-v3";
    await timed(`${base}/?reps=0&stage=model${linked}`);
    const zero3 = await median(`${base}/?reps=0&stage=features${linked}`);
    const feats3 = ((await median(`${base}/?reps=${REPS}&stage=features${linked}`)) - zero3) / REPS * 1000;
    const total3 = ((await median(`${base}/?reps=${REPS}&stage=model${linked}`)) - zero3) / REPS * 1000;
    log(`correctness-v3, 500 candidates: features/3 ${feats3.toFixed(1)} µs, + ONNX ${total3.toFixed(1)} µs → inference ${(total3 - feats3).toFixed(1)} µs`);
    return [
      `| First model request in a fresh isolate (session creation included) | ${cold.toFixed(1)} ms |`,
      `| Same request, warm (median of 7) | ${warm.toFixed(1)} ms |`,
      `| Cold start attributable to the model (difference) | ${(cold - warm).toFixed(1)} ms |`,
      `| Build 500 feature rows (per batch) | ${featUs.toFixed(1)} µs |`,
      `| Build 500 rows + ONNX inference (per batch) | ${totalUs.toFixed(1)} µs |`,
      `| ONNX inference alone, 500 candidates (difference) | ${(totalUs - featUs).toFixed(1)} µs |`,
      `| correctness-v3 (features/3, the window's 20 answers each linked into every candidate): build 500 rows | ${feats3.toFixed(1)} µs |`,
      `| correctness-v3: build 500 rows + ONNX inference | ${total3.toFixed(1)} µs |`,
      `| correctness-v3: ONNX inference alone (difference) | ${(total3 - feats3).toFixed(1)} µs |`,
    ];
  } finally {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
  }
}

const bundleLines = await bundles();
const latencyLines = await latency();
const md = [
  "# Correctness model: serving cost",
  "",
  `Generated by \`npx tsx scripts/bench-ml.ts\` (reps ${REPS}) on this machine (2 shared cores; compare within a run).`,
  "",
  "## Latency inside workerd (wrangler dev, scripts/ml/bench-worker.ts)",
  "",
  "| Measure | Value |",
  "|---|---|",
  ...latencyLines,
  "",
  "The correctness-v3 rows are the densest case a learner can meet: each of the learner's last 20 answers links into every one of the 500 candidates (20 × 500 links to walk per batch; the job publishes up to 64 links into each item, so a candidate can meet at most the window's 20), read through the same decoding of the published table as learner objects (src/core/item-links.ts `decodeLinks`). With the job's links spread over a bank, a window's items carry about 64 outgoing links each (about 1,300 per batch).",
  "",
  "## Bundle (`wrangler deploy --dry-run`)",
  "",
  "| Bundle | wrangler's Total Upload | Files raw | Files gzip -9 |",
  "|---|---|---|---|",
  ...bundleLines,
  "",
];
mkdirSync(join(root, "reports"), { recursive: true });
writeFileSync(join(root, "reports", "bench-ml.md"), `${md.join("\n")}\n`);
log("wrote reports/bench-ml.md");
