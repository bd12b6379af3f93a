/**
 * `npm run bench:ab -- --base <git ref>`: what a change costs or saves, per route, measured so
 * that a noisy shared machine cannot fake it. `npm run bench` compares routes with baselines
 * inside one run; between two runs its CPU figures swing by a third or more on this kind of
 * machine (a busy neighbour, a slower hour), so a before/after of two bench runs cannot show a
 * 10 % change. This runs both versions AT THE SAME TIME instead:
 *
 * - the working tree and `<ref>` (checked out into a temporary git worktree sharing this
 *   node_modules) each run `npm run serve` (the built bundle on Miniflare, embedded PGlite,
 *   its own data folder and port);
 * - each route's phase runs against one stack, then the other, alternating the order every
 *   round (A B, B A, A B, …), so drift in the machine's speed falls on both alike;
 * - CPU per request = Δ(user + system time of that stack's workerd process, /proc) ÷ requests
 *   answered, per phase; the report gives each side's median over rounds and their ratio.
 *
 * Routes: `healthz` (full middleware), `item` (content, memory/KV hit), `skills` (the skill
 * graph, a larger content body), `search` (eight queries in turn, memory hits), `next` (warm learner,
 * autocannon), `progress` (autocannon), `pairs` (next → attempt for every learner, a fetch driver; each attempt also
 * ranks the next item ahead), `steps` (one-request practice steps: an answer that brings the
 * next item, as the web app and the load tests take them), `wake` (one such step per learner
 * after 25 s idle, so workerd has evicted the learner's object and the step wakes it), `first` (a
 * brand-new learner's first `next`: --learners new learners a round, 8 in flight, each creating
 * its object and its tables). Options: --base REF (HEAD), --rounds N (8), --seconds N (per
 * autocannon phase, 4), --routes a,b (all), --learners N (64), --out FILE
 * (reports/bench-ab.md). Needs git and a second free port pair (8811, 8812).
 */
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { mintLearnerToken } from "../src/auth/learner-token";
import { signTestP } from "../src/ops/sign-test";
import { waitFor } from "./lib/platform";
import { cpuMs, descendantsNamed } from "./lib/proc-cpu";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    base: { type: "string", default: "HEAD" },
    rounds: { type: "string", default: "8" },
    seconds: { type: "string", default: "4" },
    routes: { type: "string", default: "healthz,item,next,progress,pairs" },
    learners: { type: "string", default: "64" },
    out: { type: "string", default: "reports/bench-ab.md" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const LEARNERS = Number(values.learners);
const ROUTES = values.routes.split(",").map((r) => r.trim());
const KNOWN_ROUTES = ["healthz", "item", "skills", "search", "next", "progress", "pairs", "steps", "wake", "first"];
const SEARCH_WORDS = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "prime"];
for (const r of ROUTES) if (!KNOWN_ROUTES.includes(r)) throw new Error(`unknown route ${r}: use ${KNOWN_ROUTES.join(", ")}`);
if (!(ROUNDS >= 2 && SECONDS >= 1 && LEARNERS >= 1)) throw new Error("--rounds ≥ 2, --seconds ≥ 1 and --learners ≥ 1");
const log = (line: string) => console.log(`[bench:ab] ${line}`);
/** After a pairs phase: the outbox timer (10 s), the writer's flush (2 s) and a margin. */
const SETTLE_MS = 14_000;
/** Before a wake phase's step: long enough for workerd to have evicted every idle learner object. */
const WAKE_IDLE_MS = 25_000;

interface Learner {
  id: string;
  headers: Record<string, string>;
}
interface Stack {
  label: "base" | "new";
  cwd: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  workerd: number;
  base: string;
  learners: Learner[];
  itemId: string;
  /** Signs tokens for learners made up during the run (the `first` route). */
  secret: string;
}

const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();

/**
 * A fetch that tries again when the server closed a pooled keep-alive socket under it (workerd
 * closes idle connections after 5 s). Safe for attempts too: they carry their clientAttemptId,
 * so a resend is answered as a replay and never counts twice.
 */
async function fetchRetrying(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function startStack(label: Stack["label"], cwd: string, port: number, scratch: string): Promise<Stack> {
  const dataDir = join(scratch, `data-${label}`);
  // Each stack on its own embedded database and no Redis: nothing shared between the two but the machine.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), WS_PROXY_PORT: "0" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const child = spawn("npm", ["run", "-s", "serve"], {
    cwd,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the ${label} stack exited (${code}) while starting`))));
  exited.catch(() => {}); // it exits at the end of the run too, after the race is long settled
  await Promise.race([waitFor(`${base}/healthz`, 180_000), exited]);
  const workerd = descendantsNamed("workerd", child.pid ?? -1);
  if (workerd.length !== 1) throw new Error(`${label}: expected one workerd process below the stack, found ${workerd.length}`);
  const secrets = JSON.parse(readFileSync(join(dataDir, "local-secrets.json"), "utf8")) as { JWT_SECRET: string; OPS_TOKEN: string };
  const published = await fetch(`${base}/v1/ops/content/publish`, { method: "POST", headers: { authorization: `Bearer ${secrets.OPS_TOKEN}` } });
  if (!published.ok) throw new Error(`${label}: publishing content failed (${published.status})`);
  const learners: Learner[] = [];
  let itemId = "";
  for (let i = 0; i < LEARNERS; i++) {
    const id = `ab-${label}-${i}`;
    const headers = { authorization: `Bearer ${await mintLearnerToken(id, secrets.JWT_SECRET)}`, "content-type": "application/json", "accept-encoding": "identity" };
    learners.push({ id, headers });
    // Each learner's object exists and holds a ranking before anything is measured.
    const res = await fetchRetrying(`${base}/v1/learners/${id}/next`, { method: "POST", headers, body: '{"mode":"practice"}' });
    const body = (await res.json()) as { item?: { id: string } | null };
    itemId ||= body.item?.id ?? "";
  }
  if (!itemId) throw new Error(`${label}: no item was served while warming up`);
  log(`${label}: ${cwd} on ${base}, workerd pid ${workerd[0]}, ${learners.length} learners`);
  return { label, cwd, port, dataDir, child, workerd: workerd[0] as number, base, learners, itemId, secret: secrets.JWT_SECRET };
}

interface Sample {
  requests: number;
  cpuPerRequest: number;
  failed: number;
  /** What failed, counted: "409 next: <detail>" (the pairs driver reads every answer). */
  reasons?: Map<string, number>;
}

async function cannon(stack: Stack, request: (i: number) => { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string }): Promise<Sample> {
  let i = 0;
  const before = cpuMs([stack.workerd]);
  const result = await autocannon({
    url: stack.base,
    connections: 8,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req) => {
          const r = request(i++);
          return { ...req, path: r.path, method: r.method, body: r.body, headers: { ...req.headers, ...r.headers } };
        },
      },
    ],
  });
  const cpu = cpuMs([stack.workerd]) - before;
  const requests = result.requests.total;
  // What failed, by status (`npm run serve` enforces the per-learner rate limit: a phase that asks
  // too much of too few learners is answered 429, and its CPU per request is then a mix of both).
  const reasons = new Map<string, number>();
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) if (!status.startsWith("2") && (stat?.count ?? 0) > 0) reasons.set(`HTTP ${status}${status === "429" ? " (rate limit: use more --learners)" : ""}`, stat?.count ?? 0);
  // autocannon counts a timeout as an error too. Connection resets come with the 429s: workerd
  // closes a connection whose request body the refusal left unread.
  if (result.errors > 0) reasons.set(`connection error (${result.timeouts} of them timeouts; resets follow refusals that leave a body unread)`, result.errors);
  return { requests, cpuPerRequest: cpu / Math.max(1, requests), failed: result.non2xx + result.errors, reasons };
}

/** Failed requests of a driver phase, counted by status, route and reason. */
function failureTally() {
  const reasons = new Map<string, number>();
  const fail = (what: string, status: number, body: { detail?: string; message?: string }) => {
    const key = `${status} ${what}: ${body.detail ?? body.message ?? ""}`.slice(0, 160);
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  };
  return { reasons, fail, count: () => [...reasons.values()].reduce((a, n) => a + n, 0) };
}

/** Every learner asks for an item and answers it, `steps` times; the attempts' ranking ahead is given 300 ms to finish inside the window. */
async function pairs(stack: Stack, steps: number, round: number): Promise<Sample> {
  const before = cpuMs([stack.workerd]);
  let requests = 0;
  const { reasons, fail, count } = failureTally();
  for (let k = 0; k < steps; k++) {
    await Promise.all(
      stack.learners.map(async (L) => {
        const next = await fetchRetrying(`${stack.base}/v1/learners/${L.id}/next`, { method: "POST", headers: L.headers, body: '{"mode":"practice"}' });
        const body = (await next.json()) as { item?: { id: string; kind: string } | null; detail?: string; message?: string };
        requests += 1;
        if (!next.ok || !body.item) return fail("next", next.status, body);
        const response = body.item.kind === "text" ? "not the answer" : 0;
        const attempt = await fetchRetrying(`${stack.base}/v1/learners/${L.id}/attempts`, {
          method: "POST",
          headers: L.headers,
          body: JSON.stringify({ clientAttemptId: `${L.id}-r${round}-s${k}`, itemId: body.item.id, response, responseMs: 5_000 }),
        });
        const answer = (await attempt.json().catch(() => ({}))) as { detail?: string };
        requests += 1;
        if (!attempt.ok) fail("attempt", attempt.status, answer);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 300));
  return { requests, cpuPerRequest: (cpuMs([stack.workerd]) - before) / Math.max(1, requests), failed: count(), reasons };
}

type Served = { id: string; kind: string } | null;

/** Every learner asks for a practice item (the answers' failures go to `fail`); null where none came. */
function serveEveryLearner(stack: Stack, fail: ReturnType<typeof failureTally>["fail"]): Promise<Served[]> {
  return Promise.all(
    stack.learners.map(async (L) => {
      const res = await fetchRetrying(`${stack.base}/v1/learners/${L.id}/next`, { method: "POST", headers: L.headers, body: '{"mode":"practice"}' });
      const body = (await res.json()) as { item?: Served; detail?: string };
      if (!res.ok || !body.item) fail("next", res.status, body);
      return body.item ?? null;
    }),
  );
}

/** One practice step in one request: an answer (wrong, whatever the item) that brings the next item. */
async function answerBringingNext(stack: Stack, L: Learner, item: NonNullable<Served>, clientAttemptId: string) {
  const res = await fetchRetrying(`${stack.base}/v1/learners/${L.id}/attempts`, {
    method: "POST",
    headers: L.headers,
    body: JSON.stringify({ clientAttemptId, itemId: item.id, response: item.kind === "text" ? "not the answer" : 0, responseMs: 5_000, next: "practice" }),
  });
  const body = (await res.json().catch(() => ({}))) as { next?: { item?: Served } | null; detail?: string };
  return { res, body };
}

/**
 * Practice steps as the web app and the load tests take them: one request per step, an answer
 * that brings the next item (`next` in its body). Each learner first asks for an item (not
 * counted), then answers `steps` times; the last answers' ranking ahead gets 300 ms in the window.
 */
async function steps(stack: Stack, steps: number, round: number): Promise<Sample> {
  let requests = 0;
  const { reasons, fail, count } = failureTally();
  const first = await serveEveryLearner(stack, fail);
  const before = cpuMs([stack.workerd]);
  await Promise.all(
    stack.learners.map(async (L, i) => {
      let item = first[i] ?? null;
      for (let k = 0; k < steps && item; k++) {
        const { res, body } = await answerBringingNext(stack, L, item, `${L.id}-r${round}-t${k}`);
        requests += 1;
        if (!res.ok || !body.next?.item) {
          fail("step", res.status, body);
          item = null;
        } else item = body.next.item;
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  return { requests, cpuPerRequest: (cpuMs([stack.workerd]) - before) / Math.max(1, requests), failed: count(), reasons };
}

/**
 * A returning learner's step (one request: an answer that brings the next item) after their
 * object was evicted: each learner first asks for an item (not counted), then everyone stays
 * quiet for WAKE_IDLE_MS (workerd evicts an idle object about 10 s after its last work), then
 * answers once. What every step costs when learners come back after a minute or more (the
 * 10,000-learner runs in reports/capacity/): the runtime reopening the object, and ours.
 */
async function wake(stack: Stack, round: number): Promise<Sample> {
  const { reasons, fail, count } = failureTally();
  const served = await serveEveryLearner(stack, fail);
  await new Promise((r) => setTimeout(r, WAKE_IDLE_MS));
  let requests = 0;
  const before = cpuMs([stack.workerd]);
  await Promise.all(
    stack.learners.map(async (L, i) => {
      const item = served[i];
      if (!item) return;
      const { res, body } = await answerBringingNext(stack, L, item, `${L.id}-r${round}-w`);
      requests += 1;
      if (!res.ok || !body.next?.item) fail("woken step", res.status, body);
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  return { requests, cpuPerRequest: (cpuMs([stack.workerd]) - before) / Math.max(1, requests), failed: count(), reasons };
}

/**
 * Brand-new learners' first `next`, `LEARNERS` of them a round (their tokens signed before the
 * window opens), 8 in flight: workerd creates each one's object and SQLite database, and the
 * object its tables, in the window. The shared starting ranking is already in the isolate's
 * memory (the stack's own learners asked for their first items while it started).
 */
async function firsts(stack: Stack, round: number): Promise<Sample> {
  const fresh = await Promise.all(
    Array.from({ length: LEARNERS }, async (_, i) => {
      const id = `ab-${stack.label}-r${round}-f${i}`;
      return { id, headers: { authorization: `Bearer ${await mintLearnerToken(id, stack.secret)}`, "content-type": "application/json", "accept-encoding": "identity" } };
    }),
  );
  const { reasons, fail, count } = failureTally();
  let requests = 0;
  let at = 0;
  const before = cpuMs([stack.workerd]);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let L = fresh[at++]; L; L = fresh[at++]) {
        const res = await fetchRetrying(`${stack.base}/v1/learners/${L.id}/next`, { method: "POST", headers: L.headers, body: '{"mode":"practice"}' });
        const body = (await res.json()) as { item?: Served; detail?: string };
        requests += 1;
        if (!res.ok || !body.item) fail("first next", res.status, body);
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  return { requests, cpuPerRequest: (cpuMs([stack.workerd]) - before) / Math.max(1, requests), failed: count(), reasons };
}

function phase(route: string, stack: Stack, round: number): Promise<Sample> {
  let n = 0;
  switch (route) {
    case "healthz":
      return cannon(stack, () => ({ method: "GET", path: "/healthz" }));
    case "item":
      return cannon(stack, () => ({ method: "GET", path: `/v1/items/${stack.itemId}` }));
    case "skills":
      return cannon(stack, () => ({ method: "GET", path: "/v1/skills" }));
    case "search":
      // A few popular queries, so nearly every request is a memory hit (each entry reloads once
      // per 30 s freshness period, a few requests in thousands, on both sides alike).
      return cannon(stack, () => ({ method: "GET", path: `/v1/search?q=${SEARCH_WORDS[n++ % SEARCH_WORDS.length]}&limit=10` }));
    case "progress":
      return cannon(stack, () => {
        const L = stack.learners[n++ % stack.learners.length] as Learner;
        return { method: "GET", path: `/v1/learners/${L.id}/progress`, headers: L.headers };
      });
    case "next":
      return cannon(stack, () => {
        const L = stack.learners[n++ % stack.learners.length] as Learner;
        return { method: "POST", path: `/v1/learners/${L.id}/next`, headers: L.headers, body: '{"mode":"practice"}' };
      });
    case "steps":
      return steps(stack, 6, round);
    case "wake":
      return wake(stack, round);
    case "first":
      return firsts(stack, round);
    default:
      return pairs(stack, 6, round);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const baseRef = values.base;
  const baseCommit = git("rev-parse", "--short", baseRef);
  const newCommit = git("rev-parse", "--short", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no").length > 0;
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "bench-ab-"));
  const worktree = join(scratch, "base");
  const stacks: Stack[] = [];
  const cleanup = () => {
    for (const s of stacks) {
      try {
        if (s.child.pid) process.kill(-s.child.pid, "SIGINT");
      } catch {
        // already gone
      }
    }
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    git("worktree", "add", "--detach", worktree, baseRef);
    symlinkSync(join(root, "node_modules"), join(worktree, "node_modules"));
    log(`base: ${baseRef} (${baseCommit}) in ${worktree}; new: the working tree (${newCommit}${dirty ? " + uncommitted changes" : ""})`);
    // One at a time: two cold starts at once would only slow each other down.
    stacks.push(await startStack("base", worktree, 8811, scratch));
    stacks.push(await startStack("new", root, 8812, scratch));
    const [A, B] = stacks as [Stack, Stack];
    const samples = new Map<string, { base: Sample[]; new: Sample[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of ROUTES) {
        for (const stack of round % 2 === 0 ? [A, B] : [B, A]) {
          const s = await phase(route, stack, round);
          // An attempt's hand-over to the writer runs on a timer (OUTBOX_FLUSH_DELAY_MS, 10 s by
          // default) and the writer commits after it: let that land before the next window opens,
          // or it is charged to whichever phase of this stack comes next.
          if (route === "pairs") await new Promise((r) => setTimeout(r, SETTLE_MS));
          // The new learners' objects go idle together and workerd evicts them about 10 s later:
          // let that land outside every window too (it is the same work on both sides).
          if (route === "first") await new Promise((r) => setTimeout(r, SETTLE_MS));
          const entry = samples.get(route) ?? { base: [], new: [] };
          entry[stack.label].push(s);
          samples.set(route, entry);
        }
      }
      log(`round ${round + 1}/${ROUNDS}: ${ROUTES.map((r) => `${r} ${samples.get(r)?.base.at(-1)?.cpuPerRequest.toFixed(3)} / ${samples.get(r)?.new.at(-1)?.cpuPerRequest.toFixed(3)}`).join(" · ")} ms (base / new)`);
    }

    const rows = ROUTES.map((route) => {
      const e = samples.get(route) ?? { base: [], new: [] };
      const b = median(e.base.map((s) => s.cpuPerRequest));
      const n = median(e.new.map((s) => s.cpuPerRequest));
      // Paired by round (both sides ran back to back): the share of rounds in which the new side was cheaper.
      const wins = e.new.filter((s, i) => s.cpuPerRequest < (e.base[i]?.cpuPerRequest ?? Number.POSITIVE_INFINITY)).length;
      const failedBase = e.base.reduce((a, s) => a + s.failed, 0);
      const failedNew = e.new.reduce((a, s) => a + s.failed, 0);
      const failed = failedBase + failedNew;
      const reasons = (side: Sample[]) => {
        const all = new Map<string, number>();
        for (const s of side) for (const [k, v] of s.reasons ?? []) all.set(k, (all.get(k) ?? 0) + v);
        return [...all].sort((a, b) => b[1] - a[1]);
      };
      const requests = [...e.base, ...e.new].reduce((a, s) => a + s.requests, 0);
      // The same round's two phases ran back to back: their ratio is the paired figure.
      const paired = median(e.new.map((s, i) => s.cpuPerRequest / (e.base[i]?.cpuPerRequest ?? Number.NaN)).filter(Number.isFinite));
      return { route, base: b, new: n, ratio: n / b, paired, wins, rounds: e.new.length, p: signTestP(wins, e.new.length), failed, failedBase, failedNew, reasonsBase: reasons(e.base), reasonsNew: reasons(e.new), requests, all: e };
    });
    const describe: Record<string, string> = {
      healthz: "GET /healthz (full middleware), autocannon",
      item: "GET /v1/items/:id (memory/KV hit), autocannon",
      skills: "GET /v1/skills (the skill graph, memory/KV hit), autocannon",
      search: "GET /v1/search, 8 queries in turn (memory hits, else the Cache API), autocannon",
      next: "POST next, warm learner, autocannon",
      progress: "GET progress, autocannon",
      pairs: "next → attempt for every learner (the attempt ranks the next item ahead), per request",
      steps: "practice steps in one request each (an answer that brings the next item), per step",
      first: "a brand-new learner's first next (a new object and its tables), 8 in flight, per request",
      wake: `a returning learner's step (one request) after ${WAKE_IDLE_MS / 1000} s idle: its object evicted and woken, per step`,
    };
    const lines = [
      "# A/B: CPU per request, two versions side by side",
      "",
      `${new Date().toISOString()} · \`npm run bench:ab -- --base ${baseRef}\` (scripts/bench-ab.ts). base = ${baseRef} (${baseCommit}); new = the working tree (${newCommit}${dirty ? " + uncommitted changes" : ""}).`,
      `Both run \`npm run serve\` (built bundle on Miniflare, embedded PGlite) at the same time; each route's phase alternates between them (A B, then B A, …) for ${ROUNDS} rounds, ${SECONDS} s per autocannon phase (8 connections), ${LEARNERS} learners per stack; after each pairs phase ${SETTLE_MS / 1000} s pass before the next window, so the attempts' outbox hand-over and writer flush (background work on a 10 s timer) fall outside every window, and as long after each first phase, so workerd's eviction of the new learners' idle objects does too. CPU = user + system time of that stack's workerd process from /proc, divided by the requests answered.`,
      "",
      "| route | base ms/req (median) | new ms/req (median) | new ÷ base (medians) | new ÷ base (median of each round's ratio) | rounds where new was cheaper | sign test p | requests | failed (base / new) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${describe[r.route]} | ${r.base.toFixed(3)} | ${r.new.toFixed(3)} | ${r.ratio.toFixed(3)} | ${r.paired.toFixed(3)} | ${r.wins} of ${r.rounds} | ${r.p.toFixed(2)} | ${r.requests} | ${r.failedBase} / ${r.failedNew} |`),
      "",
      ...rows.flatMap((r) =>
        r.failed === 0
          ? []
          : [`Failed ${r.route} requests, by answer (base): ${r.reasonsBase.map(([k, v]) => `${v}× ${k}`).join("; ") || "–"}. New: ${r.reasonsNew.map(([k, v]) => `${v}× ${k}`).join("; ") || "–"}.`, ""],
      ),
      "Every round's figures (base / new, ms of workerd CPU per request):",
      "",
      ...rows.map((r) => `- ${r.route}: ${r.all.base.map((s, i) => `${s.cpuPerRequest.toFixed(3)} / ${r.all.new[i]?.cpuPerRequest.toFixed(3) ?? "–"}`).join(" · ")}`),
      "",
      "Read the ratios, not the absolute figures: on a shared machine both sides slow down together. The sign test p is the chance of a split of rounds at least this uneven if the two versions cost the same; an unchanged route shows the harness's own spread.",
      "",
    ];
    const out = resolve(root, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, lines.join("\n"));
    for (const r of rows) log(`${r.route}: base ${r.base.toFixed(3)} · new ${r.new.toFixed(3)} ms/req · new ÷ base ${r.ratio.toFixed(3)} (cheaper in ${r.wins} of ${r.rounds} rounds, sign test p ${r.p.toFixed(2)})${r.failed ? ` · failed ${r.failedBase} base / ${r.failedNew} new` : ""}`);
    log(`wrote ${values.out}`);
  } finally {
    cleanup();
    await new Promise((r) => setTimeout(r, 3_000));
    try {
      git("worktree", "remove", "--force", worktree);
    } catch {
      // not created
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
