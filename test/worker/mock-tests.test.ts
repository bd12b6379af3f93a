import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import type { LearnerDO } from "../../workers/learner/learner-do";
import type { AttemptResult, MockNextResult } from "../../workers/learner/types";
import { api, drainOutbox, json, problem, testEnv, tokenFor, uniqueLearner } from "./helpers";
import { fullItem, rightResponse, wrongResponse } from "./learner-support";

interface Report {
  status: string;
  theta: number;
  se: number;
  score: { value: number; low: number; high: number };
  itemsAnswered: number;
  stopReason: string | null;
  skills: Array<{ skillId: string; items: number }>;
  defaultsUsed: number;
  parameterNote: string;
}

async function client(label: string) {
  const id = uniqueLearner(label);
  const token = await tokenFor(id);
  const call = (path: string, init: { method?: string; json?: unknown } = {}) => api(`/v1/learners/${id}${path}`, { ...init, token });
  return { id, call };
}

/** A simulated examinee: right on items below their level. */
async function answer(
  call: (p: string, i?: { method?: string; json?: unknown }) => Promise<Response>,
  itemId: string,
  n: number,
  level: number,
  next?: "practice",
): Promise<AttemptResult & { next?: unknown }> {
  const item = await fullItem(itemId);
  const body = { clientAttemptId: `m-${n}`, itemId, response: item.difficulty < level ? rightResponse(item) : wrongResponse(item), responseMs: 20_000 };
  const res = await call("/attempts", { method: "POST", json: next ? { ...body, next } : body });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<AttemptResult & { next?: unknown }>(res);
}

describe("adaptive mock tests", () => {
  it("runs a strand test to a precise estimate, without repeats, and stores the report", async () => {
    const { id, call } = await client("mock");
    const start = await call("/mock-tests", { method: "POST", json: { course: "fractions", maxItems: 30 } });
    expect(start.status).toBe(201);
    const test = await json<{ testId: string; blueprint: Array<{ stratum: string; target: number }> }>(start);
    expect(test.blueprint.every((b) => b.stratum.startsWith("fractions."))).toBe(true);
    expect((await call("/mock-tests", { method: "POST", json: {} })).status).toBe(409);
    // A request wrong in itself is a 400 whatever is running (a 409 would tell the client to
    // wait for a test that, once over, would still not make the request valid).
    const unknownWhileRunning = await call("/mock-tests", { method: "POST", json: { course: "astrology" } });
    expect(unknownWhileRunning.status).toBe(400);
    expect((await problem(unknownWhileRunning)).detail).toContain("unknown course");

    const seen = new Set<string>();
    let last: MockNextResult | null = null;
    for (let n = 0; n < 40; n++) {
      const res = await call(`/mock-tests/${test.testId}/next`, { method: "POST" });
      expect(res.status).toBe(200);
      last = await json<MockNextResult>(res);
      if (last.done) break;
      const itemId = last.item?.id ?? "";
      expect(seen.has(itemId), `repeated ${itemId}`).toBe(false);
      seen.add(itemId);
      // Asking again before answering gives the same item.
      const again = await json<MockNextResult>(await call(`/mock-tests/${test.testId}/next`, { method: "POST" }));
      expect(again.item?.id).toBe(itemId);
      // Every other answer asks for the next practice item too: a test's item gets none (the test picks its own).
      const result = await answer(call, itemId, n, 0.3, n % 2 === 0 ? "practice" : undefined);
      expect(result.mockTest?.testId).toBe(test.testId);
      if (n % 2 === 0) expect(result.next).toBeNull();
      else expect(result).not.toHaveProperty("next");
      // Answers teach the knowledge model too; the learner sees it when the test has ended.
      if (!result.withheld) expect(result.mastery.length).toBeGreaterThan(0);
    }
    expect(last?.done).toBe(true);
    const report = last?.report as unknown as Report;
    expect(["se_target", "max_items"]).toContain(report.stopReason);
    if (report.stopReason === "se_target") expect(report.se).toBeLessThanOrEqual(0.3);
    expect(report.itemsAnswered).toBe(seen.size);
    expect(report.skills.reduce((a, s) => a + s.items, 0)).toBe(seen.size);
    expect(report.score.low).toBeLessThanOrEqual(report.score.value);
    expect(report.score.value).toBeLessThanOrEqual(report.score.high);
    expect(report.defaultsUsed).toBe(seen.size); // the demo bank is uncalibrated: all defaulted, and said so
    expect(report.parameterNote).toContain("a = 1");
    const fetched = await json<Report>(await call(`/mock-tests/${test.testId}`));
    expect(fetched.status).toBe("finished");
    expect(fetched.theta).toBeCloseTo(report.theta, 10);

    // The report and the answers reach Postgres through the outbox and the writer.
    await drainOutbox(id);
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    try {
      const reports = await db.read.execute<{ n: string }>(`SELECT count(*)::text AS n FROM mock_test_reports WHERE learner_id = '${id}'`);
      expect(reports.rows[0]?.n).toBe("1");
      const answers = await db.read.execute<{ n: string }>(`SELECT count(*)::text AS n FROM attempts WHERE learner_id = '${id}' AND mock_test_id = '${test.testId}'`);
      expect(answers.rows[0]?.n).toBe(String(seen.size));
    } finally {
      await db.end();
    }
  });

  it("reveals nothing about the answers until the test ends, then everything", async () => {
    const { call } = await client("mock-secret");
    const test = await json<{ testId: string }>(await call("/mock-tests", { method: "POST", json: { course: "fractions", maxItems: 3, seTarget: 0.1 } }));
    const answered: Array<{ itemId: string; clientAttemptId: string; response: unknown; responseMs: number }> = [];
    let final: AttemptResult | null = null;
    for (let n = 0; n < 3; n++) {
      const next = await json<MockNextResult>(await call(`/mock-tests/${test.testId}/next`, { method: "POST" }));
      expect(next.done).toBe(false);
      expect([next.theta, next.se]).toEqual([null, null]); // the estimate would move with each answer
      const itemId = next.item?.id ?? "";
      const item = await fullItem(itemId);
      const body = { clientAttemptId: `s-${n}`, itemId, response: rightResponse(item), responseMs: 5_000 };
      const res = await call("/attempts", { method: "POST", json: body });
      expect(res.status).toBe(200);
      const text = await res.text();
      answered.push(body);
      if (n < 2) {
        const shown = JSON.parse(text) as Record<string, unknown>;
        expect(shown.withheld).toBe(true);
        for (const key of ["correct", "correctAnswer", "explanation", "mastery", "nextReviewAt"]) expect(shown, key).not.toHaveProperty(key);
        expect(shown.mockTest).toEqual({ testId: test.testId, answered: n + 1, done: false });
        expect(text).not.toContain(item.explanation);
        // A retry is as silent as the first answer.
        const again = (await json<Record<string, unknown>>(await call("/attempts", { method: "POST", json: body })));
        expect(again).toMatchObject({ withheld: true, replayed: true });
        expect(again).not.toHaveProperty("correct");
        // No interim report either: its score and counts would give the answers away.
        const interim = await call(`/mock-tests/${test.testId}`);
        expect(interim.status).toBe(409);
        expect((await problem(interim)).detail).toContain("still running");
      } else {
        final = JSON.parse(text) as AttemptResult;
      }
    }
    // The answer that ends the test is graded, and so is every earlier one now.
    expect(final?.withheld).toBe(false);
    if (final?.withheld === false) expect(final.mockTest?.done).toBe(true);
    const first = answered[0];
    // A retry resends the same body (another body under the same id would be a 409).
    const replay = await json<AttemptResult>(await call("/attempts", { method: "POST", json: first }));
    expect(replay.withheld).toBe(false);
    if (!replay.withheld) {
      expect(replay.correct).toBe(true);
      expect(replay.explanation).toBe((await fullItem(first?.itemId ?? "")).explanation);
    }
    const report = await json<Report & { uncalibratedItemIds: string[] }>(await call(`/mock-tests/${test.testId}`));
    expect(report.status).toBe("finished");
    expect(report.uncalibratedItemIds).toEqual(answered.map((a) => a.itemId));
  });

  it("stops on the time limit, and expires an abandoned test by alarm", async () => {
    const { id, call } = await client("mock-time");
    const stub = env.LEARNER.get(env.LEARNER.idFromName(id));
    let now = Date.UTC(2026, 2, 1, 10);
    await runInDurableObject(stub, (instance: LearnerDO) => {
      instance.clock = () => now;
    });
    const test = await json<{ testId: string }>(await call("/mock-tests", { method: "POST", json: { course: "all", timeLimitMinutes: 1 } }));
    const first = await json<MockNextResult>(await call(`/mock-tests/${test.testId}/next`, { method: "POST" }));
    expect(first.done).toBe(false);
    await answer(call, first.item?.id ?? "", 0, 0);
    now += 2 * 60_000;
    const late = await json<MockNextResult>(await call(`/mock-tests/${test.testId}/next`, { method: "POST" }));
    expect(late.done).toBe(true);
    expect((late.report as unknown as Report).stopReason).toBe("time_limit");

    const abandoned = await json<{ testId: string }>(await call("/mock-tests", { method: "POST", json: { course: "decimals", timeLimitMinutes: 1 } }));
    now += 5 * 60_000;
    await runDurableObjectAlarm(stub);
    const report = await json<Report>(await call(`/mock-tests/${abandoned.testId}`));
    expect(report.status).toBe("finished");
  });

  it("refuses bad requests with problem+json", async () => {
    const { call } = await client("mock-bad");
    const unknown = await call("/mock-tests", { method: "POST", json: { course: "astrology" } });
    expect(unknown.status).toBe(400);
    expect((await problem(unknown)).detail).toContain("unknown course");
    const badSkill = await call("/mock-tests", { method: "POST", json: { blueprint: [{ skillId: "no.such-skill", target: 1 }] } });
    expect(badSkill.status).toBe(400);
    expect((await call("/mock-tests/not-a-uuid/next", { method: "POST" })).status).toBe(400);
    expect((await call(`/mock-tests/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
