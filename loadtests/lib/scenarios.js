// @ts-check
/**
 * The capacity plan's load-test scenarios as plain data: no k6 import, so Node can import
 * this module too (test/ops/loadtests.test.ts checks the mix and the thresholds).
 *
 * Targets k6 v1.x (type-checked against @types/k6 1.3). Open model throughout: arrival-rate
 * executors start iterations on a clock whatever the latency, so overload shows as latency
 * and `dropped_iterations`, never as a quietly slower client.
 *
 * One iteration is one learner step: ask for an item, think, answer it (plus, sometimes,
 * progress, a content page or a search). A "user" is a learner doing such steps back to
 * back, so N concurrent users start N ÷ (mean step duration) iterations a second; the step
 * duration comes from the think times below (scaled by THINK_SCALE).
 */

/** k6 version these scripts target. */
export const K6_VERSION = "1.3";

/** Share of steps by activity: 70 % practice, 20 % review, 10 % mock tests. */
export const MIX = Object.freeze({ practice: 0.7, review: 0.2, mock: 0.1 });

/** Extra requests within a step (probabilities). */
export const EXTRAS = Object.freeze({ progress: 0.2, content: 0.25, skills: 0.05, search: 0.08 });

/** Think times, seconds: answering is log-normal (median 12 s, heavy right tail), reading feedback uniform. */
export const THINK = Object.freeze({ answerMedian: 12, answerSigma: 0.6, answerMin: 2, answerMax: 90, feedbackMin: 2, feedbackMax: 6 });

/** Each virtual learner's accuracy is drawn around this (clamped to [0.35, 0.95]): a plausible class. */
export const ACCURACY = Object.freeze({ mean: 0.72, spread: 0.15 });

/** Mock test length per virtual learner (items). */
export const MOCK_ITEMS = 12;

/** p95 targets per endpoint, ms (same as src/ops/targets.ts). */
export const TARGETS = Object.freeze({ next: 300, attempt: 500, progress: 200, content: 100, search: 1000 });
/** Every endpoint tag the flow uses (mock = starting a mock test or reading its report). */
export const ENDPOINTS = Object.freeze(["next", "attempt", "progress", "content", "search", "mock"]);
export const ERROR_RATE_TARGET = 0.001;
export const CACHE_HIT_TARGET = 0.8;

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
 * Scenario shapes in "users". stages: [duration, users] as k6 ramping stages.
 * `users` is the plan's number; USERS overrides it, DURATION_SCALE stretches or shrinks time.
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
 * Thresholds equal to the targets; k6 aborts nothing, the summary reports PASS/FAIL.
 * @returns {Record<string, string[]>}
 */
export function thresholds() {
  return {
    "http_req_duration{endpoint:next}": [`p(95)<${TARGETS.next}`],
    "http_req_duration{endpoint:attempt}": [`p(95)<${TARGETS.attempt}`],
    "http_req_duration{endpoint:progress}": [`p(95)<${TARGETS.progress}`],
    "http_req_duration{endpoint:content}": [`p(95)<${TARGETS.content}`],
    "http_req_duration{endpoint:search}": [`p(95)<${TARGETS.search}`],
    http_req_failed: [`rate<${ERROR_RATE_TARGET}`],
    cache_hit: [`rate>${CACHE_HIT_TARGET}`],
    unanswered_items: ["count<1"],
    // Not limits: they make k6 keep per-endpoint request counts in the summary (cost projection).
    ...Object.fromEntries(ENDPOINTS.map((e) => [`http_reqs{endpoint:${e}}`, ["count>=0"]])),
  };
}

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
 * k6 options for one scenario, from the environment:
 * USERS (users at stage level 1), RATE (iterations/s at level 1; overrides USERS),
 * DURATION_SCALE (multiplies every stage), DURATION (sets the total, scaling stages to fit),
 * THINK_SCALE (multiplies think times; 0.1 for quick local runs).
 * @param {ScenarioName} name
 * @param {Env} env
 */
export function buildOptions(name, env) {
  const s = SCENARIOS[name];
  const thinkScale = Number(env.THINK_SCALE ?? 1);
  const users = Number(env.USERS ?? s.users);
  const rate = env.RATE !== undefined ? Number(env.RATE) : users / meanStepSeconds(thinkScale);
  const plannedTotal = s.stages.reduce((a, [d]) => a + seconds(d), 0);
  const scale = env.DURATION !== undefined ? seconds(env.DURATION) / plannedTotal : Number(env.DURATION_SCALE ?? 1);
  const stepSeconds = meanStepSeconds(thinkScale);
  // Enough VUs for every user to be mid-step, plus headroom for slow responses.
  const peak = Math.max(...s.stages.map(([, level]) => level));
  const preAllocatedVUs = Math.max(2, Math.ceil(rate * peak * stepSeconds * 1.1));
  const maxVUs = Math.max(preAllocatedVUs + 2, Math.ceil(preAllocatedVUs * 1.5));
  const perSecond = (/** @type {number} */ level) => Math.max(0, Math.round(rate * level * 100) / 100);
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
    };
  } else {
    scenarios[name] = {
      executor: "ramping-arrival-rate",
      exec: "learnerStep",
      startRate: 0,
      timeUnit: "1s",
      stages: s.stages.map(([d, level]) => ({ duration: fmt(seconds(d) * scale), target: perSecond(level) })),
      preAllocatedVUs,
      maxVUs,
    };
  }
  if (s.fault) {
    const total = plannedTotal * scale;
    scenarios.fault_start = { executor: "shared-iterations", exec: "faultStart", vus: 1, iterations: 1, startTime: fmt(total * s.fault.at), maxDuration: "1m" };
    scenarios.fault_stop = { executor: "shared-iterations", exec: "faultStop", vus: 1, iterations: 1, startTime: fmt(total * s.fault.until), maxDuration: "1m" };
  }
  return {
    scenarios,
    thresholds: thresholds(),
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
    tags: { scenario_name: name },
    // Plan numbers, for handleSummary's throughput target.
    setupTimeout: "2m",
  };
}

/** Iterations per second the scenario aims at when fully ramped (for the throughput row). @param {ScenarioName} name @param {Env} env */
export function targetRate(name, env) {
  const s = SCENARIOS[name];
  const thinkScale = Number(env.THINK_SCALE ?? 1);
  const users = Number(env.USERS ?? s.users);
  const rate = env.RATE !== undefined ? Number(env.RATE) : users / meanStepSeconds(thinkScale);
  return rate * Math.max(...s.stages.map(([, level]) => level));
}
