// @ts-check
/**
 * The capacity plan's load-test scenarios as plain data: no k6 import, so Node can import
 * this module too (test/ops/loadtests.test.ts checks the mix, the thresholds and the shapes).
 *
 * Targets k6 v1.x (type-checked against @types/k6 1.3). Open model throughout: arrival-rate
 * executors start iterations on a clock whatever the latency, so overload shows as latency
 * and `dropped_iterations`, never as a quietly slower client.
 *
 * One iteration is one learner step, its type drawn afresh every step (`pickStep`): practice
 * or review (ask for an item, think, answer it) or one item of the learner's mock test.
 * A "user" is a learner doing such steps back to back, so N concurrent users start
 * N ÷ (mean step duration) iterations a second; the step duration comes from the think times
 * below (scaled by THINK_SCALE).
 */

/** k6 version these scripts target. */
export const K6_VERSION = "1.3";

/** Share of steps by activity: 70 % practice, 20 % review, 10 % mock tests. */
export const MIX = Object.freeze({ practice: 0.7, review: 0.2, mock: 0.1 });

/**
 * How far a run's observed step mix may stray from MIX before its threshold fails: ±5 points,
 * widened to four binomial standard deviations for short runs (`mixTolerance`). Four standard
 * deviations almost never fail an honest run (p ≈ 6·10⁻⁵ per kind); the old flow, which sent
 * every later step into a running mock test, made mock ~55 % of steps.
 */
export const MIX_TOLERANCE = 0.05;

/** Allowed |observed − planned| share for a kind of planned share p over n steps. @param {number} p @param {number} n */
export function mixTolerance(p, n) {
  return n > 0 ? Math.max(MIX_TOLERANCE, 4 * Math.sqrt((p * (1 - p)) / n)) : MIX_TOLERANCE;
}

/** @typedef {"practice" | "review" | "mock"} StepKind */

/** The step type for a uniform draw r ∈ [0, 1): drawn per step, never inherited from the last one. @param {number} r @returns {StepKind} */
export function pickStep(r) {
  if (r < MIX.practice) return "practice";
  if (r < MIX.practice + MIX.review) return "review";
  return "mock";
}

/** Extra requests within a step (probabilities). */
export const EXTRAS = Object.freeze({ progress: 0.2, content: 0.25, skills: 0.05, search: 0.08 });

/** Think times, seconds: answering is log-normal (median 12 s, heavy right tail), reading feedback uniform. */
export const THINK = Object.freeze({ answerMedian: 12, answerSigma: 0.6, answerMin: 2, answerMax: 90, feedbackMin: 2, feedbackMax: 6 });

/** Each virtual learner's accuracy is drawn around this (clamped to [0.35, 0.95]): a plausible class. */
export const ACCURACY = Object.freeze({ mean: 0.72, spread: 0.15 });

/** Mock test length per virtual learner (items). */
export const MOCK_ITEMS = 12;

/**
 * p95 targets per endpoint tag, ms. The first five are the plan's (src/ops/targets.ts, checked
 * by the test); the mock-test routes have no target of their own in the plan, so they take
 * the nearest one: starting a test and its next item like `next`, its report like `progress`.
 * `next` counts every practice and review `next` call, the empty review answers included
 * (they are real calls; `review_nothing_due` counts them).
 */
export const TARGETS = Object.freeze({ next: 300, attempt: 500, progress: 200, content: 100, search: 1000, mock_start: 300, mock_next: 300, mock_report: 200 });
/** @typedef {keyof typeof TARGETS} Endpoint */
/** Every endpoint tag the flow uses. */
export const ENDPOINTS = /** @type {readonly Endpoint[]} */ (Object.freeze(Object.keys(TARGETS)));
export const ERROR_RATE_TARGET = 0.001;
/** Content and search cache hit ratio (`x-cache`, after the warm-up) the plan asks for. */
export const CACHE_HIT_TARGET = 0.85;

/**
 * The old design's measured baseline at 10,000 users, which the capacity plan exists to beat:
 * p95 320 ms and 0.15 % errors. Every report compares against it.
 */
export const PLAN_BASELINE = Object.freeze({ users: 10000, p95Ms: 320, errorRate: 0.0015 });

/** Mean step duration at THINK_SCALE = 1, seconds (log-normal mean + feedback mean + ~0.5 s of requests). */
export function meanStepSeconds(thinkScale = 1) {
  const answer = THINK.answerMedian * Math.exp((THINK.answerSigma * THINK.answerSigma) / 2);
  return (answer + (THINK.feedbackMin + THINK.feedbackMax) / 2) * thinkScale + 0.5;
}

/**
 * @typedef {"smoke" | "load" | "stress" | "capacity" | "spike" | "soak" | "chaos"} ScenarioName
 * @typedef {{ users: number, description: string, stages: Array<[string, number]>, constant?: boolean, fault?: { at: number, until: number } }} Scenario
 * @typedef {Record<string, string | undefined>} Env
 */

/**
 * Scenario shapes in "users". stages: [duration, users] as k6 ramping stages (each ramps
 * linearly from the previous level to its own, from 0). `users` is the plan's number; USERS
 * overrides it; DURATION sets how long the peak is held; DURATION_SCALE stretches or shrinks time.
 */
/** @type {Readonly<Record<ScenarioName, Scenario>>} */
export const SCENARIOS = Object.freeze({
  smoke: { users: 100, description: "100 users for 2 minutes: does everything work under light load?", stages: [["2m", 1]], constant: true },
  load: { users: 1000, description: "ramp to 1,000 users, hold 20 minutes: the normal day", stages: [["5m", 1], ["20m", 1], ["2m", 0]] },
  stress: { users: 5000, description: "climb past 5,000 users to 7,500: where does it bend?", stages: [["5m", 0.4], ["5m", 0.7], ["10m", 1], ["5m", 1.5], ["10m", 1.5], ["3m", 0]] },
  capacity: { users: 10000, description: "ramp to 10,000 users and hold 30 minutes: the plan's capacity target", stages: [["10m", 1], ["30m", 1], ["5m", 0]] },
  spike: { users: 1000, description: "1,000 users, then 5× within 10 seconds for 5 minutes, then back", stages: [["2m", 1], ["3m", 1], ["10s", 5], ["5m", 5], ["10s", 1], ["5m", 1]] },
  soak: { users: 1000, description: "1,000 users for 4 hours: leaks, growth, slow drift", stages: [["4h", 1]], constant: true },
  chaos: { users: 1000, description: "1,000 users for 20 minutes; a dependency (Postgres) fails at 5 min and returns at 12", stages: [["20m", 1]], constant: true, fault: { at: 0.25, until: 0.6 } },
});

/**
 * Thresholds equal to the targets; every one of them can fail (k6 exits 99 and the report
 * says FAIL). k6 aborts nothing. `expectedSteps` (from the stages) sets the step-mix band.
 * @returns {Record<string, string[]>}
 */
export function thresholds(expectedSteps = 0) {
  /** @type {Record<string, string[]>} */
  const t = {};
  for (const e of ENDPOINTS) t[`http_req_duration{endpoint:${e}}`] = [`p(95)<${TARGETS[e]}`];
  t.http_req_failed = [`rate<${ERROR_RATE_TARGET}`];
  // Content and search lookups that carry x-cache, after the warm-up (flow.js).
  t.cache_hit = [`rate>${CACHE_HIT_TARGET}`];
  t.unanswered_items = ["count<1"];
  // The observed step mix: one Rate per kind, true when a step is of that kind.
  for (const kind of /** @type {StepKind[]} */ (["practice", "review", "mock"])) {
    const share = MIX[kind];
    const tol = mixTolerance(share, expectedSteps);
    t[`step_${kind}`] = [`rate>${round(Math.max(0, share - tol))}`, `rate<${round(Math.min(1, share + tol))}`];
  }
  return t;
}

/** @param {number} x */
const round = (x) => Math.round(x * 1e6) / 1e6;

/** Parses k6-style durations ("90s", "5m", "4h", "1h30m") to seconds. @param {string} duration */
export function seconds(duration) {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let m;
  while ((m = re.exec(duration)) !== null) total += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[/** @type {"ms" | "s" | "m" | "h"} */ (m[2])] ?? 1);
  return total;
}

/** @param {number} sec */
function fmt(sec) {
  return `${Math.max(1, Math.round(sec))}s`;
}

/**
 * The stages' time factor. DURATION is the time the peak is held: the stages that stay at
 * the peak level (the whole run for constant scenarios) add up to exactly DURATION, and every
 * other stage (ramps, lower plateaus) keeps its planned proportion to them. So
 * `load` with DURATION=3m ramps up for 45 s, holds its peak for 3 min and ramps down for 18 s.
 * Without DURATION, DURATION_SCALE multiplies every stage.
 * @param {Scenario} s @param {Env} env
 */
export function timeScale(s, env) {
  if (env.DURATION !== undefined) return seconds(env.DURATION) / plannedPeakHold(s);
  return Number(env.DURATION_SCALE ?? 1);
}

/** Seconds the plan holds the scenario's peak level (stages that start and end at it). @param {Scenario} s */
export function plannedPeakHold(s) {
  const peak = Math.max(...s.stages.map(([, level]) => level));
  if (s.constant) return s.stages.reduce((a, [d]) => a + seconds(d), 0);
  let previous = 0;
  let hold = 0;
  for (const [d, level] of s.stages) {
    if (level === peak && previous === peak) hold += seconds(d);
    previous = level;
  }
  return hold;
}

/**
 * Seconds at the start of a run whose cache lookups do not count towards `cache_hit` (a cold
 * KV fills then): WARMUP when set, otherwise 20 % of the run, at most 60 s.
 * @param {number} totalSeconds @param {Env} env
 */
export function warmupSeconds(totalSeconds, env) {
  if (env.WARMUP !== undefined) return seconds(env.WARMUP);
  return Math.min(60, Math.round(totalSeconds * 0.2));
}

/**
 * The learners a VU serves, in turn. Without LEARNERS each VU is one learner (`<prefix>-<vu>`);
 * with LEARNERS = N the ids `<prefix>-1` … `<prefix>-N` are dealt out over the test's `vus`
 * VUs, learner n to VU ((n − 1) mod vus) + 1. A learner belongs to exactly one VU and a VU
 * does one step at a time, so no learner ever has two requests in flight.
 * @param {number} vu 1-based VU id in the test @param {number} vus VUs in the test @param {number | null} learners
 * @returns {number[]} learner numbers
 */
export function ownedLearners(vu, vus, learners) {
  if (learners === null) return [vu];
  /** @type {number[]} */
  const own = [];
  for (let n = vu; n <= learners; n += vus) own.push(n);
  return own;
}

/**
 * k6 options for one scenario, from the environment:
 * USERS (users at stage level 1), RATE (iterations/s at level 1; overrides USERS),
 * DURATION (how long the peak is held, see timeScale), DURATION_SCALE (multiplies every stage),
 * THINK_SCALE (multiplies think times; 0.1 for quick local runs), LEARNERS (distinct learners,
 * served by the VUs in turn), VUS (VUs, all started up front), WARMUP (cache warm-up).
 * @param {ScenarioName} name
 * @param {Env} env
 */
export function buildOptions(name, env) {
  const s = SCENARIOS[name];
  const thinkScale = Number(env.THINK_SCALE ?? 1);
  const users = Number(env.USERS ?? s.users);
  const rate = env.RATE !== undefined ? Number(env.RATE) : users / meanStepSeconds(thinkScale);
  const plannedTotal = s.stages.reduce((a, [d]) => a + seconds(d), 0);
  const scale = timeScale(s, env);
  const stepSeconds = meanStepSeconds(thinkScale);
  // Enough VUs for every user to be mid-step, plus headroom for slow responses.
  const peak = Math.max(...s.stages.map(([, level]) => level));
  let preAllocatedVUs = Math.max(2, Math.ceil(rate * peak * stepSeconds * 1.1));
  let maxVUs = Math.max(preAllocatedVUs + 2, Math.ceil(preAllocatedVUs * 1.5));
  const learners = env.LEARNERS !== undefined ? Number(env.LEARNERS) : null;
  if (env.VUS !== undefined || learners !== null) {
    // A fixed population of VUs, all started up front, so that every learner's VU exists.
    maxVUs = preAllocatedVUs = env.VUS !== undefined ? Number(env.VUS) : Math.min(learners ?? maxVUs, maxVUs);
  }
  // k6 wants whole iterations per timeUnit: count per 10 s, so 2.5 steps/s is 25.
  const per10s = (/** @type {number} */ level) => Math.max(0, Math.round(rate * level * 10));
  /** @type {Array<{ duration: string, target: number }>} */
  const stages = s.stages.map(([d, level]) => ({ duration: fmt(seconds(d) * scale), target: per10s(level) }));
  const total = stages.reduce((a, st) => a + seconds(st.duration), 0);
  const faultVUs = s.fault ? 2 : 0;
  const expectedSteps = s.constant ? rate * total : expectedIterations(stages) / 10;
  // Read back by flow.js (k6 merges a scenario's env into __ENV of its VUs).
  const scenarioEnv = { LT_TOTAL_VUS: String(maxVUs + faultVUs), LT_WARMUP_S: String(warmupSeconds(total, env)) };
  /** @type {Record<string, any>} */
  const scenarios = {};
  if (s.constant) {
    scenarios[name] = {
      executor: "constant-arrival-rate",
      exec: "learnerStep",
      rate: Math.max(1, Math.round(rate * 10)),
      timeUnit: "10s",
      duration: fmt(plannedTotal * scale),
      preAllocatedVUs,
      maxVUs,
      env: scenarioEnv,
    };
  } else {
    scenarios[name] = { executor: "ramping-arrival-rate", exec: "learnerStep", startRate: 0, timeUnit: "10s", stages, preAllocatedVUs, maxVUs, env: scenarioEnv };
  }
  if (s.fault) {
    scenarios.fault_start = { executor: "shared-iterations", exec: "faultStart", vus: 1, iterations: 1, startTime: fmt(total * s.fault.at), maxDuration: "1m" };
    scenarios.fault_stop = { executor: "shared-iterations", exec: "faultStop", vus: 1, iterations: 1, startTime: fmt(total * s.fault.until), maxDuration: "1m" };
  }
  return {
    scenarios,
    thresholds: thresholds(expectedSteps),
    // `count` gives per-endpoint request counts (cost projection) without a threshold that cannot fail.
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
    tags: { scenario_name: name },
    setupTimeout: "2m",
    // A step is one learner coming back after minutes of thinking: a new connection, as on
    // the real internet. Kept-alive connections idle between steps would also race workerd's
    // 5 s idle close (a POST sent just then fails with EOF / connection reset, and the client
    // cannot safely resend a non-idempotent `next`). Within a step connections are reused.
    noVUConnectionReuse: true,
  };
}

/** Iterations k6 starts over ramping stages (linear ramps from 0), in the stages' timeUnit × seconds. @param {Array<{ duration: string, target: number }>} stages */
export function expectedIterations(stages) {
  let previous = 0;
  let n = 0;
  for (const st of stages) {
    n += ((previous + st.target) / 2) * seconds(st.duration);
    previous = st.target;
  }
  return n;
}

/** Iterations per second the scenario aims at when fully ramped (for the throughput row). @param {ScenarioName} name @param {Env} env */
export function targetRate(name, env) {
  const s = SCENARIOS[name];
  const thinkScale = Number(env.THINK_SCALE ?? 1);
  const users = Number(env.USERS ?? s.users);
  const rate = env.RATE !== undefined ? Number(env.RATE) : users / meanStepSeconds(thinkScale);
  return rate * Math.max(...s.stages.map(([, level]) => level));
}
