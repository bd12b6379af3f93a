// @ts-check
/**
 * The capacity report built from a k6 end-of-test summary: the plan's table (Metric | Value |
 * Target | Status), the seed-style one-line table (req/s, p95 next, p95 content, errors,
 * dropped), the comparison with the plan's baseline (the old design at 10,000 users), the
 * observed step mix and every k6 threshold with its verdict. Plain JavaScript with no k6
 * import, so Node tests, loadtests/tools/*.ts and scripts/cost.ts can use it too.
 *
 * Status: PASS within target; WARN within 20 % past it (latency, cache) or below 1 % (error
 * rate, dropped iterations); FAIL beyond; INFO for rows that are reported but not targets.
 * The k6 thresholds are the pass/fail that counts (k6 exits 99 when one fails); `thresholdsOk`
 * in the JSON is what the knee finder reads.
 */
import { CACHE_HIT_TARGET, ENDPOINTS, ERROR_RATE_TARGET, K6_VERSION, MIX, PLAN_BASELINE, TARGETS, mixTolerance } from "./scenarios.js";

/** @typedef {{ metric: string, value: number | null, display: string, target: string, status: "PASS" | "WARN" | "FAIL" | "N/A" | "INFO" }} Row */
/** @typedef {{ metric: string, threshold: string, ok: boolean }} ThresholdResult */
/** @typedef {{ label: string, rps: number | null, p95Next: number | null, p95Content: number | null, errorRate: number | null, dropped: number, droppedShare: number | null }} SeedRow */
/** @typedef {{ k6CpuSeconds: number, wallSeconds: number, serverCpuSeconds?: number | null }} LoadGenerator */

/** @param {any} data @param {string} name @param {string} stat */
function stat(data, name, stat) {
  const m = data && data.metrics && data.metrics[name];
  const v = m && m.values ? m.values[stat] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A latency stat of one endpoint; null when it saw no request (k6 reports 0 then). @param {any} data @param {string} endpoint @param {string} which */
function endpointStat(data, endpoint, which) {
  const name = `http_req_duration{endpoint:${endpoint}}`;
  return stat(data, name, "count") === 0 ? null : stat(data, name, which);
}

/** @param {number | null} v @param {number} target @param {"below" | "above"} want @param {number} warnFactor */
function judge(v, target, want, warnFactor) {
  if (v === null) return "N/A";
  if (want === "below") return v < target ? "PASS" : v < target * warnFactor ? "WARN" : "FAIL";
  return v > target ? "PASS" : v > target / warnFactor ? "WARN" : "FAIL";
}

export const ms = (/** @type {number | null} */ v) => (v === null ? "–" : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
/** 10000 → "10,000" (k6's JavaScript runtime has no locale formatting). @param {number} n */
export const thousands = (n) => n.toFixed(0).replace(/\B(?=(\d{3})+$)/g, ",");
export const pct = (/** @type {number | null} */ v, d = 2) => (v === null ? "–" : `${(v * 100).toFixed(d)} %`);

/** Every threshold k6 evaluated, with its verdict. @param {any} data @returns {ThresholdResult[]} */
export function thresholdResults(data) {
  /** @type {ThresholdResult[]} */
  const out = [];
  for (const [metric, m] of Object.entries((data && data.metrics) || {})) {
    const th = /** @type {any} */ (m).thresholds;
    if (!th) continue;
    for (const [threshold, v] of Object.entries(th)) out.push({ metric, threshold, ok: Boolean(/** @type {any} */ (v).ok) });
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.threshold.localeCompare(b.threshold));
}

/** The seed-style row (the numbers issue 10's table gives per run). @param {any} data @param {string} label @returns {SeedRow} */
export function seedRow(data, label) {
  const iterations = stat(data, "iterations", "count") ?? 0;
  const dropped = stat(data, "dropped_iterations", "count") ?? 0;
  return {
    label,
    rps: stat(data, "http_reqs", "rate"),
    p95Next: endpointStat(data, "next", "p(95)"),
    p95Content: endpointStat(data, "content", "p(95)"),
    errorRate: stat(data, "http_req_failed", "rate"),
    dropped,
    droppedShare: iterations + dropped === 0 ? null : dropped / (iterations + dropped),
  };
}

export const SEED_HEADER = ["| run | req/s | p95 next | p95 content | errors | dropped |", "|---|---:|---:|---:|---:|---:|"];

/** @param {SeedRow} r */
export function seedLine(r) {
  const dropped = r.dropped === 0 ? "0" : `${r.dropped} (${pct(r.droppedShare)})`;
  return `| ${r.label} | ${r.rps === null ? "–" : r.rps.toFixed(1)} | ${ms(r.p95Next)} | ${ms(r.p95Content)} | ${pct(r.errorRate, 3)} | ${dropped} |`;
}

/** The load generator's own CPU (k6 shares the machine with what it measures). @param {LoadGenerator} g */
export function loadGeneratorLines(g) {
  const cores = g.wallSeconds > 0 ? g.k6CpuSeconds / g.wallSeconds : 0;
  const lines = ["## Load generator", "", `k6 used ${g.k6CpuSeconds.toFixed(1)} s of CPU over ${g.wallSeconds.toFixed(0)} s: **${cores.toFixed(2)} cores** on average (from /proc/<pid>/stat, user + system).`];
  if (typeof g.serverCpuSeconds === "number" && g.wallSeconds > 0) {
    lines.push(`The platform's processes (SERVER_PIDS and their children) used ${g.serverCpuSeconds.toFixed(1)} s: ${(g.serverCpuSeconds / g.wallSeconds).toFixed(2)} cores.`);
  }
  return [...lines, ""];
}

/**
 * @param {string} scenario
 * @param {any} data k6 handleSummary data
 * @param {{ baseUrl?: string, targetRate?: number, users?: number, learners?: number | null, date?: string, label?: string }} meta
 */
export function capacityTable(scenario, data, meta = {}) {
  /** @type {Row[]} */
  const rows = [];
  for (const endpoint of ENDPOINTS) {
    const target = TARGETS[endpoint];
    const v = endpointStat(data, endpoint, "p(95)");
    rows.push({ metric: `${endpoint} p95`, value: v, display: ms(v), target: `< ${target} ms`, status: judge(v, target, "below", 1.2) });
  }
  for (const endpoint of ENDPOINTS) {
    const target = TARGETS[endpoint];
    const v = endpointStat(data, endpoint, "p(99)");
    rows.push({ metric: `${endpoint} p99`, value: v, display: ms(v), target: `< ${2 * target} ms`, status: judge(v, 2 * target, "below", 1.2) });
  }
  const rps = stat(data, "http_reqs", "rate");
  const iterations = stat(data, "iterations", "count") ?? 0;
  const dropped = stat(data, "dropped_iterations", "count") ?? 0;
  const droppedShare = iterations + dropped === 0 ? null : dropped / (iterations + dropped);
  const dropStatus = droppedShare === null ? "N/A" : droppedShare === 0 ? "PASS" : droppedShare < 0.01 ? "WARN" : "FAIL";
  rows.push({
    metric: "throughput",
    value: rps,
    display: rps === null ? "–" : `${rps.toFixed(1)} req/s (${iterations} steps)`,
    target: meta.targetRate ? `${meta.targetRate.toFixed(1)} steps/s at peak, none dropped` : "no dropped steps",
    status: dropStatus,
  });
  rows.push({ metric: "dropped iterations", value: droppedShare, display: `${dropped} (${pct(droppedShare)})`, target: "0", status: dropStatus });
  const err = stat(data, "http_req_failed", "rate");
  rows.push({ metric: "error rate", value: err, display: pct(err, 3), target: `< ${pct(ERROR_RATE_TARGET, 1)}`, status: err === null ? "N/A" : err < ERROR_RATE_TARGET ? "PASS" : err < 0.01 ? "WARN" : "FAIL" });
  const fives = stat(data, "server_errors", "count") ?? 0;
  rows.push({ metric: "5xx and network errors", value: fives, display: String(fives), target: "0", status: fives === 0 ? "PASS" : "INFO" });
  const cache = stat(data, "cache_hit", "rate");
  rows.push({ metric: "cache hit ratio (content, search; after warm-up)", value: cache, display: pct(cache, 1), target: `> ${pct(CACHE_HIT_TARGET, 0)}`, status: judge(cache, CACHE_HIT_TARGET, "above", 1.2) });
  const warm = stat(data, "cache_hit_warmup", "rate");
  rows.push({ metric: "cache hit ratio during warm-up", value: warm, display: pct(warm, 1), target: "not a target", status: "INFO" });
  const score = stat(data, "score_cache_hit", "rate");
  rows.push({ metric: "score cache: next requests answered without any prediction on the request (a cached, ranked-ahead or shared ranking; after warm-up)", value: score, display: pct(score, 1), target: "not a target", status: score === null ? "N/A" : "INFO" });
  const reused = stat(data, "score_cache_entries_reused", "count");
  const entries = stat(data, "score_cache_entries", "count");
  const entryRatio = reused !== null && entries ? reused / entries : null;
  rows.push({ metric: "score cache hit ratio (entries not predicted on the request / candidates ranked, after warm-up)", value: entryRatio, display: pct(entryRatio, 1), target: `> ${pct(CACHE_HIT_TARGET, 0)} (reported, no k6 threshold)`, status: entryRatio === null ? "N/A" : entryRatio > CACHE_HIT_TARGET ? "PASS" : "INFO" });
  // Ranking ahead moves predictions off the request; this says how many were still computed.
  const predicted = stat(data, "score_cache_predicted", "count");
  const savedRatio = predicted !== null && entries ? 1 - predicted / entries : null;
  rows.push({ metric: "predictions the score cache saved, wherever rankings were computed (1 − predicted / candidates ranked)", value: savedRatio, display: pct(savedRatio, 1), target: "not a target", status: savedRatio === null ? "N/A" : "INFO" });
  const recorded = stat(data, "attempts_recorded", "count") ?? 0;
  rows.push({ metric: "attempts recorded (AUDIT_POSTGRES=1 counts them in Postgres)", value: recorded, display: String(recorded), target: "all in Postgres exactly once", status: "INFO" });
  const unanswered = stat(data, "unanswered_items", "count") ?? 0;
  rows.push({ metric: "served items left unanswered", value: unanswered, display: String(unanswered), target: "0", status: unanswered === 0 ? "PASS" : "FAIL" });

  // The observed step mix.
  const steps = (stat(data, "step_mock", "passes") ?? 0) + (stat(data, "step_mock", "fails") ?? 0);
  /** @type {Record<string, number | null>} */
  const mix = {};
  for (const kind of /** @type {const} */ (["practice", "review", "mock"])) {
    const share = stat(data, `step_${kind}`, "rate");
    mix[kind] = share;
    const tol = mixTolerance(MIX[kind], steps);
    const ok = share !== null && Math.abs(share - MIX[kind]) < tol;
    rows.push({ metric: `${kind} steps`, value: share, display: `${pct(share, 1)} (${Math.round((share ?? 0) * steps)})`, target: `${pct(MIX[kind], 0)} ± ${pct(tol, 1)}`, status: share === null ? "N/A" : ok ? "PASS" : "FAIL" });
  }
  const nothingDue = stat(data, "review_nothing_due", "count") ?? 0;
  rows.push({ metric: "review steps with nothing due", value: nothingDue, display: String(nothingDue), target: "one next call each", status: "INFO" });
  const mocks = { started: stat(data, "mock_tests_started", "count") ?? 0, recovered: stat(data, "mock_tests_recovered", "count") ?? 0, ended: stat(data, "mock_tests_ended", "count") ?? 0 };
  rows.push({ metric: "mock tests started / recovered after 409 / ended", value: mocks.started, display: `${mocks.started} / ${mocks.recovered} / ${mocks.ended}`, target: "–", status: "INFO" });
  const served = stat(data, "learners_served", "count");
  rows.push({ metric: "distinct learners served", value: served, display: served === null ? "–" : String(served), target: meta.learners ? `${meta.learners} (LEARNERS)` : "one per VU", status: "INFO" });

  /** @type {Record<string, number>} */
  const requests = {};
  for (const e of ENDPOINTS) requests[e] = stat(data, `http_req_duration{endpoint:${e}}`, "count") ?? 0;
  // scripts/cost.ts prices mock-test calls under one "mock" endpoint.
  requests.mock = (requests.mock_start ?? 0) + (requests.mock_next ?? 0) + (requests.mock_report ?? 0);
  const thresholds = thresholdResults(data);
  const thresholdsOk = thresholds.length > 0 && thresholds.every((t) => t.ok);
  const durationSeconds = (data && data.state && typeof data.state.testRunDurationMs === "number" ? data.state.testRunDurationMs : 0) / 1000;
  const judged = rows.filter((r) => r.status !== "INFO");
  const overall = judged.some((r) => r.status === "FAIL") || !thresholdsOk ? "FAIL" : judged.some((r) => r.status === "WARN") ? "WARN" : "PASS";
  const date = meta.date ?? new Date().toISOString();
  const label = meta.label ?? `${scenario}${meta.targetRate ? `, ${meta.targetRate.toFixed(1)} steps/s` : ""}`;
  const seed = seedRow(data, label);
  const p95All = stat(data, "http_req_duration", "p(95)");
  const population = served ?? meta.learners ?? meta.users ?? null;
  const json = {
    scenario,
    date,
    k6Target: K6_VERSION,
    baseUrl: meta.baseUrl ?? null,
    users: meta.users ?? null,
    learners: meta.learners ?? null,
    targetRate: meta.targetRate ?? null,
    durationSeconds,
    overall,
    thresholdsOk,
    thresholds,
    rows,
    seed,
    p95AllMs: p95All,
    mix,
    steps,
    requests,
    maxVUs: stat(data, "vus_max", "max"),
    baseline: PLAN_BASELINE,
  };
  const failed = thresholds.filter((t) => !t.ok);
  const markdown = [
    `# Capacity: ${scenario}`,
    "",
    `${date} · ${meta.baseUrl ?? ""} · ${meta.users ? `${meta.users} users · ` : ""}${meta.targetRate ? `${meta.targetRate.toFixed(1)} steps/s at peak · ` : ""}${meta.learners ? `${meta.learners} learners · ` : ""}${durationSeconds.toFixed(0)} s · overall **${overall}**`,
    "",
    ...SEED_HEADER,
    seedLine(seed),
    "",
    "## Against the plan's baseline",
    "",
    `The old design, measured at ${thousands(PLAN_BASELINE.users)} users: p95 ${PLAN_BASELINE.p95Ms} ms, ${pct(PLAN_BASELINE.errorRate, 2)} errors. Like for like only when this run had ${thousands(PLAN_BASELINE.users)} learners.`,
    "",
    "| | this run | plan baseline |",
    "|---|---:|---:|",
    `| learners | ${population === null ? "–" : thousands(population)} | ${thousands(PLAN_BASELINE.users)} |`,
    `| p95, all requests | ${ms(p95All)} | ${PLAN_BASELINE.p95Ms} ms |`,
    `| p95 next | ${ms(seed.p95Next)} | – |`,
    `| errors | ${pct(seed.errorRate, 3)} | ${pct(PLAN_BASELINE.errorRate, 2)} |`,
    "",
    "## Targets",
    "",
    "| Metric | Value | Target | Status |",
    "|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.metric} | ${r.display} | ${r.target} | ${r.status} |`),
    "",
    `k6 thresholds: ${thresholds.length - failed.length} of ${thresholds.length} held${failed.length ? `; failed: ${failed.map((t) => `\`${t.metric}: ${t.threshold}\``).join(", ")}` : ""}.`,
    "",
    `Requests: ${ENDPOINTS.map((e) => `${e} ${requests[e]}`).join(", ")}.`,
    "",
  ].join("\n");
  return { rows, overall, json, markdown };
}
