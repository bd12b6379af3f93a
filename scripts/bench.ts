/**
 * `npm run bench`: latency of every learner-facing endpoint through the local stack
 * (wrangler dev → Durable Objects → PGlite through the Neon relay), each beside a trivial
 * route measured in the same run, plus the cost of scoring 500 candidates inside workerd.
 *
 * Writes reports/bench.md and reports/bench.json. Numbers from a shared 2-core machine are
 * for comparison within one run (ratios to the trivial route), not absolute promises.
 *
 * Options: --learners N (virtual learners, default 16), --rounds N (next+attempt per learner,
 * default 25), --concurrency N (default 8), --port N (8799). DATABASE_URL uses a Postgres
 * server instead of a fresh PGlite.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mintLearnerToken } from "../src/auth/learner-token";
import type { Item } from "../src/content/schema";
import { getItems } from "../src/db/content";
import { sql } from "drizzle-orm";
import { startPlatform } from "./lib/platform";

const { values } = parseArgs({
  options: {
    learners: { type: "string", default: "16" },
    rounds: { type: "string", default: "25" },
    concurrency: { type: "string", default: "8" },
    port: { type: "string", default: "8799" },
  },
});
const LEARNERS = Number(values.learners);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

interface Stats {
  name: string;
  n: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  rps: number;
}

function summarize(name: string, samples: number[], errors: number, wallMs: number): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { name, n: s.length, errors, p50: q(0.5), p95: q(0.95), p99: q(0.99), mean, rps: (s.length / wallMs) * 1000 };
}

/** Runs `tasks` with at most `concurrency` in flight; returns latencies (ms) and the error count. */
async function drive(tasks: Array<() => Promise<Response>>, concurrency: number): Promise<{ samples: number[]; errors: number; wallMs: number }> {
  const samples: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++];
        if (!task) break;
        const start = performance.now();
        try {
          const res = await task();
          await res.arrayBuffer();
          if (res.status >= 400) errors++;
        } catch {
          errors++;
        }
        samples.push(performance.now() - start);
      }
    }),
  );
  return { samples, errors, wallMs: performance.now() - t0 };
}

function progress(line: string): void {
  console.log(`[bench] ${line}`);
}

function response(item: Item, correct: boolean): unknown {
  const a = item.answer;
  if (a.type === "choice") return correct ? a.index : (a.index + 1) % (item.choices?.length ?? 2);
  if (a.type === "numeric") return correct ? a.value : a.value + 1;
  return correct ? a.accepted[0] : "not the answer";
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "learning-bench-"));
  const t0 = performance.now();
  const platform = await startPlatform({ port: Number(values.port), dataDir, log: progress, quiet: true, wranglerLogLevel: "error" });
  const coldStartMs = performance.now() - t0;
  progress(`platform up in ${(coldStartMs / 1000).toFixed(1)} s at ${platform.apiUrl}`);
  const base = platform.apiUrl;
  const results: Stats[] = [];
  const record = (s: Stats) => {
    results.push(s);
    progress(`${s.name.padEnd(34)} n=${s.n} p50=${s.p50.toFixed(1)} ms p95=${s.p95.toFixed(1)} ms p99=${s.p99.toFixed(1)} ms (${s.errors} errors)`);
  };
  const run = async (name: string, tasks: Array<() => Promise<Response>>, concurrency = CONCURRENCY) => {
    const r = await drive(tasks, concurrency);
    const s = summarize(name, r.samples, r.errors, r.wallMs);
    record(s);
    return s;
  };

  try {
    const ops = { authorization: `Bearer ${platform.secrets.OPS_TOKEN}` };
    await fetch(`${base}/v1/ops/content/publish`, { method: "POST", headers: ops });
    const ids = (await platform.stack.db.read.execute<{ id: string }>(sql`SELECT id FROM items ORDER BY md5(id) LIMIT 300`)).rows.map((r) => r.id);

    // Warm-up: first requests compile the worker and open pools.
    await drive(Array.from({ length: 50 }, () => () => fetch(`${base}/healthz`)), 4);

    const trivial = await run("trivial (GET /healthz)", Array.from({ length: 400 }, () => () => fetch(`${base}/healthz`)));
    const itemMiss = await run("item, KV miss → Postgres", ids.map((id) => () => fetch(`${base}/v1/items/${id}`)));
    const itemHit = await run("item, KV hit", ids.map((id) => () => fetch(`${base}/v1/items/${id}`)));
    const words = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "remainder", "pizza", "simplify", "prime", "round", "expression", "inequality", "system"];
    const queries = words.flatMap((w) => [1, 2, 3, 4].map((page) => `q=${w}&limit=10&offset=${(page - 1) * 10}`));
    const searchMiss = await run("search, cache miss → full-text", queries.map((q) => () => fetch(`${base}/v1/search?${q}`)));
    const searchHit = await run("search, cache hit", queries.map((q) => () => fetch(`${base}/v1/search?${q}`)));

    // Learners: each does ROUNDS × (next → attempt) then progress, LEARNERS in parallel.
    progress(`${LEARNERS} learners × ${ROUNDS} rounds of next → attempt`);
    const nextS: number[] = [];
    const attemptS: number[] = [];
    const progressS: number[] = [];
    let learnerErrors = 0;
    const itemCache = new Map<string, Item>();
    const tl = performance.now();
    await Promise.all(
      Array.from({ length: LEARNERS }, async (_, l) => {
        const id = `bench-${Date.now().toString(36)}-${l}`;
        const auth = { authorization: `Bearer ${await mintLearnerToken(id, platform.secrets.JWT_SECRET)}`, "content-type": "application/json" };
        for (let r = 0; r < ROUNDS; r++) {
          let t = performance.now();
          const res = await fetch(`${base}/v1/learners/${id}/next`, { method: "POST", headers: auth, body: '{"mode":"practice"}' });
          const next = (await res.json()) as { item?: { id: string } | null };
          nextS.push(performance.now() - t);
          const itemId = next.item?.id;
          if (!res.ok || !itemId) {
            learnerErrors++;
            continue;
          }
          let item = itemCache.get(itemId);
          if (!item) {
            item = (await getItems(platform.stack.db.read, [itemId]))[0];
            if (item) itemCache.set(itemId, item);
          }
          if (!item) continue;
          // A plausible learner: right about 75 % of the time.
          const correct = (l * 31 + r * 17) % 4 !== 0;
          const body = JSON.stringify({ clientAttemptId: `${id}-${r}`, itemId, response: response(item, correct), responseMs: 8000 + ((l * r) % 20) * 1000 });
          t = performance.now();
          const a = await fetch(`${base}/v1/learners/${id}/attempts`, { method: "POST", headers: auth, body });
          await a.arrayBuffer();
          attemptS.push(performance.now() - t);
          if (!a.ok) learnerErrors++;
          if (r % 5 === 4) {
            t = performance.now();
            const p = await fetch(`${base}/v1/learners/${id}/progress`, { headers: auth });
            await p.arrayBuffer();
            progressS.push(performance.now() - t);
            if (!p.ok) learnerErrors++;
          }
        }
      }),
    );
    const wall = performance.now() - tl;
    const next = summarize("next item (POST …/next)", nextS, 0, wall);
    const attempt = summarize("attempt (POST …/attempts)", attemptS, 0, wall);
    const prog = summarize("progress (GET …/progress)", progressS, 0, wall);
    for (const s of [next, attempt, prog]) record(s);
    if (learnerErrors > 0) progress(`learner errors: ${learnerErrors}`);

    // Scoring inside workerd: its clock stands still while code runs, so measure from outside.
    progress("scoring 500 candidates inside workerd (differential timing)");
    const reps = 400;
    const timeOf = async (r: number) => {
      const samples: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        const res = await fetch(`${base}/v1/ops/bench/score?candidates=500&reps=${r}`, { method: "POST", headers: ops });
        await res.arrayBuffer();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      return samples[3] ?? Number.NaN;
    };
    await timeOf(10);
    const withReps = await timeOf(reps);
    const without = await timeOf(0);
    const scoreUs = ((withReps - without) / reps) * 1000;
    progress(`score 500 candidates: ${scoreUs.toFixed(0)} µs each (${reps} reps: ${withReps.toFixed(1)} ms vs ${without.toFixed(1)} ms)`);

    const rows = [trivial, itemMiss, itemHit, searchMiss, searchHit, next, attempt, prog];
    const targets: Record<string, number> = { [next.name]: 300, [attempt.name]: 500, [prog.name]: 200, [itemMiss.name]: 100, [itemHit.name]: 100, [searchMiss.name]: 1000, [searchHit.name]: 1000 };
    const report = {
      date: new Date().toISOString(),
      machine: "local stack: wrangler dev + PGlite via the Neon relay, client on the same 2 cores",
      settings: { learners: LEARNERS, rounds: ROUNDS, concurrency: CONCURRENCY },
      coldStartMs,
      scoring500Us: scoreUs,
      learnerErrors,
      endpoints: rows.map((r) => ({ ...r, target: targets[r.name] ?? null, ratioToTrivialP50: r.p50 / trivial.p50 })),
    };
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/bench.json", `${JSON.stringify(report, null, 2)}\n`);
    const md = [
      "# Local benchmark",
      "",
      `${report.date} · ${report.machine} · ${LEARNERS} learners × ${ROUNDS} rounds, concurrency ${CONCURRENCY}.`,
      "Single shared machine: compare rows within this run (the ratio to the trivial route shows what our code costs over the runtime itself).",
      "",
      "| endpoint | n | p50 ms | p95 ms | p99 ms | p50 ÷ trivial | target p95 | errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...report.endpoints.map(
        (r) =>
          `| ${r.name} | ${r.n} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.ratioToTrivialP50.toFixed(1)}× | ${r.target === null ? "–" : `< ${r.target}`} | ${r.errors} |`,
      ),
      "",
      `Scoring 500 candidates inside workerd (knowledge-model predictions + unified scoring): **${scoreUs.toFixed(0)} µs** per ranking`,
      `(median of 7 requests with ${reps} rankings minus the same with none, divided by ${reps}).`,
      "",
      `Platform cold start (PGlite, migrations, demo seed, wrangler dev): ${(coldStartMs / 1000).toFixed(1)} s.`,
      "",
    ].join("\n");
    writeFileSync("reports/bench.md", md);
    console.log(`\n${md}`);
    progress("wrote reports/bench.md and reports/bench.json");
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
