/**
 * Items that calibrate themselves, end to end inside workerd: global statistics in Redis (here
 * synthetic responses from learners with known abilities to the "systems" strand, whose true
 * difficulties are 0.8 logit above or below the authored ones) → the Cron Trigger's scheduled handler →
 * versions in Postgres and the published document in KV → what learners' objects score with
 * (`why.parameters`) and what the next mock test reports (calibrated items, a narrower interval).
 */
import { createExecutionContext, createScheduledController, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { sigmoid } from "../../src/core/knowledge";
import { mulberry32, normalDraw } from "../../src/core/random";
import { createDatabase } from "../../src/db/client";
import { itemsOfSkill } from "../../src/db/content";
import { RedisItemStats, aggregateObservations } from "../../src/stats/item-stats";
import type { ItemObservation } from "../../src/stats/item-stats";
import worker from "../../workers/api/index";
import type { LearnerDO } from "../../workers/learner/learner-do";
import type { MockNextResult, NextResult } from "../../workers/learner/types";
import { api, json, testEnv, tokenFor, uniqueLearner } from "./helpers";
import { fullItem, rightResponse, wrongResponse } from "./learner-support";

const ops = { authorization: `Bearer ${testEnv.OPS_TOKEN}` };
const SHIFT = 0.8;

interface Report {
  itemsAnswered: number;
  defaultsUsed: number;
  calibratedUsed: number;
  se: number;
  parameterSe: number;
  score: { value: number; low: number; high: number };
  parameterNote: string;
}

/** A learner whose object runs `ahead` ms in the future (past the isolate's calibration refresh). */
async function learner(label: string, ahead: number) {
  const id = uniqueLearner(label);
  const token = await tokenFor(id);
  await runInDurableObject(env.LEARNER.get(env.LEARNER.idFromName(id)), (instance: LearnerDO) => {
    instance.clock = () => Date.now() + ahead;
  });
  const call = (path: string, init: { method?: string; json?: unknown } = {}) => api(`/v1/learners/${id}${path}`, { ...init, token });
  return { id, call };
}

/** A systems mock test of `n` items, answered right below difficulty 0.3. */
async function mockTest(call: Awaited<ReturnType<typeof learner>>["call"], n: number): Promise<Report> {
  const test = await json<{ testId: string }>(await call("/mock-tests", { method: "POST", json: { course: "systems", maxItems: n } }));
  for (let k = 0; k <= n; k++) {
    const next = await json<MockNextResult>(await call(`/mock-tests/${test.testId}/next`, { method: "POST" }));
    if (next.done) return next.report as unknown as Report;
    const item = await fullItem(next.item?.id ?? "");
    const res = await call("/attempts", { method: "POST", json: { clientAttemptId: `c-${k}`, itemId: item.id, response: item.difficulty < 0.3 ? rightResponse(item) : wrongResponse(item), responseMs: 15_000 } });
    expect(res.status).toBe(200);
  }
  throw new Error("the mock test did not finish");
}

describe.skipIf(!testEnv.UPSTASH_REDIS_REST_URL)("item calibration: statistics → Cron Trigger → Postgres and KV → scoring and mock tests", () => {
  it("calibrates a strand from its statistics and the next mock test reports it", async () => {
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    const items = [...(await itemsOfSkill(db.read, "systems.substitution")), ...(await itemsOfSkill(db.read, "systems.elimination"))];
    await db.end();
    expect(items.length).toBeGreaterThan(50);

    const before = await mockTest((await learner("cal-before", 0)).call, 8);
    expect(before.calibratedUsed).toBe(0);
    expect(before.parameterSe).toBeGreaterThan(0);

    // 600 responses per item from learners θ ~ N(0, 1) believed N(μ, 0.2), true b = authored ± 0.8
    // (alternately: authoring errors scatter per item; a shift common to every item is what the
    // job's scale anchoring takes back out, src/core/calibration.ts `anchorScale`).
    const rng = mulberry32(12);
    const observations: ItemObservation[] = [];
    const offset = (i: number) => (i % 2 === 0 ? SHIFT : -SHIFT);
    for (const [i, item] of items.entries()) {
      for (let r = 0; r < 600; r++) {
        const mu = normalDraw(rng, 0, Math.sqrt(0.8));
        const theta = mu + normalDraw(rng, 0, Math.sqrt(0.2));
        const p = item.guessing + (1 - item.guessing) * sigmoid(item.discrimination * (theta - item.difficulty - offset(i)));
        observations.push({ itemId: item.id, correct: rng() < p, expected: 0.5, theta: mu, thetaVariance: 0.2, responseMs: 20_000 });
      }
    }
    const stats = new RedisItemStats(new Redis({ url: testEnv.UPSTASH_REDIS_REST_URL ?? "", token: testEnv.UPSTASH_REDIS_REST_TOKEN ?? "", enableTelemetry: false }), testEnv.ITEM_STATS_KEY_PREFIX ?? "");
    expect(await stats.applyDeltas([{ id: `calibration-test-${Date.now()}`, payload: aggregateObservations(observations) }])).toEqual(["applied"]);

    // The Cron Trigger's handler, as Cloudflare (or `wrangler dev --test-scheduled`) calls it.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const shown = await json<{ version: number; calibrated: number; sympsonHetter: boolean }>(await api("/v1/ops/calibration", { headers: ops }));
    expect(shown.version).toBeGreaterThanOrEqual(1);
    // Off-target items (far from the learners' abilities) need more responses to reach SE 0.2.
    expect(shown.calibrated).toBeGreaterThanOrEqual(items.length * 0.8);
    expect(shown.sympsonHetter).toBe(false); // 200 of 6,900 items: not a calibrated pool yet
    let error = 0;
    for (const [i, item] of items.slice(0, 40).entries()) {
      const one = await json<{ item: { difficulty: number; status: string; responses: number; seDifficulty: number } }>(await api(`/v1/ops/calibration?item=${item.id}`, { headers: ops }));
      expect(one.item.responses).toBe(600);
      expect(one.item.status).toBe(one.item.seDifficulty <= 0.2 ? "calibrated" : "provisional");
      error += (one.item.difficulty - (item.difficulty + offset(i))) ** 2;
    }
    expect(Math.sqrt(error / 40)).toBeLessThan(0.25);

    // Nothing new for these items since: a second run (other tests' learners may have changed other items) leaves them as they were.
    const again = await json<{ version: number }>(await api("/v1/ops/calibration/run", { method: "POST", headers: ops }));
    expect(again.version).toBeGreaterThanOrEqual(shown.version);
    const first = items[0]?.id ?? "";
    const kept = await json<{ item: { responses: number } }>(await api(`/v1/ops/calibration?item=${first}`, { headers: ops }));
    expect(kept.item.responses).toBe(600);

    // Learners' objects read the published parameters (after the isolate's refresh interval).
    const practice = await learner("cal-why", 5 * 60_000);
    const next = await json<NextResult>(await practice.call("/next", { method: "POST", json: { mode: "practice" } }));
    expect(next.why?.parameters?.version).toBeGreaterThanOrEqual(shown.version);

    const after = await mockTest((await learner("cal-after", 5 * 60_000)).call, 8);
    expect(after.calibratedUsed).toBeGreaterThanOrEqual(after.itemsAnswered - 2);
    expect(after.parameterSe).toBeLessThan(before.parameterSe);
    expect(after.parameterNote).toContain("calibratedUsed");
  });

  it("keeps its fits on the authored scale when every learner's anchor carries the same bias (learning the model does not follow)", async () => {
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    const items = [...(await itemsOfSkill(db.read, "ratios.meaning")), ...(await itemsOfSkill(db.read, "ratios.equivalent"))];
    await db.end();
    expect(items.length).toBeGreaterThan(50);
    // Items exactly as authored; every anchor 0.5 below the learner's true ability.
    const rng = mulberry32(21);
    const observations: ItemObservation[] = [];
    for (const item of items) {
      for (let r = 0; r < 400; r++) {
        const theta = normalDraw(rng, 0, 1);
        const p = item.guessing + (1 - item.guessing) * sigmoid(item.discrimination * (theta - item.difficulty));
        observations.push({ itemId: item.id, correct: rng() < p, expected: 0.5, theta: theta - 0.5, thetaVariance: 0, responseMs: 20_000 });
      }
    }
    const stats = new RedisItemStats(new Redis({ url: testEnv.UPSTASH_REDIS_REST_URL ?? "", token: testEnv.UPSTASH_REDIS_REST_TOKEN ?? "", enableTelemetry: false }), testEnv.ITEM_STATS_KEY_PREFIX ?? "");
    expect(await stats.applyDeltas([{ id: `calibration-bias-${Date.now()}`, payload: aggregateObservations(observations) }])).toEqual(["applied"]);

    const run = await json<{ changed: number; scaleShift: number }>(await api("/v1/ops/calibration/run", { method: "POST", headers: ops }));
    expect(run.changed).toBeGreaterThanOrEqual(items.length);
    // The anchors' bias made every fit about 0.5 too easy; the run took most of it back out …
    expect(run.scaleShift).toBeLessThan(-0.3);
    let diff = 0;
    for (const item of items) {
      const one = await json<{ item: { difficulty: number } }>(await api(`/v1/ops/calibration?item=${item.id}`, { headers: ops }));
      diff += one.item.difficulty - item.difficulty;
    }
    // … so the published difficulties sit on the authored scale.
    expect(Math.abs(diff / items.length)).toBeLessThan(0.15);
    // The shift it took out is a gauge (alert CalibrationScaleDrift when it stays above 0.3).
    const metrics = await (await api("/metrics", { headers: ops })).text();
    const gauge = Number(/^learning_calibration_scale_shift (\S+)$/m.exec(metrics)?.[1]);
    expect(gauge).toBeCloseTo(Math.abs(run.scaleShift), 6);
    // And it is kept with the version in Postgres, run by run.
    const { versions } = await json<{ versions: Array<{ version: number; scaleShift: number | null }> }>(await api("/v1/ops/calibration/versions?limit=2", { headers: ops }));
    expect(versions).toHaveLength(2);
    expect(versions[0]?.version).toBeGreaterThan(versions[1]?.version ?? Infinity);
    expect(versions[0]?.scaleShift).toBeCloseTo(run.scaleShift, 9);
    expect((await api("/v1/ops/calibration/versions?limit=0", { headers: ops })).status).toBe(400);
  });
});
