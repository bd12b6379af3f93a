import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import type { MockNextResult } from "../../workers/learner/types";
import { api, drainOutbox, json, parsed, testEnv, tokenFor, uniqueLearner, writerStub } from "./helpers";
import { fullItem, rightResponse, wrongResponse } from "./learner-support";

type LearnerObject = ReturnType<typeof env.LEARNER.get>;

/** This test's report rows in Postgres (the system of record). */
async function reportRows(testId: string): Promise<Array<{ stop_reason: string; items_answered: number; course: string }>> {
  const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
  try {
    const res = await db.read.execute<{ stop_reason: string; items_answered: number; course: string }>(
      `SELECT stop_reason, items_answered, course FROM mock_test_reports WHERE id = '${testId}'`,
    );
    return res.rows;
  } finally {
    await db.end();
  }
}

/** A rebuilt object's outbox all the way to Postgres (the object is not addressed by name, so drainOutbox cannot reach it). */
async function flushToPostgres(object: LearnerObject, learnerId: string): Promise<void> {
  for (let i = 0; i < 10 && (await runDurableObjectAlarm(object)); i++);
  const writer = writerStub(learnerId);
  for (let i = 0; i < 10 && (await runDurableObjectAlarm(writer)); i++);
}

describe("a mock test running when the learner's object is rebuilt from Postgres", () => {
  it("is finalised as interrupted, with its reason and every answer Postgres holds, and reported exactly once", async () => {
    const id = uniqueLearner("mock-rebuild");
    const token = await tokenFor(id);
    const call = (path: string, init: { method?: string; json?: unknown } = {}) => api(`/v1/learners/${id}${path}`, { ...init, token });
    const started = await call("/mock-tests", { method: "POST", json: { course: "fractions", maxItems: 20 } });
    expect(started.status).toBe(201);
    const { testId } = await json<{ testId: string }>(started);
    const answered: string[] = [];
    for (let n = 0; n < 3; n++) {
      const next = await json<MockNextResult>(await call(`/mock-tests/${testId}/next`, { method: "POST" }));
      expect(next.done).toBe(false);
      const item = await fullItem(next.item?.id ?? "");
      const res = await call("/attempts", { method: "POST", json: { clientAttemptId: `r-${n}`, itemId: item.id, response: n === 1 ? wrongResponse(item) : rightResponse(item), responseMs: 9_000 } });
      expect(res.status).toBe(200);
      answered.push(item.id);
    }
    // The answers reach Postgres; the test is still running, so no report does.
    await drainOutbox(id);
    expect(await reportRows(testId)).toEqual([]);

    // The learner's storage is lost: a fresh object for the same learner rebuilds from Postgres.
    const fresh = env.LEARNER.get(env.LEARNER.newUniqueId());
    const report = await fresh.mockReport(id, testId);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    if (!report.ok) return;
    expect(report.value.status).toBe("finished");
    expect(report.value.stopReason).toBe("interrupted");
    expect(report.value.stopNote).toContain("rebuilt");
    expect(report.value.stopNote).toContain("3 items answered");
    expect(report.value.itemsAnswered).toBe(3);
    expect(report.value.correct).toBe(2);
    expect(report.value.skills.reduce((a, s) => a + s.items, 0)).toBe(3);
    expect(report.value.uncalibratedItemIds).toEqual(answered); // the demo bank is uncalibrated
    const next = parsed(await fresh.mockNext(id, testId));
    expect(next.ok && next.value).toMatchObject({ done: true, answered: 3, item: null });
    // Nothing left running: a new test can start.
    const another = await fresh.startMockTest(id, { course: "fractions" });
    expect(another.ok).toBe(true);

    // Its report reaches Postgres, once.
    await flushToPostgres(fresh, id);
    expect(await reportRows(testId)).toEqual([{ stop_reason: "interrupted", items_answered: 3, course: "unknown" }]);

    // Rebuilt again (the report is in Postgres now): the same finished test, still no second row.
    const again = env.LEARNER.get(env.LEARNER.newUniqueId());
    const restored = await again.mockReport(id, testId);
    expect(restored.ok && restored.value).toMatchObject({ status: "finished", stopReason: "interrupted", itemsAnswered: 3, theta: report.value.theta, stopNote: report.value.stopNote });
    await flushToPostgres(again, id);
    expect(await reportRows(testId)).toHaveLength(1);
  });
});
