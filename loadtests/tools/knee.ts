/**
 * Knee finder: runs a k6 scenario (default `load`) again and again at stepped arrival rates
 * and writes the highest rate at which every k6 threshold holds to reports/capacity/knee.md
 * and knee.json, with one row per step (rate, req/s, p95 per endpoint, errors, dropped
 * iterations, k6's own CPU, pass/fail and which thresholds failed). The search is in
 * ./knee-lib.ts: climb by a fixed step until a rate fails, then bisect.
 *
 *   npm run loadtest:knee                                  # against BASE_URL (default :8787)
 *   npm run loadtest:knee -- --start 10 --step 10 --max 200 --hold 60s --refine 2
 *
 * Flags (or environment): --start KNEE_START (5), --step KNEE_STEP (5), --max KNEE_MAX (300),
 * --refine KNEE_REFINE (2 bisections), --hold KNEE_HOLD (60s at each rate; the ramps add
 * 25 % before and 10 % after, see lib/scenarios.js), --script KNEE_SCRIPT (load),
 * --ignore KNEE_IGNORE (comma-separated metrics whose thresholds do not decide a step, e.g.
 * `cache_hit`; the report names them, and the knee is then not "every threshold"). THINK_SCALE
 * defaults to 0.1. Every step uses the same LEARNER_PREFIX (default knee-<time>), so learners
 * are new in the first step and warm after it, as on a real day. SERVER_PIDS (comma-separated;
 * their child processes count too) adds the platform's CPU per step.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ENDPOINTS } from "../lib/scenarios.js";
import type { Endpoint } from "../lib/scenarios.js";
import { REPO, jwtSecret, runK6, serverPids } from "./k6-run";
import { kneeMarkdown, kneeOf, nextRate } from "./knee-lib";
import type { KneePlan, KneeStep } from "./knee-lib";

const { values } = parseArgs({
  options: {
    start: { type: "string" },
    step: { type: "string" },
    max: { type: "string" },
    refine: { type: "string" },
    hold: { type: "string" },
    script: { type: "string" },
    ignore: { type: "string" },
  },
});
const env = process.env;
const plan: KneePlan = {
  start: Number(values.start ?? env.KNEE_START ?? 5),
  step: Number(values.step ?? env.KNEE_STEP ?? 5),
  max: Number(values.max ?? env.KNEE_MAX ?? 300),
  refine: Number(values.refine ?? env.KNEE_REFINE ?? 2),
  minGap: 0.5,
};
plan.minGap = Math.max(0.5, plan.step / 8);
const hold = values.hold ?? env.KNEE_HOLD ?? "60s";
const script = values.script ?? env.KNEE_SCRIPT ?? "load";
/** Metrics whose thresholds do not decide a step (e.g. cache_hit while the cache is known to miss); said in the report. */
const ignored = (values.ignore ?? env.KNEE_IGNORE ?? "")
  .split(",")
  .map((m) => m.trim())
  .filter(Boolean);
const thinkScale = env.THINK_SCALE ?? "0.1";
const baseUrl = env.BASE_URL ?? "http://127.0.0.1:8787";
const prefix = env.LEARNER_PREFIX ?? `knee-${Date.now().toString(36)}`;
const reportDir = resolve(REPO, env.REPORT_DIR ?? "reports/capacity");
const stepDir = join(tmpdir(), `knee-${prefix}`);
mkdirSync(reportDir, { recursive: true });
mkdirSync(stepDir, { recursive: true });
const secret = jwtSecret();
if (!secret) {
  console.error("JWT_SECRET is not set and no local-secrets.json was found (set DATA_DIR to the platform's data folder)");
  process.exit(2);
}

const steps: KneeStep[] = [];
const started = new Date().toISOString();

function write(done: boolean): void {
  const meta = { date: started, baseUrl, script: `loadtests/${script}.js`, hold, thinkScale, done, ignored };
  writeFileSync(join(reportDir, "knee.md"), kneeMarkdown(steps, meta));
  const knee = kneeOf(steps);
  writeFileSync(join(reportDir, "knee.json"), `${JSON.stringify({ ...meta, plan, learnerPrefix: prefix, knee: knee ? { rate: knee.rate, reqPerSecond: knee.reqPerSecond } : null, steps }, null, 2)}\n`);
}

/** One step's numbers from the capacity JSON k6 wrote (lib/capacity.js). */
function readStep(rate: number, file: string, exitCode: number, k6Cores: number | null, serverCores: number | null, seconds: number): KneeStep {
  try {
    const report = JSON.parse(readFileSync(file, "utf8")) as {
      thresholdsOk: boolean;
      thresholds: Array<{ metric: string; threshold: string; ok: boolean }>;
      rows: Array<{ metric: string; value: number | null }>;
      seed: { rps: number | null; errorRate: number | null; dropped: number; droppedShare: number | null };
    };
    const p95: Partial<Record<Endpoint, number | null>> = {};
    for (const e of ENDPOINTS) p95[e] = report.rows.find((r) => r.metric === `${e} p95`)?.value ?? null;
    const failing = report.thresholds.filter((t) => !t.ok);
    const deciding = failing.filter((t) => !ignored.includes(t.metric));
    const failed = failing.map((t) => `${t.metric}: ${t.threshold}${ignored.includes(t.metric) ? " (ignored)" : ""}`);
    // k6 exits 99 when a threshold fails; any other non-zero code means the run itself failed.
    const k6Failed = exitCode !== 0 && exitCode !== 99;
    if (k6Failed) failed.push(`k6 exit code ${exitCode}`);
    return { rate, pass: report.thresholds.length > 0 && deciding.length === 0 && !k6Failed, reqPerSecond: report.seed.rps, p95, errorRate: report.seed.errorRate, dropped: report.seed.dropped, droppedShare: report.seed.droppedShare, failed, k6Cores, serverCores, seconds };
  } catch (e) {
    return { rate, pass: false, reqPerSecond: null, p95: {}, errorRate: null, dropped: 0, droppedShare: null, failed: [`no report (k6 exit code ${exitCode}): ${String(e)}`], k6Cores, serverCores, seconds };
  }
}

console.error(`knee: loadtests/${script}.js against ${baseUrl}, from ${plan.start} steps/s by ${plan.step} (max ${plan.max}), ${hold} at each rate, then ${plan.refine} bisections${ignored.length ? `; ignoring ${ignored.join(", ")}` : ""}`);
console.error(`knee: k6 output and per-step reports in ${stepDir}; the table in ${join(reportDir, "knee.md")}`);
for (let rate = nextRate(steps, plan); rate !== null; rate = nextRate(steps, plan)) {
  const name = `step-${rate}`;
  const n = steps.length + 1;
  process.stderr.write(`knee: step ${n}: ${rate} steps/s …`);
  const run = await runK6({
    script: `loadtests/${script}.js`,
    env: { BASE_URL: baseUrl, JWT_SECRET: secret, RATE: String(rate), DURATION: hold, THINK_SCALE: thinkScale, LEARNER_PREFIX: prefix, REPORT_DIR: stepDir, REPORT_NAME: name, REPORT_LABEL: `${rate} steps/s` },
    logFile: join(stepDir, `${name}.log`),
    serverPids: serverPids(),
    onTick: (t) => process.stderr.write(` ${t.toFixed(0)}s`),
  });
  const wall = run.load.wallSeconds;
  const cores = wall > 0 ? run.load.k6CpuSeconds / wall : null;
  const server = wall > 0 && typeof run.load.serverCpuSeconds === "number" ? run.load.serverCpuSeconds / wall : null;
  const step = readStep(rate, join(stepDir, `${name}.json`), run.exitCode, cores, server, wall);
  steps.push(step);
  write(false);
  const p95 = step.p95.next;
  process.stderr.write(
    `\nknee: step ${n}: ${rate} steps/s → ${step.reqPerSecond?.toFixed(1) ?? "–"} req/s, p95 next ${p95 == null ? "–" : `${p95.toFixed(0)} ms`}, errors ${step.errorRate === null ? "–" : `${(step.errorRate * 100).toFixed(3)} %`}, dropped ${step.dropped}, k6 ${cores?.toFixed(2) ?? "–"} cores: ${step.pass ? "PASS" : `FAIL (${step.failed.join("; ")})`}\n`,
  );
}
write(true);
const knee = kneeOf(steps);
console.log(readFileSync(join(reportDir, "knee.md"), "utf8"));
console.error(knee ? `knee: ${knee.rate} steps/s (${knee.reqPerSecond?.toFixed(1) ?? "–"} req/s)` : "knee: no rate passed every threshold");
