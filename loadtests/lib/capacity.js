// @ts-check
/**
 * The capacity table of the original plan — Metric | Value | Target | Status — built from a
 * k6 end-of-test summary. Plain JavaScript with no k6 import, so Node tests and
 * scripts/cost.ts can use it too.
 *
 * Status: PASS within target; WARN within 20 % past it (latency, cache) or below 1 % (error
 * rate, dropped iterations); FAIL beyond.
 */
import { CACHE_HIT_TARGET, ENDPOINTS, ERROR_RATE_TARGET, K6_VERSION, TARGETS } from "./scenarios.js";

/** @typedef {{ metric: string, value: number | null, display: string, target: string, status: "PASS" | "WARN" | "FAIL" | "N/A" }} Row */

/** @param {any} data @param {string} name @param {string} stat */
function stat(data, name, stat) {
  const m = data && data.metrics && data.metrics[name];
  const v = m && m.values ? m.values[stat] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** @param {number | null} v @param {number} target @param {"below" | "above"} want @param {number} warnFactor */
function judge(v, target, want, warnFactor) {
  if (v === null) return "N/A";
  if (want === "below") return v < target ? "PASS" : v < target * warnFactor ? "WARN" : "FAIL";
  return v > target ? "PASS" : v > target / warnFactor ? "WARN" : "FAIL";
}

const ms = (/** @type {number | null} */ v) => (v === null ? "–" : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const pct = (/** @type {number | null} */ v, d = 2) => (v === null ? "–" : `${(v * 100).toFixed(d)} %`);

/**
 * @param {string} scenario
 * @param {any} data k6 handleSummary data
 * @param {{ baseUrl?: string, targetRate?: number, users?: number, date?: string }} meta
 */
export function capacityTable(scenario, data, meta = {}) {
  /** @type {Row[]} */
  const rows = [];
  for (const [endpoint, target] of Object.entries(TARGETS)) {
    const v = stat(data, `http_req_duration{endpoint:${endpoint}}`, "p(95)");
    rows.push({ metric: `${endpoint} p95`, value: v, display: ms(v), target: `< ${target} ms`, status: judge(v, target, "below", 1.2) });
  }
  for (const [endpoint, target] of Object.entries(TARGETS)) {
    const v = stat(data, `http_req_duration{endpoint:${endpoint}}`, "p(99)");
    rows.push({ metric: `${endpoint} p99`, value: v, display: ms(v), target: `< ${2 * target} ms`, status: judge(v, 2 * target, "below", 1.2) });
  }
  const rps = stat(data, "http_reqs", "rate");
  const iterations = stat(data, "iterations", "count") ?? 0;
  const dropped = stat(data, "dropped_iterations", "count") ?? 0;
  const droppedShare = iterations + dropped === 0 ? null : dropped / (iterations + dropped);
  rows.push({
    metric: "throughput",
    value: rps,
    display: rps === null ? "–" : `${rps.toFixed(1)} req/s (${iterations} steps)`,
    target: meta.targetRate ? `${meta.targetRate.toFixed(1)} steps/s at peak, none dropped` : "no dropped steps",
    status: droppedShare === null ? "N/A" : droppedShare === 0 ? "PASS" : droppedShare < 0.01 ? "WARN" : "FAIL",
  });
  rows.push({ metric: "dropped iterations", value: droppedShare, display: `${dropped} (${pct(droppedShare)})`, target: "0", status: droppedShare === null ? "N/A" : droppedShare === 0 ? "PASS" : droppedShare < 0.01 ? "WARN" : "FAIL" });
  const err = stat(data, "http_req_failed", "rate");
  rows.push({ metric: "error rate", value: err, display: pct(err, 3), target: `< ${pct(ERROR_RATE_TARGET, 1)}`, status: err === null ? "N/A" : err < ERROR_RATE_TARGET ? "PASS" : err < 0.01 ? "WARN" : "FAIL" });
  const cache = stat(data, "cache_hit", "rate");
  rows.push({ metric: "cache hit ratio", value: cache, display: pct(cache, 1), target: `> ${pct(CACHE_HIT_TARGET, 0)}`, status: judge(cache, CACHE_HIT_TARGET, "above", 1.2) });
  const unanswered = stat(data, "unanswered_items", "count") ?? 0;
  rows.push({ metric: "served items left unanswered", value: unanswered, display: String(unanswered), target: "0", status: unanswered === 0 ? "PASS" : "FAIL" });

  /** @type {Record<string, number>} */
  const requests = {};
  for (const e of ENDPOINTS) requests[e] = stat(data, `http_reqs{endpoint:${e}}`, "count") ?? 0;
  const durationSeconds = (data && data.state && typeof data.state.testRunDurationMs === "number" ? data.state.testRunDurationMs : 0) / 1000;
  const overall = rows.some((r) => r.status === "FAIL") ? "FAIL" : rows.some((r) => r.status === "WARN") ? "WARN" : "PASS";
  const date = meta.date ?? new Date().toISOString();
  const json = { scenario, date, k6Target: K6_VERSION, baseUrl: meta.baseUrl ?? null, users: meta.users ?? null, durationSeconds, overall, rows, requests, maxVUs: stat(data, "vus_max", "max") };
  const markdown = [
    `# Capacity: ${scenario}`,
    "",
    `${date} · ${meta.baseUrl ?? ""} · ${meta.users ?? "?"} users · ${durationSeconds.toFixed(0)} s · overall **${overall}**`,
    "",
    "| Metric | Value | Target | Status |",
    "|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.metric} | ${r.display} | ${r.target} | ${r.status} |`),
    "",
    `Requests: ${ENDPOINTS.map((e) => `${e} ${requests[e]}`).join(", ")}.`,
    "",
  ].join("\n");
  return { rows, overall, json, markdown };
}
