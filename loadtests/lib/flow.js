// @ts-check
/**
 * A virtual learner for k6 (v1.x). Each iteration is one step of one learner — the VU is
 * the learner, so a learner never has two requests in flight:
 *   practice (70 %) or review (20 %): next item → think → answer it → read the feedback;
 *   mock test (10 %): one item of the learner's mock test (started when needed, report at the end).
 * Around that, with small probabilities: progress, an item page, the skill graph, a search.
 * Every served item is answered (a failed attempt is retried once with the same
 * clientAttemptId, which the API treats idempotently); what still fails is counted in
 * `unanswered_items`, whose threshold is zero.
 *
 * Learners answer correctly with their own accuracy (drawn around 72 %), from the answer
 * key in loadtests/data/answer-key.json (written by `npx tsx loadtests/tools/answer-key.ts`
 * from the demo bank); items not in the key are guessed.
 *
 * Environment: BASE_URL, JWT_SECRET (mints learner tokens; `npm start` prints where the
 * local one lives), LEARNER_PREFIX, THINK_SCALE, CHAOS_START_URL / CHAOS_STOP_URL /
 * CHAOS_TOKEN (chaos.js), REPORT_DIR (default reports/capacity).
 */
import http from "k6/http";
import { check, sleep } from "k6";
import exec from "k6/execution";
import { Counter, Rate } from "k6/metrics";
import crypto from "k6/crypto";
import encoding from "k6/encoding";
import { ACCURACY, EXTRAS, MIX, MOCK_ITEMS, SCENARIOS, THINK, targetRate } from "./scenarios.js";
import { capacityTable } from "./capacity.js";

const BASE = (__ENV.BASE_URL || "http://127.0.0.1:8787").replace(/\/$/, "");
const THINK_SCALE = Number(__ENV.THINK_SCALE || 1);
const PREFIX = __ENV.LEARNER_PREFIX || "k6";
const WORDS = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "remainder", "simplify", "prime", "round", "expression", "inequality", "system", "factor"];

export const cacheHit = new Rate("cache_hit");
export const scoreCacheHit = new Rate("score_cache_hit");
export const unanswered = new Counter("unanswered_items");
export const correctAnswers = new Rate("answered_correctly");

/** @typedef {{ id: string, token: string, accuracy: number, mock: { testId: string } | null }} Learner */
/** @typedef {{ length: number, [index: number]: any }} AnswerKey  sorted [itemId, answer] pairs (a SharedArray) */

/** @type {Learner | null} */
let me = null;

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

function learner() {
  if (!me) {
    const secret = __ENV.JWT_SECRET;
    if (!secret) exec.test.abort("JWT_SECRET is required to mint learner tokens");
    const id = `${PREFIX}-${exec.vu.idInTest}`;
    const accuracy = Math.min(0.95, Math.max(0.35, ACCURACY.mean + ACCURACY.spread * normal()));
    me = { id, token: mintToken(id, secret || ""), accuracy, mock: null };
  }
  return me;
}

/** @param {number} sec */
const think = (sec) => sleep(Math.max(0, sec * THINK_SCALE));
const answerSeconds = () => Math.min(THINK.answerMax, Math.max(THINK.answerMin, THINK.answerMedian * Math.exp(THINK.answerSigma * normal())));
const feedbackSeconds = () => THINK.feedbackMin + Math.random() * (THINK.feedbackMax - THINK.feedbackMin);

/** @param {Learner} L @param {string} endpoint */
function params(L, endpoint) {
  return { headers: { authorization: `Bearer ${L.token}`, "content-type": "application/json" }, tags: { endpoint } };
}

/** @param {import("k6/http").RefinedResponse<any>} res */
function json(res) {
  try {
    return /** @type {any} */ (res.json());
  } catch {
    return null;
  }
}

/** @param {import("k6/http").RefinedResponse<any>} res */
function countCache(res) {
  const v = res.headers["X-Cache"];
  if (v === "HIT" || v === "MISS") cacheHit.add(v === "HIT");
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

/** Answers a served item; retries once (same clientAttemptId) on a server error. @param {Learner} L @param {any} item @param {AnswerKey} key @param {number} thinkSeconds */
function answer(L, item, key, thinkSeconds) {
  const correct = Math.random() < L.accuracy;
  const body = JSON.stringify({
    clientAttemptId: `${L.id}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`,
    itemId: item.id,
    response: responseFor(item, lookup(key, item.id), correct),
    responseMs: Math.round(thinkSeconds * 1000),
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = http.post(`${BASE}/v1/learners/${L.id}/attempts`, body, params(L, "attempt"));
    if (res.status === 200) {
      const r = json(res);
      if (r && typeof r.correct === "boolean") correctAnswers.add(r.correct);
      return;
    }
    if (res.status < 500 && res.status !== 0) break;
    sleep(0.5);
  }
  unanswered.add(1);
}

/** @param {Learner} L */
function extrasBefore(L) {
  if (Math.random() < EXTRAS.skills) countCache(http.get(`${BASE}/v1/skills`, { tags: { endpoint: "content" } }));
  if (Math.random() < EXTRAS.search) {
    const q = WORDS[Math.floor(Math.random() * WORDS.length)];
    const page = Math.floor(Math.random() * 3) * 10;
    countCache(http.get(`${BASE}/v1/search?q=${q}&limit=10&offset=${page}`, { tags: { endpoint: "search" } }));
  }
  void L;
}

/** @param {Learner} L @param {AnswerKey} key */
function mockStep(L, key) {
  if (!L.mock) {
    const res = http.post(`${BASE}/v1/learners/${L.id}/mock-tests`, JSON.stringify({ maxItems: MOCK_ITEMS }), params(L, "mock"));
    const started = json(res);
    if (!check(res, { "mock test started": (r) => r.status === 200 || r.status === 201 }) || !started || !started.testId) return;
    L.mock = { testId: started.testId };
  }
  const res = http.post(`${BASE}/v1/learners/${L.id}/mock-tests/${L.mock.testId}/next`, null, params(L, "next"));
  const next = json(res);
  if (!check(res, { "mock next ok": (r) => r.status === 200 }) || !next) {
    L.mock = null;
    return;
  }
  if (next.item) {
    const t = answerSeconds();
    think(t);
    answer(L, next.item, key, t);
  }
  if (next.done || !next.item) {
    http.get(`${BASE}/v1/learners/${L.id}/mock-tests/${L.mock.testId}`, params(L, "mock"));
    L.mock = null;
  }
  think(feedbackSeconds());
}

/**
 * One learner step (the scenarios' `exec`).
 * @param {AnswerKey} key
 */
export function learnerStep(key) {
  const L = learner();
  const r = Math.random();
  if (L.mock || r < MIX.mock) return mockStep(L, key);
  extrasBefore(L);
  let mode = r < MIX.mock + MIX.review ? "review" : "practice";
  let res = http.post(`${BASE}/v1/learners/${L.id}/next`, JSON.stringify({ mode }), params(L, "next"));
  let next = json(res);
  if (mode === "review" && res.status === 200 && next && !next.item) {
    // Nothing due: a real learner goes on practising.
    mode = "practice";
    res = http.post(`${BASE}/v1/learners/${L.id}/next`, JSON.stringify({ mode }), params(L, "next"));
    next = json(res);
  }
  check(res, { "next ok": (x) => x.status === 200 });
  const item = next && next.item;
  if (item) {
    const sc = res.headers["X-Cache"];
    if (sc === "HIT" || sc === "MISS") scoreCacheHit.add(sc === "HIT");
    const t = answerSeconds();
    think(t);
    answer(L, item, key, t);
    if (Math.random() < EXTRAS.content) countCache(http.get(`${BASE}/v1/items/${item.id}`, { tags: { endpoint: "content" } }));
  }
  if (Math.random() < EXTRAS.progress) check(http.get(`${BASE}/v1/learners/${L.id}/progress`, params(L, "progress")), { "progress ok": (x) => x.status === 200 });
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
 * k6 runs: run from the repository root).
 * @param {string} name @param {any} data
 */
export function capacitySummary(name, data) {
  const dir = (__ENV.REPORT_DIR || "reports/capacity").replace(/\/$/, "");
  const scenario = /** @type {import("./scenarios.js").ScenarioName} */ (name);
  const users = Number(__ENV.USERS || 0) || SCENARIOS[scenario].users;
  const table = capacityTable(name, data, { baseUrl: BASE, targetRate: targetRate(scenario, __ENV), users });
  return {
    [`${dir}/${name}.md`]: table.markdown,
    [`${dir}/${name}.json`]: `${JSON.stringify(table.json, null, 2)}\n`,
    stdout: `${table.markdown}\n`,
  };
}
