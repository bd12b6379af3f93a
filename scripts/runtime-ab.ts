/**
 * `npm run bench:runtime`: the same platform on two (or more) workerd binaries, side by side —
 * what a runtime upgrade costs or saves where this platform spends its CPU at scale.
 *
 * With thousands of learners who come back after a minute, nearly every practice step wakes an
 * object workerd evicted (about ten seconds after its last work), so the cost that decides the
 * local capacity is a practice step on a WOKEN object; a step on a warm one is measured beside
 * it. Per round and binary: `npm run serve`'s platform (the built bundle on Miniflare, embedded
 * PGlite, a fresh data folder) on that binary (Miniflare's own `MINIFLARE_WORKERD_PATH`), N
 * learners who each take three practice steps, 25 s idle (every object evicted), one step each
 * (woken), at once one more step each (warm). A step is one request: the answer that brings the
 * next item (`next: "practice"`). CPU is the workerd processes' user + system time from /proc
 * across each window, divided by its steps. Binaries alternate in order from round to round, so
 * a machine that slows down over the run does not favour one of them.
 *
 *   npm run bench:runtime -- --workerd old=/path/to/workerd [--learners 600] [--rounds 3] [--out reports/runtime.md]
 *
 * "pinned" (always included, first) is the workerd this project installs (package.json overrides).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { mintLearnerToken } from "../src/auth/learner-token";
import { mulberry32 } from "../src/core/random";
import { startPlatform } from "./lib/platform";
import { findWorkerd, processCpuMs } from "./lib/profile-procs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    workerd: { type: "string", multiple: true, default: [] },
    learners: { type: "string", default: "600" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "8" },
    port: { type: "string", default: "8798" },
    out: { type: "string", default: join("reports", "runtime.md") },
  },
});
const LEARNERS = Number(values.learners);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const IDLE_MS = 25_000;
const log = (line: string) => console.error(`[runtime] ${line}`);

const pinnedPath = (createRequire(join(ROOT, "package.json"))("workerd") as { default?: string }).default ?? "";
const binaries = [
  { name: "pinned", path: pinnedPath },
  ...values.workerd.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new Error(`--workerd takes name=path, got ${spec}`);
    return { name: spec.slice(0, eq), path: resolve(spec.slice(eq + 1)) };
  }),
];
const versionOf = (path: string) => execFileSync(path, ["--version"], { encoding: "utf8" }).trim();

interface PublicItem {
  id: string;
  kind: string;
  choices?: string[];
}
interface Learner {
  id: string;
  headers: Record<string, string>;
  pending: PublicItem | null;
  answered: number;
}

const answerKey = new Map(JSON.parse(readFileSync(join(ROOT, "loadtests", "data", "answer-key.json"), "utf8")) as Array<[string, number | string]>);

function response(item: PublicItem, correct: boolean): number | string {
  const key = answerKey.get(item.id);
  if (key === undefined) return 0;
  if (correct) return key;
  if (typeof key === "number" && item.kind === "choice") return (key + 1) % Math.max(2, item.choices?.length ?? 2);
  return typeof key === "number" ? key + 1 : "not sure";
}

async function measureOn(binary: { name: string; path: string }, round: number): Promise<{ woken: number; warm: number; steps: number }> {
  process.env.MINIFLARE_WORKERD_PATH = binary.path;
  const dataDir = mkdtempSync(join(process.env.RUNTIME_AB_TMP ?? tmpdir(), `runtime-ab-${binary.name}-`));
  const platform = await startPlatform({ port: Number(values.port), dataDir, log: () => {}, quiet: true, wranglerLogLevel: "error", runtime: "miniflare" });
  try {
    const base = platform.apiUrl;
    const ops = { authorization: `Bearer ${platform.secrets.OPS_TOKEN}` };
    await fetch(`${base}/v1/ops/content/publish`, { method: "POST", headers: ops }).then((r) => r.arrayBuffer());
    const rng = mulberry32(20261203 + round);
    const learners: Learner[] = [];
    for (let i = 0; i < LEARNERS; i++) {
      const id = `rt-${round}-${binary.name}-${i}`;
      learners.push({ id, headers: { authorization: `Bearer ${await mintLearnerToken(id, platform.secrets.JWT_SECRET)}`, "content-type": "application/json", "accept-encoding": "identity" }, pending: null, answered: 0 });
    }
    const post = async (L: Learner, path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${base}/v1/learners/${L.id}${path}`, { method: "POST", headers: L.headers, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const step = async (L: Learner): Promise<void> => {
      L.pending ??= ((await post(L, "/next", { mode: "practice" })).item as PublicItem | null) ?? null;
      const item = L.pending;
      if (!item) throw new Error(`${L.id}: no practice item`);
      const body = { clientAttemptId: `${L.id}-${L.answered++}`, itemId: item.id, response: response(item, rng() < 0.72), responseMs: 9000, next: "practice" };
      const answer = await post(L, "/attempts", body);
      L.pending = ((answer.next as { item?: PublicItem | null } | null)?.item as PublicItem | null) ?? null;
    };
    const everyone = async (): Promise<void> => {
      let i = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (i < learners.length) await step(learners[i++] as Learner);
      }));
    };
    const pids = findWorkerd().map((p) => p.pid);
    const cpu = () => pids.reduce((s, pid) => s + processCpuMs(pid), 0);
    for (let k = 0; k < 3; k++) await everyone();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const c0 = cpu();
    await everyone();
    const c1 = cpu();
    await everyone();
    const c2 = cpu();
    return { woken: (c1 - c0) / LEARNERS, warm: (c2 - c1) / LEARNERS, steps: LEARNERS };
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const results = new Map<string, { woken: number[]; warm: number[] }>(binaries.map((b) => [b.name, { woken: [], warm: [] }]));
const versions = new Map(binaries.map((b) => [b.name, versionOf(b.path)]));
const started = new Date();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? binaries : [...binaries].reverse();
  for (const b of order) {
    log(`round ${round + 1}/${ROUNDS}: ${b.name} (${versions.get(b.name)})`);
    const r = await measureOn(b, round);
    const into = results.get(b.name);
    into?.woken.push(r.woken);
    into?.warm.push(r.warm);
    log(`  woken ${r.woken.toFixed(2)} ms/step, warm ${r.warm.toFixed(2)} ms/step`);
  }
}

const pinned = results.get("pinned") as { woken: number[]; warm: number[] };
const lines = [
  "# Local runtime: workerd binaries side by side",
  "",
  `Generated by \`npm run bench:runtime\` (scripts/runtime-ab.ts) on ${started.toISOString()}: ${LEARNERS} learners, ${ROUNDS} rounds, binaries alternating in order. workerd CPU (user + system, /proc) per practice step, one request each (an answer that brings the next item): on an object workerd evicted after ${IDLE_MS / 1000} s idle ("woken", what nearly every step costs with thousands of learners who come back after a minute), then at once again ("warm"). Embedded PGlite, the built bundle on Miniflare, a fresh data folder per measurement. Compare rows within this run.`,
  "",
  "| binary | workerd | woken ms/step, per round | warm ms/step, per round | woken (median) | warm (median) | woken ÷ pinned | warm ÷ pinned |",
  "|---|---|---|---|---:|---:|---:|---:|",
  ...binaries.map((b) => {
    const r = results.get(b.name) as { woken: number[]; warm: number[] };
    return `| ${b.name} | ${versions.get(b.name)} | ${r.woken.map((x) => x.toFixed(2)).join(", ")} | ${r.warm.map((x) => x.toFixed(2)).join(", ")} | ${median(r.woken).toFixed(2)} | ${median(r.warm).toFixed(2)} | ${(median(r.woken) / median(pinned.woken)).toFixed(2)}× | ${(median(r.warm) / median(pinned.warm)).toFixed(2)}× |`;
  }),
  "",
];
writeFileSync(values.out, lines.join("\n"));
console.log(lines.join("\n"));
