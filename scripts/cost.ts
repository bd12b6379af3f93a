/**
 * `npm run cost`: a monthly cost projection with cost per learner, from a stated load or a
 * k6 result, priced with config/pricing.json. Writes reports/cost.md and reports/cost.json
 * (beside the capacity tables in reports/capacity/).
 *
 *   npm run cost                                        # 10,000 learners, 250 requests a day, the k6 mix
 *   npm run cost -- --learners 50000 --requests-per-day 300 --mix next=0.4,attempt=0.4,progress=0.1,content=0.1
 *   npm run cost -- --from reports/capacity/capacity.json --learners 10000 --minutes-per-day 30
 *
 * --from takes the JSON that loadtests' handleSummary writes, or a raw k6 summary
 * (`k6 run --summary-export`, or handleSummary's data): the per-user request rate and mix
 * come from it; the population and study time are stated.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { COST_ENDPOINTS, DEFAULT_LOAD, DEFAULT_PROFILE, attemptsPerSecond, loadFromLoadTest, projectCost, redisCommandsAt } from "../src/ops/cost";
import type { CostEndpoint, CostReport, Load, Pricing } from "../src/ops/cost";

const { values } = parseArgs({
  options: {
    learners: { type: "string" },
    "requests-per-day": { type: "string" },
    mix: { type: "string" },
    from: { type: "string" },
    "minutes-per-day": { type: "string", default: "30" },
    pricing: { type: "string", default: "config/pricing.json" },
    "redis-bench": { type: "string", default: "reports/redis-commands.json" },
    out: { type: "string", default: "reports/cost" },
  },
});

function parseMix(text: string): Partial<Record<CostEndpoint, number>> {
  const mix: Partial<Record<CostEndpoint, number>> = {};
  for (const part of text.split(",")) {
    const [k, v] = part.split("=");
    if (!k || !(COST_ENDPOINTS as readonly string[]).includes(k) || !v || !Number.isFinite(Number(v))) {
      throw new Error(`--mix: "${part}" is not endpoint=share (endpoints: ${COST_ENDPOINTS.join(", ")})`);
    }
    mix[k as CostEndpoint] = Number(v);
  }
  return mix;
}

/** Our capacity JSON ({requests, durationSeconds, users}) or a raw k6 summary. */
function readLoadTest(path: string): { requests: Partial<Record<CostEndpoint, number>>; durationSeconds: number; users: number; label: string } {
  const data = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  if (data.requests && typeof data.durationSeconds === "number") {
    const users = typeof data.users === "number" ? data.users : Number(data.maxVUs ?? 0);
    return { requests: data.requests as Partial<Record<CostEndpoint, number>>, durationSeconds: data.durationSeconds, users, label: `${path} (scenario ${String(data.scenario ?? "?")})` };
  }
  const metrics = (data.metrics ?? {}) as Record<string, { values?: Record<string, number> } & Record<string, number>>;
  const value = (name: string, stat: string) => metrics[name]?.values?.[stat] ?? metrics[name]?.[stat];
  const requests: Partial<Record<CostEndpoint, number>> = {};
  for (const e of COST_ENDPOINTS) requests[e] = value(`http_reqs{endpoint:${e}}`, "count") ?? 0;
  const state = (data.state ?? {}) as { testRunDurationMs?: number };
  return { requests, durationSeconds: (state.testRunDurationMs ?? 0) / 1000, users: value("vus_max", "max") ?? value("vus_max", "value") ?? 0, label: `${path} (raw k6 summary)` };
}

const money = (v: number) => (v >= 100 ? `$${v.toFixed(0)}` : v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`);
const qty = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(v < 10 ? 2 : 0));

function main(): void {
  const pricing = JSON.parse(readFileSync(values.pricing, "utf8")) as Pricing;
  let load: Load;
  let basis: string;
  if (values.from) {
    const test = readLoadTest(values.from);
    const learners = Number(values.learners ?? DEFAULT_LOAD.learners);
    load = loadFromLoadTest(test, learners, Number(values["minutes-per-day"]));
    basis = `request rate and mix measured by ${test.label}: ${test.users} concurrent users over ${test.durationSeconds.toFixed(0)} s; each learner studies ${values["minutes-per-day"]} minutes a day`;
  } else {
    load = {
      learners: Number(values.learners ?? DEFAULT_LOAD.learners),
      requestsPerLearnerPerDay: Number(values["requests-per-day"] ?? DEFAULT_LOAD.requestsPerLearnerPerDay),
      mix: values.mix ? parseMix(values.mix) : DEFAULT_LOAD.mix,
    };
    basis = "a stated load (learners, requests per learner per day, mix)";
  }
  // Redis commands per attempt as measured (scripts/bench-redis.ts) at each scale's attempt rate.
  const bench = existsSync(values["redis-bench"]) ? (JSON.parse(readFileSync(values["redis-bench"], "utf8")) as { rows: Array<{ attemptsPerSecond: number; commandsPerAttempt: number }> }) : null;
  const profileFor = (l: Load) => (bench ? { ...DEFAULT_PROFILE, attempt: { ...DEFAULT_PROFILE.attempt, redisCommands: redisCommandsAt(bench.rows, attemptsPerSecond(l)) } } : DEFAULT_PROFILE);
  if (bench) basis += `; Redis commands per attempt measured by scripts/bench-redis.ts (${values["redis-bench"]}): ${profileFor(load).attempt.redisCommands.toFixed(3)} at ${attemptsPerSecond(load).toFixed(1)} attempts/s`;
  const report = projectCost(pricing, load, profileFor(load));
  const scale = [1_000, 10_000, 100_000, 1_000_000].map((n) => ({ learners: n, report: projectCost(pricing, { ...load, learners: n }, profileFor({ ...load, learners: n })) }));
  const md = render(report, scale, pricing, basis);
  mkdirSync("reports", { recursive: true });
  writeFileSync(`${values.out}.md`, md);
  writeFileSync(`${values.out}.json`, `${JSON.stringify({ date: new Date().toISOString(), basis, pricingAsOf: pricing.asOf, ...report, scale: scale.map((s) => ({ learners: s.learners, total: s.report.total, perLearner: s.report.perLearner })) }, null, 2)}\n`);
  console.log(md);
  console.log(`wrote ${values.out}.md and ${values.out}.json`);
}

function render(r: CostReport, scale: Array<{ learners: number; report: CostReport }>, pricing: Pricing, basis: string): string {
  const mix = COST_ENDPOINTS.filter((e) => r.load.mix[e]).map((e) => `${e} ${((r.load.mix[e] ?? 0) * 100).toFixed(1)} %`).join(", ");
  return [
    "# Cost projection",
    "",
    `**${money(r.perLearner)} per learner per month** (${money(r.total)} a month for ${r.load.learners.toLocaleString("en")} learners).`,
    "The original plan priced its capacity at $2.18 per user per month, $1.14 after its optimisations.",
    "",
    `Basis: ${basis}. ${r.load.requestsPerLearnerPerDay.toFixed(0)} requests per learner per day → ${qty(r.requestsPerMonth)} requests a month; mix: ${mix}.`,
    `Prices: config/pricing.json (as of ${pricing.asOf}, from the author's knowledge of the public price pages, not fetched — check the sources listed there).`,
    "Per-request resource use and storage growth are the named assumptions in src/ops/cost.ts.",
    "",
    "| service | item | quantity | included | billable | unit price | cost / month |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...r.lines.map((l) => `| ${l.service} | ${l.item} | ${qty(l.quantity)} ${l.unitLabel} | ${qty(l.included)} | ${qty(l.billable)} | $${l.price} / ${qty(l.unit)} | ${money(l.cost)} |`),
    `| **total** | | | | | | **${money(r.total)}** |`,
    "",
    "By service: " + Object.entries(r.byService).map(([s, c]) => `${s} ${money(c)}`).join(" · "),
    "",
    "## At other scales (same per-learner behaviour)",
    "",
    "| learners | per month | per learner |",
    "|---:|---:|---:|",
    ...scale.map((s) => `| ${s.learners.toLocaleString("en")} | ${money(s.report.total)} | ${money(s.report.perLearner)} |`),
    "",
  ].join("\n");
}

main();
