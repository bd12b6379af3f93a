/**
 * The knee finder's decisions, kept pure so test/ops/loadtests.test.ts can lock them:
 * which arrival rate to try next, which rate is the knee, and the report.
 *
 * Search: climb from `start` by `step` steps/s while every threshold holds (or until `max`);
 * after the first failing rate, bisect between the highest passing rate below it and it,
 * `refine` times (or until the gap is under `minGap`). The knee is the highest rate that
 * passed below the lowest rate that failed: a lucky pass above a failure does not count.
 */
import { ENDPOINTS } from "../lib/scenarios.js";
import type { Endpoint } from "../lib/scenarios.js";
import { ms, pct } from "../lib/capacity.js";

export interface KneePlan {
  start: number;
  step: number;
  max: number;
  refine: number;
  minGap: number;
}

export interface KneeStep {
  /** Steps per second held at the peak. */
  rate: number;
  pass: boolean;
  reqPerSecond: number | null;
  p95: Partial<Record<Endpoint, number | null>>;
  errorRate: number | null;
  dropped: number;
  droppedShare: number | null;
  /** Thresholds that failed, as "metric: threshold"; a k6 error instead when it did not finish. */
  failed: string[];
  k6Cores: number | null;
  /** The platform's processes (SERVER_PIDS), when given. */
  serverCores: number | null;
  seconds: number;
}

/** The next rate to try, or null when the search is over. */
export function nextRate(steps: readonly KneeStep[], plan: KneePlan): number | null {
  if (steps.length === 0) return plan.start;
  const fails = steps.filter((s) => !s.pass).map((s) => s.rate);
  if (fails.length === 0) {
    const next = Math.max(...steps.map((s) => s.rate)) + plan.step;
    return next <= plan.max + 1e-9 ? round(next) : null;
  }
  const hi = Math.min(...fails);
  const lo = Math.max(0, ...steps.filter((s) => s.pass && s.rate < hi).map((s) => s.rate));
  const firstFail = steps.findIndex((s) => !s.pass);
  const refinements = steps.length - 1 - firstFail;
  if (refinements >= plan.refine || hi - lo <= plan.minGap) return null;
  const mid = round((lo + hi) / 2);
  return mid > lo && mid < hi ? mid : null;
}

/** The highest rate at which every threshold held, below the lowest that failed; null when none passed. */
export function kneeOf(steps: readonly KneeStep[]): KneeStep | null {
  const lowestFail = Math.min(Infinity, ...steps.filter((s) => !s.pass).map((s) => s.rate));
  const passing = steps.filter((s) => s.pass && s.rate < lowestFail).sort((a, b) => b.rate - a.rate);
  return passing[0] ?? null;
}

const round = (x: number) => Math.round(x * 10) / 10;
const cores = (c: number | null) => (c === null ? "–" : `${c.toFixed(2)} cores`);

/** knee.md: the knee, then every step in the order it ran. */
export function kneeMarkdown(steps: readonly KneeStep[], meta: { date: string; baseUrl: string; script: string; hold: string; thinkScale: string; done: boolean; ignored?: readonly string[] }): string {
  const knee = kneeOf(steps);
  const ignored = meta.ignored ?? [];
  const every = ignored.length ? `every k6 threshold except those on ${ignored.map((m) => `\`${m}\``).join(", ")} (ignored for this search)` : "every k6 threshold";
  const head = knee
    ? `**Knee: ${knee.rate} steps/s** (${knee.reqPerSecond === null ? "–" : knee.reqPerSecond.toFixed(1)} req/s): the highest arrival rate at which ${every} held.`
    : `**No knee found**: no rate passed ${every}.`;
  return [
    "# Knee: the highest arrival rate that passes every threshold",
    "",
    `${meta.date} · ${meta.baseUrl} · \`${meta.script}\` · each step holds its rate for ${meta.hold} (plus its ramps) · THINK_SCALE ${meta.thinkScale}${meta.done ? "" : " · **still running**"}`,
    "",
    head,
    "",
    `| steps/s | req/s | ${ENDPOINTS.map((e) => `p95 ${e}`).join(" | ")} | errors | dropped | k6 CPU | server CPU | result |`,
    `|---:|---:|${ENDPOINTS.map(() => "---:|").join("")}---:|---:|---:|---:|---|`,
    ...steps.map(
      (s) =>
        `| ${s.rate} | ${s.reqPerSecond === null ? "–" : s.reqPerSecond.toFixed(1)} | ${ENDPOINTS.map((e) => ms(s.p95[e] ?? null)).join(" | ")} | ${pct(s.errorRate, 3)} | ${s.dropped === 0 ? "0" : `${s.dropped} (${pct(s.droppedShare)})`} | ${cores(s.k6Cores)} | ${cores(s.serverCores)} | ${s.pass ? "PASS" : `FAIL: ${s.failed.join(", ")}`} |`,
    ),
    "",
  ].join("\n");
}
