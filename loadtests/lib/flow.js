// @ts-check
/**
 * A virtual learner population for k6 (v1.x). Each iteration is one step of one learner,
 * its type drawn afresh (lib/scenarios.js `pickStep`):
 *   practice (70 %) or review (20 %): next item → think → answer it → read the feedback.
 *     As the web app does, an answer asks for the learner's next item when the learner's next
 *     step is practice (its kind is drawn when they answer): that step then starts from the
 *     item that came with the answer, with no `next` call (one request per practice step).
 *     ONE_REQUEST_STEPS=0 turns this off (every step asks `next` first, the older two-request
 *     flow) for comparisons;
 *     a review with nothing due is one `next` call that serves no item (the learner reads
 *     "nothing to review" and the step ends; `review_nothing_due` counts these);
 *   mock test (10 %): one item of the learner's running mock test, or a new test when none
 *     runs (its report read when an answer ends it). Mock-test calls have their own tags
 *     (`mock_start`, `mock_next`, `mock_report`) and thresholds; lib/mock-state.js says how a
 *     learner keeps or recovers its test id.
 * Around practice and review, with small probabilities: progress, an item page, the skill
 * graph, a search. Every served item is answered (a failed attempt is retried once with the
 * same clientAttemptId, which the API treats idempotently); what still fails is counted in
 * `unanswered_items`, whose threshold is zero.
 *
 * Learners: without LEARNERS each VU is one learner, `<prefix>-<vu>`. With LEARNERS = N the
 * ids `<prefix>-1` … `<prefix>-N` are dealt out over the VUs (scenarios.js `ownedLearners`)
 * and a VU serves its learners in turn, keeping each one's token, accuracy and running mock
 * test in VU memory keyed by learner id. A learner belongs to one VU and a VU does one step
 * at a time, so no learner ever has two requests in flight.
 *
 * Learners answer correctly with their own accuracy (drawn around 72 %), from the answer
 * key in loadtests/data/answer-key.json (written by `npx tsx loadtests/tools/answer-key.ts`
 * from the demo bank); items not in the key are guessed.
 *
 * Environment: BASE_URL, JWT_SECRET (mints learner tokens; `npm start` prints where the
 * local one lives), LEARNER_PREFIX, LEARNERS, THINK_SCALE, CHAOS_START_URL / CHAOS_STOP_URL /
 * CHAOS_TOKEN (chaos.js), REPORT_DIR (default reports/capacity), LOG_ERRORS (log every 4xx/5xx).
 */
import http from "k6/http";
import { check, sleep } from "k6";
import exec from "k6/execution";
import { Counter, Rate } from "k6/metrics";
import crypto from "k6/crypto";
import encoding from "k6/encoding";
import { ACCURACY, EXTRAS, MOCK_ITEMS, SCENARIOS, THINK, ownedLearners, pickStep, targetRate } from "./scenarios.js";
import { attemptEndedTest, testAfterNext, testAfterStart } from "./mock-state.js";
import { capacityTable } from "./capacity.js";

const BASE = (__ENV.BASE_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
const THINK_SCALE = Number(__ENV.THINK_SCALE || 1);
const PREFIX = __ENV.LEARNER_PREFIX || "k6";
const LOG_ERRORS = Boolean(__ENV.LOG_ERRORS);
const ONE_REQUEST_STEPS = __ENV.ONE_REQUEST_STEPS !== "0";
const MOCK_START_EXPECTED = http.expectedStatuses({ min: 200, max: 399 }, 409);
const WORDS = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "remainder", "simplify", "prime", "round", "expression", "inequality", "system", "factor"];

/** Content and search lookups with an x-cache header, after the warm-up (threshold > 85 %). */
export const cacheHit = new Rate("cache_hit");
/** The same during the warm-up, while KV is cold (reported, no threshold). */
export const cacheHitWarmup = new Rate("cache_hit_warmup");
/** The learner's score cache per request (`x-cache` on practice/review `next`), after the warm-up (reported, no threshold). */
export const scoreCacheHit = new Rate("score_cache_hit");
/**
 * The learner's score cache per entry, as the capacity plan counted it (one entry per
 * learner–item score): `x-score-cache: reused=R; candidates=C` on `next`, summed after the warm-up.
 */
export const scoreEntriesReused = new Counter("score_cache_entries_reused");
export const scoreEntries = new Counter("score_cache_entries");
/** Predictions those rankings took when computed, on the request or ahead of it (`predicted=P`): what the score cache did not save. */
export const scorePredicted = new Counter("score_cache_predicted");
export const unanswered = new Counter("unanswered_items");
/** Attempts the API recorded (a 200, first try or retry): Postgres must end with exactly this many for the run's learners. */
export const attemptsRecorded = new Counter("attempts_recorded");
export const correctAnswers = new Rate("answered_correctly");
/** The observed step mix: one Rate per kind (thresholds: within ±5 points of the plan). */
const stepRates = { practice: new Rate("step_practice"), review: new Rate("step_review"), mock: new Rate("step_mock") };
export const reviewNothingDue = new Counter("review_nothing_due");
export const mockStarted = new Counter("mock_tests_started");
export const mockRecovered = new Counter("mock_tests_recovered");
export const mockEnded = new Counter("mock_tests_ended");
/** 5xx answers and network errors (status 0): the "zero 5xx" targets. */
export const serverErrors = new Counter("server_errors");
/** Distinct learners this run served (each counted once, by the VU that owns it). */
export const learnersServed = new Counter("learners_served");

/**
 * `upcoming`: the practice item that came with the learner's last answer, and `nextKind` the
 * kind of their next step, drawn when they answered (null: draw it at the step).
 * @typedef {{ id: string, token: string, accuracy: number, mockTestId: string | null, nextKind: "practice" | "review" | "mock" | null, upcoming: any }} Learner
 */
/** @typedef {{ length: number, [index: number]: any }} AnswerKey  sorted [itemId, answer] pairs (a SharedArray) */

/** This VU's learners, by id, and whose turn it is. */
/** @type {Map<string, Learner>} */
const mine = new Map();
/** @type {number[] | null} */
let owned = null;
let turn = 0;

function normal() {
  // Box–Muller: one standard normal draw.
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

/** HS256 learner token, as src/auth/learner-token.ts mints it. @param {string} learnerId @param {string} secret */
export function mintToken(learnerId, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  const b64 = (/** @type {string} */ s) => encoding.b64encode(s, "rawurl");
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64(JSON.stringify({ sub: learnerId, iss: "learning-api", aud: "learner", iat: nowSeconds, exp: nowSeconds + 7 * 86400 }));
  const sig = crypto.hmac("sha256", secret, `${head}.${body}`, "base64rawurl");
  return `${head}.${body}.${sig}`;
}

/** The learner whose turn it is on this VU (created, with its token, on its first step). */
function nextLearner() {
  if (owned === null) {
    const vus = Number(__ENV.LT_TOTAL_VUS || 0);
    const population = __ENV.LEARNERS ? Number(__ENV.LEARNERS) : null;
    const vu = exec.vu.idInTest;
    if (population !== null && vu > vus) exec.test.abort(`VU ${vu} is beyond the ${vus} VUs the learners were dealt to`);
    owned = ownedLearners(vu, vus, population);
    if (owned.length === 0) exec.test.abort(`LEARNERS=${population} is fewer than the VUs (${vus}): set VUS ≤ LEARNERS`);
  }
  const n = owned[turn % owned.length];
  turn++;
  const id = `${PREFIX}-${n}`;
  let L = mine.get(id);
  if (!L) {
    const secret = __ENV.JWT_SECRET;
    if (!secret) exec.test.abort("JWT_SECRET is required to mint learner tokens");
    const accuracy = Math.min(0.95, Math.max(0.35, ACCURACY.mean + ACCURACY.spread * normal()));
    L = { id, token: mintToken(id, secret || ""), accuracy, mockTestId: null, nextKind: null, upcoming: null };
    mine.set(id, L);
    learnersServed.add(1);
  }
  return L;
}

/** True once the warm-up (LT_WARMUP_S, from scenarios.js) is over. */
function steady() {
  return exec.instance.currentTestRunDuration >= Number(__ENV.LT_WARMUP_S || 0) * 1000;
}

/** @param {number} sec */
const think = (sec) => sleep(Math.max(0, sec * THINK_SCALE));
const answerSeconds = () => Math.min(THINK.answerMax, Math.max(THINK.answerMin, THINK.answerMedian * Math.exp(THINK.answerSigma * normal())));
const feedbackSeconds = () => THINK.feedbackMin + Math.random() * (THINK.feedbackMax - THINK.feedbackMin);

/**
 * One request, tagged with its endpoint (the thresholds and the report rows key on it).
 * @param {"GET" | "POST"} method @param {string} path @param {string | null} body
 * @param {Learner | null} L @param {import("./scenarios.js").Endpoint} endpoint
 * @param {string} [idempotencyKey] sent as Idempotency-Key (attempts: their clientAttemptId)
 */
function call(method, path, body, L, endpoint, idempotencyKey = "") {
  /** @type {Record<string, string>} */
  const headers = {};
  if (L) headers.authorization = `Bearer ${L.token}`;
  if (body !== null) headers["content-type"] = "application/json";
  // An attempt is idempotent by its clientAttemptId. Saying so in the standard header lets the
  // HTTP client resend it by itself when a kept-alive connection turns out to be closed before
  // any answer (Go's transport does this only for requests marked idempotent). Without it, a
  // POST sent just as the server drops an idle connection (workerd closes them after 5 s idle,
  // about the think time before an answer) fails as EOF / connection reset.
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  /** @type {import("k6/http").Params} */
  const params = { headers, tags: { endpoint } };
  // 409 on start is the API's documented answer "a test is still running" (with its id), which
  // the learner recovers from (mock-state.js): not an error.
  if (endpoint === "mock_start") params.responseCallback = MOCK_START_EXPECTED;
  const res = http.request(method, `${BASE}${path}`, body, params);
  if (res.status === 0 || res.status >= 500) serverErrors.add(1);
  if (LOG_ERRORS && (res.status === 0 || res.status >= 400)) console.warn(`${method} ${path} → ${res.status} ${res.error || String(res.body || "").slice(0, 300)}`);
  return res;
}

/** @param {import("k6/http").RefinedResponse<any>} res */
function json(res) {
  try {
    return /** @type {any} */ (res.json());
  } catch {
    return null;
  }
}

/**
 * The learner's score cache behind a served practice or review item (`next`, or an answer that
 * brought the next item): per request (`x-cache`) and per entry (`x-score-cache`), after the warm-up.
 * @param {import("k6/http").RefinedResponse<any>} res
 */
function countScoreCache(res) {
  if (!steady()) return;
  const sc = res.headers["X-Cache"];
  if (sc === "HIT" || sc === "MISS") scoreCacheHit.add(sc === "HIT");
  const entries = /reused=(\d+); candidates=(\d+)(?:; predicted=(\d+))?/.exec(res.headers["X-Score-Cache"] || "");
  if (entries) {
    scoreEntriesReused.add(Number(entries[1]));
    scoreEntries.add(Number(entries[2]));
    if (entries[3] !== undefined) scorePredicted.add(Number(entries[3]));
  }
}

/** Counts a content or search lookup that says where it was answered. @param {import("k6/http").RefinedResponse<any>} res */
function countCache(res) {
  const v = res.headers["X-Cache"];
  if (v !== "HIT" && v !== "MISS") return;
  (steady() ? cacheHit : cacheHitWarmup).add(v === "HIT");
}

/** @param {AnswerKey} key @param {string} id */
function lookup(key, id) {
  let lo = 0;
  let hi = key.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = key[mid];
    if (entry[0] === id) return entry[1];
    if (entry[0] < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** A response that is right with the learner's accuracy. @param {any} item @param {any} answer @param {boolean} correct */
function responseFor(item, answer, correct) {
  const choices = Array.isArray(item.choices) ? item.choices.length : 0;
  if (answer === undefined) return item.kind === "choice" ? Math.floor(Math.random() * Math.max(1, choices)) : item.kind === "numeric" ? 0 : "?";
  if (correct) return answer;
  if (typeof answer === "number" && item.kind === "choice") return (answer + 1 + Math.floor(Math.random() * Math.max(1, choices - 1))) % Math.max(2, choices);
  if (typeof answer === "number") return answer + (Math.random() < 0.5 ? 1 : -1);
  return "not sure";
}

/**
 * Answers a served item; retries once (same clientAttemptId) on a server error. With `next`,
 * the answer also asks for the learner's next item in that mode (the result's `next`).
 * @param {Learner} L @param {any} item @param {AnswerKey} key @param {number} thinkSeconds
 * @param {"practice" | null} [next]
 * @returns {any} the attempt result, or null when it was not accepted
 */
function answer(L, item, key, thinkSeconds, next = null) {
  const correct = Math.random() < L.accuracy;
  const clientAttemptId = `${L.id}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const body = JSON.stringify({
    clientAttemptId,
    itemId: item.id,
    response: responseFor(item, lookup(key, item.id), correct),
    responseMs: Math.round(thinkSeconds * 1000),
    ...(next ? { next } : {}),
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = call("POST", `/v1/learners/${L.id}/attempts`, body, L, "attempt", clientAttemptId);
    if (res.status === 200) {
      const r = json(res);
      attemptsRecorded.add(1);
      if (r && typeof r.correct === "boolean") correctAnswers.add(r.correct);
      if (next && r && r.next && r.next.item) countScoreCache(res);
      return r;
    }
    if (res.status < 500 && res.status !== 0) break;
    sleep(0.5);
  }
  unanswered.add(1);
  return null;
}

function extrasBefore() {
  // The skill graph is content (latency) but not a cache lookup the plan's ratio speaks for.
  if (Math.random() < EXTRAS.skills) call("GET", "/v1/skills", null, null, "content");
  if (Math.random() < EXTRAS.search) {
    const q = WORDS[Math.floor(Math.random() * WORDS.length)];
    const page = Math.floor(Math.random() * 3) * 10;
    countCache(call("GET", `/v1/search?q=${q}&limit=10&offset=${page}`, null, null, "search"));
  }
}

/** One item of the learner's mock test, starting (or recovering) the test first when needed. @param {Learner} L @param {AnswerKey} key */
function mockStep(L, key) {
  if (!L.mockTestId) {
    const res = call("POST", `/v1/learners/${L.id}/mock-tests`, JSON.stringify({ maxItems: MOCK_ITEMS }), L, "mock_start");
    const test = testAfterStart(res.status, json(res));
    check(res, { "mock test started": (r) => r.status === 201 });
    if (!test) return think(feedbackSeconds());
    (test.recovered ? mockRecovered : mockStarted).add(1);
    L.mockTestId = test.testId;
  }
  const testId = L.mockTestId;
  const res = call("POST", `/v1/learners/${L.id}/mock-tests/${testId}/next`, null, L, "mock_next");
  const next = json(res);
  check(res, { "mock next ok": (r) => r.status === 200 });
  const state = testAfterNext(res.status, next);
  if (state !== "running") {
    // Ended by its time limit or precision before this step (the report came with it), or gone.
    if (state === "ended") mockEnded.add(1);
    L.mockTestId = null;
    return think(feedbackSeconds());
  }
  if (next && next.item) {
    const t = answerSeconds();
    think(t);
    const result = answer(L, next.item, key, t);
    if (attemptEndedTest(result)) {
      mockEnded.add(1);
      check(call("GET", `/v1/learners/${L.id}/mock-tests/${testId}`, null, L, "mock_report"), { "mock report ok": (r) => r.status === 200 });
      L.mockTestId = null;
    }
  }
  think(feedbackSeconds());
}

/**
 * One learner step (the scenarios' `exec`).
 * @param {AnswerKey} key
 */
export function learnerStep(key) {
  const L = nextLearner();
  const kind = L.nextKind ?? pickStep(Math.random());
  L.nextKind = null;
  for (const k of /** @type {const} */ (["practice", "review", "mock"])) stepRates[k].add(k === kind);
  if (kind === "mock") return mockStep(L, key);
  extrasBefore();
  let item = null;
  if (kind === "practice" && L.upcoming) {
    // Came with the last answer: already served, no request.
    item = L.upcoming;
    L.upcoming = null;
  } else {
    const res = call("POST", `/v1/learners/${L.id}/next`, JSON.stringify({ mode: kind }), L, "next");
    const next = json(res);
    check(res, { "next ok": (x) => x.status === 200 });
    item = next && next.item;
    if (res.status === 200 && kind === "review" && !item) reviewNothingDue.add(1);
    if (item) countScoreCache(res);
  }
  if (item) {
    const t = answerSeconds();
    think(t);
    // The learner's next step is decided as they answer: practice comes with this answer.
    const following = ONE_REQUEST_STEPS ? pickStep(Math.random()) : null;
    const result = answer(L, item, key, t, following === "practice" ? "practice" : null);
    if (following !== null && result) {
      L.nextKind = following;
      L.upcoming = following === "practice" && result.next && result.next.item ? result.next.item : null;
    }
    if (Math.random() < EXTRAS.content) countCache(call("GET", `/v1/items/${item.id}`, null, null, "content"));
  }
  if (Math.random() < EXTRAS.progress) check(call("GET", `/v1/learners/${L.id}/progress`, null, L, "progress"), { "progress ok": (x) => x.status === 200 });
  think(feedbackSeconds());
}

/** chaos.js: make a dependency fail (POST CHAOS_START_URL) / recover (POST CHAOS_STOP_URL). @param {string | undefined} url @param {string} what */
export function fault(url, what) {
  if (!url) {
    console.warn(`chaos: no URL set for "${what}"; break the dependency by hand now (see loadtests/README.md)`);
    return;
  }
  /** @type {Record<string, string>} */
  const headers = {};
  if (__ENV.CHAOS_TOKEN) headers.authorization = `Bearer ${__ENV.CHAOS_TOKEN}`;
  const res = http.post(url, null, { headers, tags: { endpoint: "chaos" }, responseCallback: http.expectedStatuses({ min: 100, max: 599 }) });
  console.log(`chaos: ${what} → ${res.status}`);
}

/**
 * The end-of-test capacity table, as Markdown and JSON under REPORT_DIR (relative to where
 * k6 runs: run from the repository root; the directory must exist, k6 does not create it —
 * reports/capacity/ is kept in the repository for that).
 * @param {string} name @param {any} data
 */
export function capacitySummary(name, data) {
  const dir = (__ENV.REPORT_DIR || "reports/capacity").replace(/\/$/, "");
  const scenario = /** @type {import("./scenarios.js").ScenarioName} */ (name);
  // With RATE the user count is not what sets the load: leave it out.
  const users = __ENV.RATE ? undefined : Number(__ENV.USERS || 0) || SCENARIOS[scenario].users;
  const learners = __ENV.LEARNERS ? Number(__ENV.LEARNERS) : null;
  const table = capacityTable(name, data, { baseUrl: BASE, targetRate: targetRate(scenario, __ENV), users, learners, label: __ENV.REPORT_LABEL || undefined });
  const base = __ENV.REPORT_NAME || name;
  return {
    [`${dir}/${base}.md`]: table.markdown,
    [`${dir}/${base}.json`]: `${JSON.stringify(table.json, null, 2)}\n`,
    stdout: `${table.markdown}\n`,
  };
}
