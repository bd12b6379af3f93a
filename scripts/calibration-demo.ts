/**
 * `npm run calibration:demo`: items that calibrate themselves, end to end on a running local
 * platform (issue 12: "simulated traffic goes through `npm start`, the job runs, and calibrated
 * parameters appear in KV and change what the next mock test reports").
 *
 *   start the platform with Redis (scripts/lib/platform.ts) ─► "before" mock tests ─►
 *   simulated learners take mock tests over HTTP ─► wait until Postgres holds every attempt
 *   and Redis counts each once ─► POST /v1/ops/calibration/run ─► the published document
 *   (KV, through GET /v1/ops/calibration) against Postgres and the truth ─► wait until
 *   learners' objects read it ─► "after" mock tests
 *
 * Everything goes through the platform's HTTP API, as a client would; the script reads
 * Postgres only to list the strand's items (with their answer keys) and to see the attempts
 * arrive. The truth is SYNTHETIC (src/eval/calibration-demo.ts): true difficulty = authored ±
 * `--shift` per item (`--truth scatter`, the default) or + `--shift` for every item (`--truth
 * uniform`), authored a and c, learners θ ~ N(0, 1) from a seeded generator.
 *
 * Statistics go to the Redis in REDIS_URL (default redis://127.0.0.1:6379) under a prefix of
 * this run's own (ITEM_STATS_KEY_PREFIX), so a shared Redis's other users never see them;
 * they are deleted at the end (`--keep-redis` keeps them). Data: a fresh temporary folder
 * (PGlite), or the Postgres in DATABASE_URL.
 *
 *   npm run calibration:demo [-- --learners 700 --attempts 24 --concurrency 12 --shift 0.8 --truth scatter --seed 12]
 *
 * Writes reports/calibration-demo.md (`--out`). A few minutes on two shared cores.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import IORedis from "ioredis";
import { mintLearnerToken } from "../src/auth/learner-token";
import type { Item } from "../src/content/schema";
import { DEFAULT_CALIBRATION_CONFIG } from "../src/core/calibration";
import { mulberry32, normalDraw, seedFromString } from "../src/core/random";
import { mean } from "../src/eval/stats";
import type { Random } from "../src/core/random";
import { getItems, itemsOfSkill, listSkills } from "../src/db/content";
import { authoringOffset, difficultyError, drawCorrect, responseFor, trueParams } from "../src/eval/calibration-demo";
import { startPlatform } from "./lib/platform";
import type { Platform } from "./lib/platform";
import type { ItemCalibration as StoredItemCalibration } from "../src/db/calibration";

const { values } = parseArgs({
  options: {
    learners: { type: "string", default: "700" },
    attempts: { type: "string", default: "24" },
    concurrency: { type: "string", default: "12" },
    shift: { type: "string", default: "0.8" },
    truth: { type: "string", default: "scatter" },
    seed: { type: "string", default: "12" },
    course: { type: "string", default: "systems" },
    "report-items": { type: "string", default: "20" },
    port: { type: "string", default: "8797" },
    runtime: { type: "string", default: "miniflare" },
    out: { type: "string", default: "reports" },
    "keep-redis": { type: "boolean", default: false },
  },
});
const LEARNERS = Number(values.learners);
const ATTEMPTS = Number(values.attempts);
const CONCURRENCY = Number(values.concurrency);
const SHIFT = Number(values.shift);
if (values.truth !== "scatter" && values.truth !== "uniform") throw new Error(`--truth must be scatter or uniform (got ${values.truth})`);
const TRUTH: "scatter" | "uniform" = values.truth;
/** The synthetic truth: true b = authored b + this (src/eval/calibration-demo.ts `authoringOffset`). */
const offsetOf = (itemId: string) => authoringOffset(itemId, SHIFT, TRUTH);
const TRUTH_TEXT = TRUTH === "uniform" ? `authored b + ${SHIFT}` : `authored b ± ${SHIFT}`;
const SEED = Number(values.seed);
const COURSE = values.course;
const REPORT_ITEMS = Number(values["report-items"]);
const RUNTIME = values.runtime === "dev" ? "dev" : "miniflare";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** The abilities of the "before" and "after" mock tests (the same for both). */
const PROBE_THETAS = [-1, 0, 1] as const;
/** The job's thresholds, for the report's bands. */
const { minResponses: MIN_RESPONSES, maxSe: MAX_SE } = DEFAULT_CALIBRATION_CONFIG;

const log = (line: string) => console.log(`[calibration-demo] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));

/** The report of a finished mock test (workers/learner/mock-tests.ts MockReport; the fields this script reads). */
interface MockReport {
  theta: number;
  se: number;
  parameterSe: number;
  score: { value: number; low: number; high: number };
  itemsAnswered: number;
  correct: number;
  stopReason: string | null;
  defaultsUsed: number;
  calibratedUsed: number;
  parameterNote: string;
}
interface MockNext {
  testId: string;
  item: { id: string } | null;
  done: boolean;
  report: MockReport | null;
}
/** What `POST /v1/ops/calibration/run` answers (workers/calibration/job.ts's run, and whether statistics are on). */
interface CalibrationRun {
  version: number | null;
  wrote: boolean;
  claimed: number;
  changed: number;
  calibrated: number;
  items: number;
  statsEnabled: boolean;
}
/** One item's published calibration, as `GET /v1/ops/calibration?item=` shows it. */
type ItemCalibration = Omit<StoredItemCalibration, "itemId">;
interface CalibrationShown {
  version: number | null;
  createdAt: number | null;
  items: number;
  calibrated: number;
  sympsonHetter: boolean;
  exposureControlled: number;
  item?: ItemCalibration | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The platform's API as a client sees it. Retries only what is safe to repeat (see `call`). */
class Api {
  constructor(
    readonly base: string,
    private readonly opsToken: string,
  ) {}

  /**
   * One request; `retry` for idempotent ones (an attempt is keyed by its clientAttemptId, a
   * mock test's `next` hands out the same pending item again): a 429/503 or a dropped
   * connection is retried after a short pause, anything else fails.
   */
  async call<T>(method: "GET" | "POST", path: string, opts: { token?: string; ops?: boolean; body?: unknown; retry?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.ops) headers.authorization = `Bearer ${this.opsToken}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
      } catch (err) {
        if (opts.retry && attempt < 3) {
          await sleep(500 * (attempt + 1));
          continue;
        }
        throw err;
      }
      const text = await res.text();
      if (res.ok) return JSON.parse(text) as T;
      if (opts.retry && attempt < 3 && (res.status === 429 || res.status === 503)) {
        await sleep(500 * (attempt + 1));
        continue;
      }
      throw new HttpError(res.status, `${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}

/** Counts per item of what this script sent: the reference the platform's statistics must match. */
class Tally {
  readonly byItem = new Map<string, { n: number; correct: number }>();
  attempts = 0;
  add(itemId: string, correct: boolean): void {
    const t = this.byItem.get(itemId) ?? { n: 0, correct: 0 };
    t.n += 1;
    if (correct) t.correct += 1;
    this.byItem.set(itemId, t);
    this.attempts += 1;
  }
}

interface Context {
  api: Api;
  platform: Platform;
  items: Map<string, Item>;
  tally: Tally;
  run: string;
}

/**
 * One simulated learner's mock test over HTTP: start, then `next` → answer until the test is
 * done. Each answer is drawn from the TRUE parameters with the learner's own generator.
 */
async function mockTest(ctx: Context, learnerId: string, theta: number, rng: Random, maxItems: number): Promise<MockReport> {
  const token = await mintLearnerToken(learnerId, ctx.platform.secrets.JWT_SECRET);
  const base = `/v1/learners/${learnerId}`;
  const test = await ctx.api.call<{ testId: string }>("POST", `${base}/mock-tests`, { token, body: { course: COURSE, maxItems } });
  for (let k = 0; k <= maxItems + 1; k++) {
    const next = await ctx.api.call<MockNext>("POST", `${base}/mock-tests/${test.testId}/next`, { token, retry: true });
    if (next.done) {
      if (!next.report) throw new Error(`${learnerId}: mock test ${test.testId} done without a report`);
      return next.report;
    }
    const itemId = next.item?.id ?? "";
    const item = ctx.items.get(itemId);
    if (!item) throw new Error(`${learnerId}: the ${COURSE} mock test served ${itemId || "no item"}, not an item of the strand`);
    const correct = drawCorrect(rng, theta, trueParams(item, offsetOf(item.id)));
    await ctx.api.call("POST", `${base}/attempts`, {
      token,
      retry: true,
      body: { clientAttemptId: `${test.testId}-${k}`, itemId, response: responseFor(item, correct), responseMs: 8_000 + Math.floor(rng() * 30_000) },
    });
    ctx.tally.add(itemId, correct);
  }
  throw new Error(`${learnerId}: the mock test did not finish within ${maxItems} items`);
}

interface Probe {
  theta: number;
  learnerId: string;
  report: MockReport;
}

async function probes(ctx: Context, label: string): Promise<Probe[]> {
  const out: Probe[] = [];
  for (const theta of PROBE_THETAS) {
    const learnerId = `cdemo-${ctx.run}-${label}-${theta < 0 ? "m" : "p"}${Math.abs(theta)}`;
    // The same generator for the before and after learner of an ability: differences come from the items served.
    const report = await mockTest(ctx, learnerId, theta, mulberry32(seedFromString(`${SEED}:${theta}`)), REPORT_ITEMS);
    out.push({ theta, learnerId, report });
    log(`  ${label} θ = ${theta}: θ̂ ${f(report.theta, 2)}, score ${report.score.value} [${report.score.low}, ${report.score.high}], calibratedUsed ${report.calibratedUsed}/${report.itemsAnswered}, parameterSe ${f(report.parameterSe)}`);
  }
  return out;
}

/** The simulated traffic: LEARNERS mock tests, CONCURRENCY at a time, with a progress line every 5 s. */
async function traffic(ctx: Context): Promise<{ seconds: number; learners: number; attempts: number; failures: string[] }> {
  const rng = mulberry32(SEED);
  const thetas = Array.from({ length: LEARNERS }, () => normalDraw(rng));
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  const before = ctx.tally.attempts;
  const t0 = performance.now();
  const ticker = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    const n = ctx.tally.attempts - before;
    const eta = done > 0 ? ((LEARNERS - done) * s) / done : Number.NaN;
    log(`  traffic: ${done}/${LEARNERS} learners, ${n} attempts, ${(n / s).toFixed(0)} attempts/s${failures.length ? `, ${failures.length} failed` : ""}${Number.isFinite(eta) ? `, ~${eta.toFixed(0)} s left` : ""}`);
  }, 5_000);
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < LEARNERS; i = next++) {
          const theta = thetas[i] ?? 0;
          try {
            await mockTest(ctx, `cdemo-${ctx.run}-${i}`, theta, mulberry32(seedFromString(`${SEED}:learner:${i}`)), ATTEMPTS);
          } catch (err) {
            failures.push(err instanceof Error ? err.message : String(err));
            // A few failures are reported; many mean the platform is not serving: stop.
            if (failures.length > Math.max(5, LEARNERS * 0.05)) throw new Error(`too many failed learners (${failures.length}); first: ${failures[0]}`);
          }
          done += 1;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  return { seconds: (performance.now() - t0) / 1000, learners: done, attempts: ctx.tally.attempts - before, failures };
}

/**
 * Waits until Postgres holds every attempt this run made (the learners' outboxes hand over
 * after OUTBOX_FLUSH_DELAY_MS, writer shards commit after OUTBOX_WRITER_FLUSH_MS), then until
 * Redis, read through the operator route, counts for every item exactly what was sent (shards
 * send their statistics deltas every ITEM_STATS_SEND_MS). Postgres's `item_stat_deltas` is no
 * signal here: a sent delta's row is deleted only by the shard's next transaction.
 */
async function settle(ctx: Context, timeoutMs: number): Promise<{ postgresSeconds: number; redisSeconds: number; items: number; redisMatches: number; redisMismatches: string[] }> {
  const db = ctx.platform.stack.db.read;
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let last = "";
  const report = (line: string) => {
    if (line !== last) log(`${line} (${elapsed().toFixed(0)} s)`);
    last = line;
    if (performance.now() - t0 > timeoutMs) throw new Error(`still in flight after ${timeoutMs / 1000} s:${line}`);
  };
  for (;;) {
    const [attempts] = (await db.execute<{ n: string | number }>(sql`SELECT count(*) AS n FROM attempts WHERE learner_id LIKE ${`cdemo-${ctx.run}-%`}`)).rows;
    const writers = await ctx.api.call<{ totals: { pending: number } }>("GET", "/v1/ops/writers", { ops: true });
    const inPostgres = Number(attempts?.n ?? 0);
    if (inPostgres >= ctx.tally.attempts && writers.totals.pending === 0) break;
    report(`  hand-over: ${inPostgres}/${ctx.tally.attempts} attempts in Postgres, ${writers.totals.pending} rows queued in writer shards`);
    await sleep(2_000);
  }
  const postgresSeconds = elapsed();
  log(`  hand-over: all ${ctx.tally.attempts} attempts in Postgres (${postgresSeconds.toFixed(0)} s)`);
  const ids = [...ctx.tally.byItem.keys()];
  for (;;) {
    const mismatches: string[] = [];
    let counted = 0;
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      const stats = await Promise.all(batch.map((id) => ctx.api.call<{ enabled: boolean; attempts: number; correct: number }>("GET", `/v1/ops/items/${id}/stats`, { ops: true })));
      stats.forEach((stat, k) => {
        const id = batch[k] ?? "";
        const t = ctx.tally.byItem.get(id) ?? { n: 0, correct: 0 };
        if (!stat.enabled) throw new Error("the platform reports item statistics disabled: Redis did not reach the worker");
        counted += stat.attempts;
        if (stat.attempts !== t.n || stat.correct !== t.correct) mismatches.push(`${id}: sent ${t.n} (${t.correct} right), Redis ${stat.attempts} (${stat.correct})`);
      });
    }
    // Fewer in Redis: deltas still waiting in a shard. More, or the same count with other answers: never expected.
    if (counted >= ctx.tally.attempts) return { postgresSeconds, redisSeconds: elapsed(), items: ids.length, redisMatches: ids.length - mismatches.length, redisMismatches: mismatches };
    report(`  statistics: Redis counts ${counted}/${ctx.tally.attempts} attempts (${mismatches.length} items still short)`);
    await sleep(3_000);
  }
}

/**
 * Waits until learner objects score with `version`: each isolate re-reads the KV document at
 * most every minute (workers/learner/content.ts CALIBRATION_REFRESH_MS). Asked through one
 * watching learner's practice `next` (`why.parameters`), which answers each item it is served
 * so the following `next` is scored afresh: a repeated `next` without an answer hands back the
 * same item and reasons, and a brand-new learner's first one comes from the shared start
 * ranking (workers/learner/learner-do.ts `startRanking`, cached for RANKING_TTL_MS), which
 * may cite an older version.
 */
async function awaitLearnersSee(ctx: Context, version: number, timeoutMs: number): Promise<{ seconds: number; seen: number | null }> {
  const learnerId = `cdemo-${ctx.run}-watch`;
  const token = await mintLearnerToken(learnerId, ctx.platform.secrets.JWT_SECRET);
  const path = `/v1/learners/${learnerId}`;
  const t0 = performance.now();
  for (let k = 0; ; k++) {
    const next = await ctx.api.call<{ item: { id: string } | null; why: { parameters?: { version: number | null } } | null }>("POST", `${path}/next`, { token, body: { mode: "practice" }, retry: true });
    const seen = next.why?.parameters?.version ?? null;
    const s = (performance.now() - t0) / 1000;
    if ((k > 0 && seen !== null && seen >= version) || performance.now() - t0 > timeoutMs) return { seconds: s, seen };
    if (k > 0) log(`  learners' objects still score with version ${seen ?? "none"} (${s.toFixed(0)} s; they re-read KV every 60 s)`);
    const itemId = next.item?.id;
    if (!itemId) throw new Error(`${learnerId}: practice served no item`);
    const item = ctx.items.get(itemId) ?? (await getItems(ctx.platform.stack.db.read, [itemId]))[0];
    if (!item) throw new Error(`${learnerId}: served ${itemId}, which Postgres does not hold`);
    await ctx.api.call("POST", `${path}/attempts`, { token, retry: true, body: { clientAttemptId: `watch-${k}`, itemId, response: responseFor(item, true), responseMs: 10_000 } });
    if (k > 0) await sleep(5_000);
  }
}

/** Refuses to start when Redis does not answer: without it statistics and calibration are off. */
async function checkRedis(url: string): Promise<void> {
  const redis = new IORedis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    console.error(
      `[calibration-demo] Redis at ${url} does not answer (${err instanceof Error ? err.message : String(err)}).\n` +
        "The demo needs Redis: item statistics and the calibration job are off without it. Start Redis, or set REDIS_URL.",
    );
    process.exit(2);
  } finally {
    redis.disconnect();
  }
}

/** Deletes this run's statistics keys (its own prefix) from the shared Redis. */
async function dropRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
  let dropped = 0;
  try {
    let cursor = "0";
    do {
      const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = nextCursor;
      if (keys.length > 0) dropped += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return dropped;
}

interface ItemRow {
  id: string;
  authored: number;
  truth: number;
  sent: number;
  published: ItemCalibration | null;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))] ?? Number.NaN;
}

function errorRows(rows: readonly ItemRow[]): string[] {
  const bands: { label: string; keep: (r: ItemRow) => boolean }[] = [
    { label: "every item with responses", keep: (r) => (r.published?.responses ?? 0) > 0 },
    { label: `\`calibrated\` (≥ ${MIN_RESPONSES} responses, SE(b) ≤ ${MAX_SE})`, keep: (r) => r.published?.status === "calibrated" },
    { label: "`provisional`", keep: (r) => r.published?.status === "provisional" },
    { label: `1–49 responses`, keep: (r) => { const n = r.published?.responses ?? 0; return n > 0 && n < 50; } },
    { label: `50–${MIN_RESPONSES - 1} responses`, keep: (r) => { const n = r.published?.responses ?? 0; return n >= 50 && n < MIN_RESPONSES; } },
    { label: `≥ ${MIN_RESPONSES} responses`, keep: (r) => (r.published?.responses ?? 0) >= MIN_RESPONSES },
  ];
  return [
    "| items | n | b RMSE, authored | b RMSE, published | mean error (bias), authored | mean error (bias), published | mean SE(b) reported |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...bands.map(({ label, keep }) => {
      const sel = rows.filter(keep);
      const authored = difficultyError(sel.map((r) => ({ estimate: r.authored, truth: r.truth })));
      const published = difficultyError(sel.map((r) => ({ estimate: r.published?.difficulty ?? r.authored, truth: r.truth })));
      const se = sel.length ? sel.reduce((s, r) => s + (r.published?.seDifficulty ?? 0), 0) / sel.length : Number.NaN;
      return `| ${label} | ${sel.length} | ${f(authored.rmse)} | ${f(published.rmse)} | ${f(authored.bias)} | ${f(published.bias)} | ${f(se)} |`;
    }),
  ];
}

function mockRows(before: readonly Probe[], after: readonly Probe[]): string[] {
  const width = (r: MockReport) => r.score.high - r.score.low;
  const cell = (p: Probe | undefined, pick: (r: MockReport) => string) => (p ? pick(p.report) : "–");
  const lines = ["| true θ (score) | | θ̂ | SE | parameterSe | score [95 % interval] | interval width | calibratedUsed | defaultsUsed | right / answered | stop |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"];
  for (const theta of PROBE_THETAS) {
    for (const [label, set] of [["before", before], ["after", after]] as const) {
      const p = set.find((x) => x.theta === theta);
      lines.push(
        `| ${label === "before" ? `${theta} (${500 + 100 * theta})` : ""} | ${label} | ${cell(p, (r) => f(r.theta, 2))} | ${cell(p, (r) => f(r.se))} | ${cell(p, (r) => f(r.parameterSe))} | ${cell(p, (r) => `${r.score.value} [${r.score.low}, ${r.score.high}]`)} | ${cell(p, (r) => String(width(r)))} | ${cell(p, (r) => String(r.calibratedUsed))} | ${cell(p, (r) => String(r.defaultsUsed))} | ${cell(p, (r) => `${r.correct} / ${r.itemsAnswered}`)} | ${cell(p, (r) => r.stopReason ?? "–")} |`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  await checkRedis(REDIS_URL);
  process.env.REDIS_URL = REDIS_URL;
  const run = Date.now().toString(36);
  const prefix = `calib-demo-${run}:`;
  const dataDir = mkdtempSync(join(tmpdir(), "learning-calib-demo-"));
  const started = new Date();
  const t0 = performance.now();
  const phase: Record<string, number> = {};
  let platform: Platform | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await platform?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    if (!values["keep-redis"]) {
      const dropped = await dropRedisKeys(REDIS_URL, prefix).catch(() => 0);
      log(`dropped ${dropped} Redis keys under ${prefix} (--keep-redis keeps them)`);
    }
  };
  process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
  process.on("SIGTERM", () => void cleanup().then(() => process.exit(143)));
  try {
    log(`settings: course ${COURSE}, true b = ${TRUTH_TEXT} logit, ${LEARNERS} learners × ${ATTEMPTS}-item mock tests, ${CONCURRENCY} in flight, seed ${SEED}, runtime ${RUNTIME}`);
    platform = await startPlatform({ port: Number(values.port), dataDir, log: (l) => log(l), quiet: true, wranglerLogLevel: "error", runtime: RUNTIME, vars: { ITEM_STATS_KEY_PREFIX: prefix } });
    const api = new Api(platform.apiUrl, platform.secrets.OPS_TOKEN);
    const published = await api.call<{ skills: number; items: number }>("POST", "/v1/ops/content/publish", { ops: true });
    phase.start = (performance.now() - t0) / 1000;
    log(`platform up at ${platform.apiUrl} (${platform.stack.source}); content published: ${published.skills} skills, ${published.items} items (${phase.start.toFixed(0)} s)`);

    const db = platform.stack.db.read;
    const skills = (await listSkills(db)).filter((s) => s.strand === COURSE).map((s) => s.id);
    if (skills.length === 0) throw new Error(`no skills in strand "${COURSE}"`);
    const strandItems = (await Promise.all(skills.map((s) => itemsOfSkill(db, s)))).flat();
    const items = new Map(strandItems.map((it) => [it.id, it]));
    log(`strand ${COURSE}: ${skills.join(", ")}; ${items.size} items; true b = ${TRUTH_TEXT} (synthetic)`);
    const ctx: Context = { api, platform, items, tally: new Tally(), run };

    const before0 = await api.call<CalibrationShown>("GET", "/v1/ops/calibration", { ops: true });
    log(`before: published calibration version ${before0.version ?? "none"}; mock tests of ${REPORT_ITEMS} items at θ = ${PROBE_THETAS.join(", ")}`);
    const before = await probes(ctx, "before");

    let t = performance.now();
    log(`traffic: ${LEARNERS} simulated learners (θ ~ N(0, 1), seed ${SEED}), one ${ATTEMPTS}-item ${COURSE} mock test each`);
    const load = await traffic(ctx);
    phase.traffic = (performance.now() - t) / 1000;
    log(`traffic done: ${load.learners} learners, ${load.attempts} attempts in ${load.seconds.toFixed(0)} s (${(load.attempts / load.seconds).toFixed(0)}/s), ${load.failures.length} failed`);

    t = performance.now();
    const settled = await settle(ctx, 180_000);
    phase.settle = (performance.now() - t) / 1000;
    log(`every attempt in Postgres after ${settled.postgresSeconds.toFixed(0)} s, every statistics delta in Redis after ${settled.redisSeconds.toFixed(0)} s; Redis counts match what was sent for ${settled.redisMatches}/${settled.items} items`);
    for (const m of settled.redisMismatches) log(`  MISMATCH ${m}`);

    t = performance.now();
    const job = await api.call<CalibrationRun>("POST", "/v1/ops/calibration/run", { ops: true });
    phase.job = (performance.now() - t) / 1000;
    log(`calibration job: version ${job.version ?? "none"}${job.wrote ? " (new)" : ""}, ${job.changed} items refitted of ${job.claimed} changed, ${job.calibrated}/${job.items} calibrated (${phase.job.toFixed(1)} s)`);
    if (job.version === null) throw new Error("the calibration job published nothing");
    const shown = await api.call<CalibrationShown>("GET", "/v1/ops/calibration", { ops: true });
    log(`GET /v1/ops/calibration (reads KV): version ${shown.version}, ${shown.items} items, ${shown.calibrated} calibrated, Sympson–Hetter ${shown.sympsonHetter ? "on" : "off"}`);

    // Every strand item's entry as published (KV), beside its row in Postgres for that version.
    const rows: ItemRow[] = [];
    for (const item of strandItems) {
      const one = await api.call<CalibrationShown>("GET", `/v1/ops/calibration?item=${encodeURIComponent(item.id)}`, { ops: true });
      rows.push({ id: item.id, authored: item.difficulty, truth: trueParams(item, offsetOf(item.id)).b, sent: ctx.tally.byItem.get(item.id)?.n ?? 0, published: one.item ?? null });
    }
    const pg = (
      await db.execute<{ item_id: string; difficulty: number; responses: number; status: string }>(
        sql`SELECT DISTINCT ON (item_id) item_id, difficulty, responses, status FROM item_calibrations WHERE version <= ${job.version} ORDER BY item_id, version DESC`,
      )
    ).rows;
    const pgById = new Map(pg.map((r) => [r.item_id, r]));
    const kvEntries = rows.filter((r) => r.published !== null);
    const agree = kvEntries.filter((r) => {
      const p = pgById.get(r.id);
      return p && Math.abs(Number(p.difficulty) - (r.published?.difficulty ?? Number.NaN)) <= 5e-5 && Number(p.responses) === r.published?.responses && p.status === r.published?.status;
    }).length;
    const countMismatch = rows.filter((r) => r.published && r.published.responses !== r.sent).length;
    log(`strand items in KV: ${kvEntries.length}/${rows.length}; the same b, count and status in Postgres for ${agree}; published counts ≠ sent for ${countMismatch}`);

    t = performance.now();
    const seen = await awaitLearnersSee(ctx, job.version, 120_000);
    phase.refresh = (performance.now() - t) / 1000;
    log(`learners' objects score with version ${seen.seen ?? "none"} after ${seen.seconds.toFixed(0)} s`);
    log(`after: mock tests of ${REPORT_ITEMS} items at θ = ${PROBE_THETAS.join(", ")}, fresh learners`);
    const after = await probes(ctx, "after");

    // ── Report ──
    const total = (performance.now() - t0) / 1000;
    const counts = rows.map((r) => r.published?.responses ?? 0).sort((a, b) => a - b);
    const withData = rows.filter((r) => (r.published?.responses ?? 0) > 0);
    const all = difficultyError(withData.map((r) => ({ estimate: r.published?.difficulty ?? r.authored, truth: r.truth })));
    const authoredAll = difficultyError(withData.map((r) => ({ estimate: r.authored, truth: r.truth })));
    const calibratedRows = rows.filter((r) => r.published?.status === "calibrated");
    const cal = difficultyError(calibratedRows.map((r) => ({ estimate: r.published?.difficulty ?? r.authored, truth: r.truth })));
    const top = [...rows].sort((a, b) => (b.published?.responses ?? 0) - (a.published?.responses ?? 0)).slice(0, 12);
    // Uncalibrated items enter the CAT with a = 1, the authored b and c: items alike in those tie on information.
    const groups = new Map<string, ItemRow[]>();
    for (const r of rows) {
      const item = items.get(r.id);
      const key = `${item?.skillIds[0] ?? ""}|${r.authored}|${item?.guessing ?? 0}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const served = rows.filter((r) => r.sent > 0).length;
    const reachedGroups = [...groups.values()].filter((g) => g.some((r) => r.sent > 0));
    const inReached = reachedGroups.reduce((n, g) => n + g.length, 0);
    const maxPerGroup = Math.max(0, ...reachedGroups.map((g) => g.filter((r) => r.sent > 0).length));
    const worse = [
      { label: "1–49", keep: (n: number) => n > 0 && n < 50 },
      { label: `50–${MIN_RESPONSES - 1}`, keep: (n: number) => n >= 50 && n < MIN_RESPONSES },
      { label: `≥ ${MIN_RESPONSES}`, keep: (n: number) => n >= MIN_RESPONSES },
    ].flatMap(({ label, keep }) => {
      const sel = rows.filter((r) => keep(r.published?.responses ?? 0));
      const pub = difficultyError(sel.map((r) => ({ estimate: r.published?.difficulty ?? r.authored, truth: r.truth })));
      const aut = difficultyError(sel.map((r) => ({ estimate: r.authored, truth: r.truth })));
      return pub.rmse > aut.rmse ? [`${label} responses (${sel.length} items: RMSE ${f(pub.rmse)} against ${f(aut.rmse)} authored, bias ${f(pub.bias)})`] : [];
    });
    const command = `npm run calibration:demo -- --learners ${LEARNERS} --attempts ${ATTEMPTS} --concurrency ${CONCURRENCY} --shift ${SHIFT} --truth ${TRUTH} --seed ${SEED}`;
    const md = [
      "# Item calibration on a running platform: demo",
      "",
      `Generated by \`${command}\` (scripts/calibration-demo.ts) on ${started.toISOString()}, ${total.toFixed(0)} s in all. ` +
        `Runtime: ${RUNTIME === "miniflare" ? "the built bundle on Miniflare (`npm run serve`'s runtime)" : "`wrangler dev` (`npm start`'s runtime)"}, ` +
        `database ${platform.stack.source === "pglite" ? "embedded PGlite in a fresh temporary folder" : "the Postgres in DATABASE_URL"}, Redis ${REDIS_URL.replace(/\/\/[^@]*@/, "//…@")} behind the local Upstash-compatible endpoint, statistics under the run's own key prefix. Two shared cores.`,
      "",
      "**The truth is synthetic.** Item content, answer keys, the API, the learners' objects, the outbox, the writer shards, Postgres, Redis, the calibration job and KV are the platform's own; " +
        `what is simulated is the learners: each answers right with P = c + (1 − c) σ(a (θ − b_true)), with a and c as authored and **b_true = ${TRUTH_TEXT}** (${TRUTH === "uniform" ? `every item of the strand ${SHIFT} logit harder than its author said` : `each item ${SHIFT} logit harder or easier than its author said, the sign from its id: authoring errors that scatter around zero, as in test/worker/calibration.test.ts`}), ` +
        `θ ~ N(0, 1) drawn with mulberry32 (seed ${SEED}); a right answer is the item's key, a wrong one a response the grader rejects.`,
      "",
      "## What happened",
      "",
      "| step | result | wall time |",
      "|---|---|---:|",
      `| start the platform, publish content | ${published.items} items, ${published.skills} skills; strand \`${COURSE}\` (${skills.join(", ")}): ${items.size} items | ${f(phase.start, 0)} s |`,
      `| "before" mock tests | ${PROBE_THETAS.length} learners (θ = ${PROBE_THETAS.join(", ")}), ${REPORT_ITEMS} items each; published calibration: ${before0.version === null ? "none" : `version ${before0.version}`} | |`,
      `| traffic | ${load.learners} learners × one ${ATTEMPTS}-item \`${COURSE}\` mock test over HTTP, ${CONCURRENCY} in flight: ${load.attempts} attempts, ${(load.attempts / load.seconds).toFixed(0)} attempts/s, ${load.failures.length} learners failed | ${f(phase.traffic, 0)} s |`,
      `| hand-over | every attempt in Postgres after ${f(settled.postgresSeconds, 0)} s; every statistics delta sent to Redis after ${f(settled.redisSeconds, 0)} s (shards send every ITEM_STATS_SEND_MS, 30 s by default); Redis's count and right answers equal what the script sent for **${settled.redisMatches} of ${settled.items}** items answered (exactly once) | ${f(phase.settle, 0)} s |`,
      `| \`POST /v1/ops/calibration/run\` | version ${job.version}${job.wrote ? " (new)" : ""}: ${job.changed} items refitted of ${job.claimed} changed; ${job.calibrated} of ${job.items} bank items \`calibrated\` | ${f(phase.job, 1)} s |`,
      `| \`GET /v1/ops/calibration\` (reads the KV document \`calibration:v1\`) | version ${shown.version}, ${shown.items} items, ${shown.calibrated} calibrated, Sympson–Hetter ${shown.sympsonHetter ? "on" : "off"}; every strand item read back one by one (\`?item=\`, also from KV): ${kvEntries.length} of ${rows.length} present, b / count / status equal to Postgres's \`item_calibrations\` for ${agree}; published count ≠ responses sent for ${countMismatch} | |`,
      `| learners' objects see it | a practice \`next\`'s \`why.parameters.version\` = ${seen.seen ?? "none"} after ${f(seen.seconds, 0)} s (each isolate re-reads KV every 60 s) | ${f(phase.refresh, 0)} s |`,
      `| "after" mock tests | fresh learners of the same abilities, same generators | |`,
      "",
      "## What the next mock test reports",
      "",
      `\`POST /v1/learners/{id}/mock-tests\` with \`{course: "${COURSE}", maxItems: ${REPORT_ITEMS}}\`, answered by a learner of known θ from the same truth. Before: nothing calibrated. After: the job's version ${job.version}. One test per row, so single rows carry the test's own measurement noise (SE); the true score is 500 + 100 θ.`,
      "",
      ...mockRows(before, after),
      "",
      `\`parameterNote\` (after): "${after[0]?.report.parameterNote ?? "–"}"`,
      "",
      "## Responses per item and the difficulty error",
      "",
      `Responses per strand item (published count): min ${quantile(counts, 0)}, median ${quantile(counts, 0.5)}, 90th percentile ${quantile(counts, 0.9)}, max ${quantile(counts, 1)}; ` +
        `${counts.filter((n) => n === 0).length} items never served, ${counts.filter((n) => n >= MIN_RESPONSES).length} with ≥ ${MIN_RESPONSES}, ${calibratedRows.length} \`calibrated\`. ` +
        `The traffic reached ${served} of the ${rows.length} items. Uncalibrated items enter the adaptive test with a = 1 and their authored b and c, and the strand's ${rows.length} items have only ${groups.size} distinct (skill, b, c); ` +
        `the served items fall in ${reachedGroups.length} of those groups, which hold ${inReached} items (at most ${maxPerGroup} served in one group), so the unserved items are mostly not ties of served ones: the rest of the strand was never among the top 5 by information at any learner's estimate (the CAT's choice, src/core/cat.ts, randomesque). ` +
        `By kind: ${rows.filter((r) => r.sent > 0 && (items.get(r.id)?.guessing ?? 0) === 0).length} of ${rows.filter((r) => (items.get(r.id)?.guessing ?? 0) === 0).length} free-response items (c = 0) served, ${rows.filter((r) => r.sent > 0 && (items.get(r.id)?.guessing ?? 0) > 0).length} of ${rows.filter((r) => (items.get(r.id)?.guessing ?? 0) > 0).length} multiple-choice ones (c > 0, less information at the same b).`,
      "",
      `b error against the synthetic truth (authored b: off by exactly ${SHIFT}${TRUTH === "uniform" ? "" : " either way"}; published b: the job's MAP estimate, shrunk toward the authored value):`,
      "",
      ...errorRows(rows),
      "",
      `Most-answered items:`,
      "",
      "| item | responses | status | authored b | true b | published b | SE(b) | published a |",
      "|---|---:|---|---:|---:|---:|---:|---:|",
      ...top.map((r) => `| ${r.id} | ${r.published?.responses ?? 0} | ${r.published?.status ?? "authored"} | ${f(r.authored, 2)} | ${f(r.truth, 2)} | ${f(r.published?.difficulty, 2)} | ${f(r.published?.seDifficulty)} | ${f(r.published?.discrimination, 2)} |`),
      "",
      "## Caveats",
      "",
      ...(TRUTH === "uniform"
        ? [
            `- **How much of the shift came back.** Over the items with responses the published b's are on average ${f(SHIFT + all.bias, 2)} logit above the authored ones, against the true ${SHIFT} (bias ${f(all.bias)}; ${f(cal.bias)} on the \`calibrated\` ones). ` +
              "By design most of it does not: the job takes a shift common to every item of its batch back out (src/core/calibration.ts `anchorScale`), because from the learners' anchors alone a whole strand being harder than authored looks the same as learners whose models rate them too high, and left in, that second case walks the scale further with every publication (reports/calibration.md, \"Learners who learn\").",
          ]
        : [
            `- **The scatter's mean.** The strand's true offsets average ${f(mean(rows.filter((r) => r.published && r.published.responses > 0).map((r) => r.truth - r.authored)), 3)} logit over the items with responses; a common part like that is what the job's scale anchoring (src/core/calibration.ts \`anchorScale\`) leaves with the authored values. The job fits b against the abilities the learners' own knowledge models held when they answered, estimated with the difficulties published at the time, so the published b's still carry some of the authored values' error (reports/calibration.md: \"the learners' anchors are the second part\").`,
          ]),
      ...(worse.length > 0
        ? [
            `- **Where the published b is worse than the authored one:** ${worse.join("; ")}. A likely reason, not verified by this script: items served rarely are the ones a test reaches when a learner's estimate runs far out, and those learners' anchors carry the most of the anchor error above. The job still publishes them (status \`provisional\`), and the adaptive test uses their b with a = 1.`,
          ]
        : []),
      `- Over the items with responses, b RMSE went from ${f(authoredAll.rmse)} (authored) to ${f(all.rmse)} (published); over the \`calibrated\` ones to ${f(cal.rmse)}.`,
      "- The \"after\" learners get calibrated items only where the traffic went: an adaptive test whose estimate lands outside the served region gets provisional or authored items (counted in `defaultsUsed`).",
      `- One run, ${PROBE_THETAS.length} probe learners per side: the mock rows show the direction of the change, not its size with any precision. The learners' abilities and answers are seeded (${SEED}), but which items they are served is not: the CAT's randomesque draw is seeded by the mock test's random id, and ${CONCURRENCY} learners in flight interleave differently each time, so a rerun gives other numbers of the same kind.`,
      "- The traffic is mock tests only (no practice), at a rate a laptop allows; production would spread this over days, and the Cron Trigger (every 15 minutes) would publish several versions on the way. The job was run once here, by the operator route, which runs the same code as the Cron Trigger with every changed item refitted.",
      load.failures.length > 0 ? `- ${load.failures.length} simulated learners failed: ${load.failures.slice(0, 3).join("; ")}` : "- No simulated learner failed.",
      "",
    ].join("\n");
    mkdirSync(values.out, { recursive: true });
    const out = join(values.out, "calibration-demo.md");
    writeFileSync(out, md);

    console.log("");
    console.log(`Calibration demo (${total.toFixed(0)} s; truth synthetic: b_true = ${TRUTH_TEXT})`);
    console.log(`  traffic      ${load.attempts} attempts from ${load.learners} learners (${(load.attempts / load.seconds).toFixed(0)}/s); responses per item: median ${quantile(counts, 0.5)}, max ${quantile(counts, 1)}, ${counts.filter((n) => n >= MIN_RESPONSES).length} items ≥ ${MIN_RESPONSES}`);
    console.log(`  statistics   Redis equals what was sent for ${settled.redisMatches}/${settled.items} items`);
    console.log(`  job          version ${job.version}: ${job.calibrated}/${job.items} calibrated (${calibratedRows.length} of the ${items.size} ${COURSE} items); KV = Postgres for ${agree}/${kvEntries.length}`);
    console.log(`  b RMSE       items with data (${withData.length}): authored ${f(authoredAll.rmse)} → published ${f(all.rmse)} (bias ${f(all.bias)}); calibrated (${cal.n}): ${f(cal.rmse)}`);
    for (const theta of PROBE_THETAS) {
      const b = before.find((p) => p.theta === theta)?.report;
      const a = after.find((p) => p.theta === theta)?.report;
      if (!b || !a) continue;
      console.log(
        `  θ = ${String(theta).padStart(2)}       before θ̂ ${f(b.theta, 2)} score ${b.score.value} [${b.score.low}, ${b.score.high}] calibrated ${b.calibratedUsed}/${b.itemsAnswered}` +
          `  →  after θ̂ ${f(a.theta, 2)} score ${a.score.value} [${a.score.low}, ${a.score.high}] calibrated ${a.calibratedUsed}/${a.itemsAnswered}`,
      );
    }
    console.log(`  wrote ${out}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[calibration-demo] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
