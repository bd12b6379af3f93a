/**
 * `npm run bench`: latency and throughput of the learner-facing endpoints through the local
 * stack (wrangler dev → Durable Objects → PGlite through the Neon relay) at a FIXED ARRIVAL
 * RATE, each beside a trivial route (GET /healthz) measured in the same run at the same rate,
 * plus the cost of scoring 500 candidates inside workerd and the platform's cold start.
 *
 * Load generation:
 * - content, search, progress and the trivial route: autocannon with `overallRate` (requests
 *   per second across all connections, enough connections that the rate — not the latency —
 *   sets the pace). Latencies are taken per response, so p95 is exact, not interpolated.
 * - next item + attempt: a small client-side driver. The flow needs the item each `next`
 *   served and the right answer for it, per learner, with one request in flight per learner;
 *   autocannon's per-connection request chains cannot give the two steps separate latency
 *   figures. The driver is open-model too: it starts a step every 1/rate s on an idle learner
 *   and counts starts it could not make (all learners busy) instead of slowing down.
 *
 * Writes reports/bench.md and reports/bench.json. Numbers from a shared 2-core machine are
 * for comparison within one run (ratios to the trivial route), not absolute promises.
 *
 * Options: --rate N (requests/s per endpoint, default 100), --duration N (seconds per
 * endpoint, default 15), --connections N (autocannon, default 32), --learners N (driver,
 * default 48), --port N (8799). DATABASE_URL uses a Postgres server instead of a fresh PGlite.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { mintLearnerToken } from "../src/auth/learner-token";
import type { Item } from "../src/content/schema";
import { getItems } from "../src/db/content";
import { exactQuantile } from "../src/ops/histogram";
import { startPlatform } from "./lib/platform";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "100" },
    duration: { type: "string", default: "15" },
    connections: { type: "string", default: "32" },
    learners: { type: "string", default: "48" },
    port: { type: "string", default: "8799" },
  },
});
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const LEARNERS = Number(values.learners);

interface Stats {
  name: string;
  group: string;
  generator: "autocannon" | "driver";
  targetRate: number;
  n: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  /** Achieved requests per second. */
  rps: number;
  /** Starts the open-model driver could not make (every learner busy). */
  missed?: number;
}

function stats(name: string, group: string, generator: Stats["generator"], targetRate: number, samples: number[], errors: number, seconds: number, missed?: number): Stats {
  const s = { name, group, generator, targetRate, n: samples.length, errors, p50: exactQuantile(samples, 0.5), p95: exactQuantile(samples, 0.95), p99: exactQuantile(samples, 0.99), rps: samples.length / Math.max(0.001, seconds) };
  return missed === undefined ? s : { ...s, missed };
}

function progress(line: string): void {
  console.log(`[bench] ${line}`);
}

/** One fixed-rate autocannon run; `path` picks each request's path, `headers` its headers. */
async function cannon(opts: {
  name: string;
  group: string;
  base: string;
  rate: number;
  seconds?: number;
  amount?: number;
  path: () => string;
  headers?: (path: string) => Record<string, string>;
}): Promise<Stats> {
  const samples: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  progress(`${opts.name}: ${opts.rate} req/s ${opts.amount ? `× ${opts.amount} requests` : `for ${opts.seconds} s`} (autocannon)`);
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.base,
        connections: CONNECTIONS,
        overallRate: opts.rate,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds ?? DURATION }),
        requests: [
          {
            method: "GET",
            setupRequest: (req) => {
              const path = opts.path();
              return { ...req, path, headers: { ...req.headers, ...opts.headers?.(path) } };
            },
          },
        ],
      },
      (err) => (err ? reject(err) : resolve()),
    );
    let ticks = 0;
    instance.on("tick", () => {
      ticks += 1;
      if (ticks % 5 === 0) progress(`  … ${ticks} s, ${samples.length} responses`);
    });
    instance.on("response", (_client, status, _bytes, ms) => {
      samples.push(ms);
      if (status >= 400) errors += 1;
    });
    instance.on("reqError", () => {
      errors += 1;
    });
  });
  return record(stats(opts.name, opts.group, "autocannon", opts.rate, samples, errors, (performance.now() - t0) / 1000));
}

const results: Stats[] = [];
function record(s: Stats): Stats {
  results.push(s);
  progress(
    `${s.name.padEnd(34)} n=${s.n} ${s.rps.toFixed(0)}/${s.targetRate} req/s p50=${s.p50.toFixed(1)} p95=${s.p95.toFixed(1)} p99=${s.p99.toFixed(1)} ms (${s.errors} errors${s.missed ? `, ${s.missed} missed starts` : ""})`,
  );
  return s;
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

  try {
    const ops = { authorization: `Bearer ${platform.secrets.OPS_TOKEN}` };
    await fetch(`${base}/v1/ops/content/publish`, { method: "POST", headers: ops });
    const ids = (await platform.stack.db.read.execute<{ id: string }>(sql`SELECT id FROM items ORDER BY md5(id) LIMIT 600`)).rows.map((r) => r.id);
    const cycle = <T>(xs: readonly T[]) => {
      let i = 0;
      return () => xs[i++ % xs.length] as T;
    };

    // Warm-up: the first requests compile the worker and open pools.
    await cannon({ name: "warm-up", group: "warm-up", base, rate: 50, seconds: 3, path: () => "/healthz" });
    results.pop();

    const trivial = await cannon({ name: "trivial (GET /healthz)", group: "trivial", base, rate: RATE, seconds: DURATION, path: () => "/healthz" });
    const missIds = cycle(ids.slice(0, 300));
    await cannon({ name: "content: item, KV miss → Postgres", group: "content", base, rate: Math.min(RATE, 50), amount: 300, path: () => `/v1/items/${missIds()}` });
    const hitIds = cycle(ids.slice(0, 300));
    await cannon({ name: "content: item, KV hit", group: "content", base, rate: RATE, seconds: DURATION, path: () => `/v1/items/${hitIds()}` });
    const words = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "remainder", "pizza", "simplify", "prime", "round", "expression", "inequality", "system"];
    const queries = words.flatMap((w) => [1, 2, 3, 4].map((page) => `/v1/search?q=${w}&limit=10&offset=${(page - 1) * 10}`));
    const missQ = cycle(queries);
    await cannon({ name: "search: cache miss → full-text", group: "search", base, rate: Math.min(RATE, 20), amount: queries.length, path: missQ });
    const hitQ = cycle(queries);
    await cannon({ name: "search: cache hit", group: "search", base, rate: RATE, seconds: DURATION, path: hitQ });

    // The driver below uses fetch (undici), not autocannon: measure the trivial route through
    // the same client at the same request rate, so its rows have a like-for-like baseline.
    progress(`trivial via fetch: ${RATE} req/s for ${Math.min(DURATION, 5)} s (driver baseline)`);
    {
      const samples: number[] = [];
      let errors = 0;
      const pending: Array<Promise<void>> = [];
      const start = performance.now();
      const count = Math.round(RATE * Math.min(DURATION, 5));
      for (let k = 0; k < count; k++) {
        const wait = start + (k * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(
          (async () => {
            const t = performance.now();
            try {
              const res = await fetch(`${base}/healthz`);
              await res.arrayBuffer();
              if (!res.ok) errors += 1;
            } catch {
              errors += 1;
            }
            samples.push(performance.now() - t);
          })(),
        );
      }
      await Promise.all(pending);
      record(stats("trivial via fetch (driver baseline)", "trivial", "driver", RATE, samples, errors, (performance.now() - start) / 1000));
    }
    const driverTrivial = results[results.length - 1] ?? trivial;

    // Learners: next → attempt at a fixed step rate (RATE/2 steps/s = RATE requests/s).
    const stepRate = RATE / 2;
    progress(`next → attempt: ${stepRate} steps/s for ${DURATION} s over ${LEARNERS} learners (client-side open-model driver)`);
    const run = Date.now().toString(36);
    const learners = await Promise.all(
      Array.from({ length: LEARNERS }, async (_, l) => {
        const id = `bench-${run}-${l}`;
        return { id, l, rounds: 0, started: false, busy: false, auth: { authorization: `Bearer ${await mintLearnerToken(id, platform.secrets.JWT_SECRET)}`, "content-type": "application/json" } };
      }),
    );
    const itemCache = new Map<string, Item>();
    const nextS: number[] = [];
    // A learner's first request reaches a brand-new Durable Object: it checks Postgres for
    // history to hydrate and loads its content. Reported apart from the warm requests.
    const nextFirstS: number[] = [];
    const nextWarmS: number[] = [];
    const attemptS: number[] = [];
    let nextErrors = 0;
    let attemptErrors = 0;
    let missed = 0;
    const step = async (L: (typeof learners)[number]) => {
      L.busy = true;
      try {
        let t = performance.now();
        const res = await fetch(`${base}/v1/learners/${L.id}/next`, { method: "POST", headers: L.auth, body: '{"mode":"practice"}' });
        const next = (await res.json()) as { item?: { id: string } | null };
        const ms = performance.now() - t;
        nextS.push(ms);
        (L.started ? nextWarmS : nextFirstS).push(ms);
        L.started = true;
        const itemId = next.item?.id;
        if (!res.ok || !itemId) {
          nextErrors += 1;
          return;
        }
        let item = itemCache.get(itemId);
        if (!item) {
          item = (await getItems(platform.stack.db.read, [itemId]))[0];
          if (item) itemCache.set(itemId, item);
        }
        if (!item) return;
        // A plausible learner: right about 75 % of the time.
        const r = L.rounds++;
        const body = JSON.stringify({ clientAttemptId: `${L.id}-${r}`, itemId, response: response(item, (L.l * 31 + r * 17) % 4 !== 0), responseMs: 8000 + ((L.l * r) % 20) * 1000 });
        t = performance.now();
        const a = await fetch(`${base}/v1/learners/${L.id}/attempts`, { method: "POST", headers: L.auth, body });
        await a.arrayBuffer();
        attemptS.push(performance.now() - t);
        if (!a.ok) attemptErrors += 1;
      } catch {
        nextErrors += 1;
      } finally {
        L.busy = false;
      }
    };
    const inFlight: Array<Promise<void>> = [];
    const tl = performance.now();
    const total = Math.round(stepRate * DURATION);
    let rr = 0;
    for (let k = 0; k < total; k++) {
      const due = tl + (k * 1000) / stepRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let chosen: (typeof learners)[number] | undefined;
      for (let j = 0; j < learners.length && !chosen; j++) {
        const cand = learners[(rr + j) % learners.length];
        if (cand && !cand.busy) chosen = cand;
      }
      rr += 1;
      if (!chosen) {
        missed += 1;
        continue;
      }
      inFlight.push(step(chosen));
      if (k > 0 && k % Math.round(stepRate * 5) === 0) progress(`  … ${((performance.now() - tl) / 1000).toFixed(0)} s, ${nextS.length} next, ${attemptS.length} attempts`);
    }
    await Promise.all(inFlight);
    const wall = (performance.now() - tl) / 1000;
    record(stats("next item (POST …/next), all", "next", "driver", stepRate, nextS, nextErrors, wall, missed));
    // Parts of the row above (no rate of their own).
    record(stats("  next: a learner's first request", "next", "driver", Number.NaN, nextFirstS, 0, wall));
    record(stats("  next: warm learner", "next", "driver", Number.NaN, nextWarmS, 0, wall));
    record(stats("attempt (POST …/attempts)", "attempt", "driver", stepRate, attemptS, attemptErrors, wall, missed));

    // Progress for the same learners, through autocannon; each request carries that learner's token.
    const pick = cycle(learners);
    const tokenOf = new Map(learners.map((L) => [`/v1/learners/${L.id}/progress`, L.auth.authorization]));
    await cannon({
      name: "progress (GET …/progress)",
      group: "progress",
      base,
      rate: RATE,
      seconds: DURATION,
      path: () => `/v1/learners/${pick().id}/progress`,
      headers: (path) => ({ authorization: tokenOf.get(path) ?? "" }),
    });
    const trivialEnd = await cannon({ name: "trivial again (end of run)", group: "trivial", base, rate: RATE, seconds: Math.min(DURATION, 5), path: () => "/healthz" });

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

    const targets: Record<string, number> = { next: 300, attempt: 500, progress: 200, content: 100, search: 1000 };
    const report = {
      date: new Date().toISOString(),
      machine: "local stack: wrangler dev + PGlite via the Neon relay, load generator on the same 2 cores",
      settings: { rate: RATE, durationSeconds: DURATION, connections: CONNECTIONS, learners: LEARNERS },
      coldStartMs,
      scoring500Us: scoreUs,
      trivialP50: trivial.p50,
      trivialEndP50: trivialEnd.p50,
      // Each row against the trivial route measured by the same load generator.
      endpoints: results.map((r) => {
        const baseline = r.generator === "driver" ? driverTrivial : trivial;
        return { ...r, target: targets[r.group] ?? null, ratioToTrivialP50: r.p50 / baseline.p50, ratioToTrivialP95: r.p95 / baseline.p95 };
      }),
    };
    mkdirSync("reports", { recursive: true });
    writeFileSync("reports/bench.json", `${JSON.stringify(report, null, 2)}\n`);
    const md = [
      "# Local benchmark",
      "",
      `${report.date} · ${report.machine}.`,
      `Fixed arrival rate: ${RATE} requests/s per endpoint for ${DURATION} s (KV and search misses: one pass over fresh keys at a lower rate); next → attempt at ${RATE / 2} steps/s over ${LEARNERS} learners.`,
      "autocannon (`overallRate`, per-response latencies) for content, search, progress and the trivial route; a client-side open-model driver for next → attempt (it needs each served item and its answer).",
      "Single shared machine: compare rows within this run — the ratio to the trivial route (same rate, same load generator) shows what our code costs over the runtime itself.",
      "",
      "| endpoint | load generator | rate (target → achieved /s) | n | p50 ms | p95 ms | p99 ms | p50 ÷ trivial | p95 ÷ trivial | target p95 | errors |",
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...report.endpoints.map(
        (r) =>
          `| ${r.name} | ${r.generator} | ${Number.isFinite(r.targetRate) ? `${r.targetRate} → ${r.rps.toFixed(0)}` : "(part of the row above)"}${r.missed ? ` (${r.missed} missed)` : ""} | ${r.n} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.ratioToTrivialP50.toFixed(1)}× | ${r.ratioToTrivialP95.toFixed(1)}× | ${r.target === null ? "–" : `< ${r.target}`} | ${r.errors} |`,
      ),
      "",
      `A learner's first \`next\` reaches a brand-new Durable Object, which looks for history to hydrate in Postgres and loads its content; with ${LEARNERS} new learners those first requests are ${((LEARNERS / Math.max(1, Math.round((RATE / 2) * DURATION))) * 100).toFixed(0)} % of the next requests here and can dominate its p95 and p99 (they vary a lot between runs on this shared machine): see the two rows below it.`,
      "",
      `Scoring 500 candidates inside workerd (knowledge-model predictions + unified scoring): **${scoreUs.toFixed(0)} µs** per ranking`,
      `(median of 7 requests with ${reps} rankings minus the same with none, divided by ${reps}: workerd's clock stands still while code runs, so it is measured from outside).`,
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
