/**
 * Data rights: a learner exports everything the platform holds about them, and deletes it —
 * object storage, Postgres rows and writes still queued — with an audit row for each request.
 */
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import { countLearnerAttempts } from "../../src/db/learners";
import { dataRequests, learners } from "../../src/db/schema";
import type { LearnerDO } from "../../workers/learner/learner-do";
import { knownLearnerKey } from "../../workers/learner/outbox";
import { api, drainOutbox, json, learnerStub, testEnv, tokenFor, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

async function withDb<T>(work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

describe("data rights", () => {
  it("exports everything, then deletes it everywhere, each with an audit row", async () => {
    const learner = await LearnerClient.create(uniqueLearner("rights"));
    const token = await tokenFor(learner.id);
    for (let i = 0; i < 5; i++) await learner.answer((await learner.next()).item?.id ?? "", i % 2 === 0);
    await drainOutbox(learner.id);
    expect(await withDb((db) => countLearnerAttempts(db.read, learner.id))).toBe(5);

    const exported = await api(`/v1/learners/${learner.id}/data`, { token });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toContain("attachment");
    const body = await json<{ learnerId: string; attempts: Array<{ client_attempt_id: string; result: { correct: boolean } }>; skillStates: unknown[]; progress: { attempts: number } }>(exported);
    expect(body.learnerId).toBe(learner.id);
    expect(body.attempts).toHaveLength(5);
    expect(body.attempts[0]?.result.correct).toBe(true);
    expect(body.skillStates.length).toBeGreaterThan(0);
    expect(body.progress.attempts).toBe(5);

    // Two more attempts still waiting in the learner's outbox when the deletion arrives.
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => {
      instance.flushDelayMs = 3_600_000;
    });
    for (let i = 0; i < 2; i++) await learner.answer((await learner.next()).item?.id ?? "", true);

    const deleted = await api(`/v1/learners/${learner.id}/data`, { method: "DELETE", token, headers: { "x-request-id": `delete-${learner.id}` } });
    expect(deleted.status, await deleted.clone().text()).toBe(200);
    // The two waiting attempts count as queued writes dropped.
    expect(await json(deleted)).toEqual({ deleted: { attempts: 5, skillStates: expect.any(Number), mockTestReports: 0, queued: 2 }, requestId: `delete-${learner.id}` });

    // Gone everywhere, and nothing comes back when alarms run.
    await drainOutbox(learner.id);
    expect(await withDb((db) => countLearnerAttempts(db.read, learner.id))).toBe(0);
    expect(await withDb((db) => db.read.select().from(learners).where(eq(learners.id, learner.id)))).toEqual([]);
    expect(await testEnv.CONTENT.get(knownLearnerKey(learner.id))).toBeNull();
    expect((await learner.progress()).attempts).toBe(0);
    const audit = await withDb((db) => db.read.select({ kind: dataRequests.kind, requestId: dataRequests.requestId }).from(dataRequests).where(eq(dataRequests.learnerId, learner.id)));
    expect(audit.map((a) => a.kind).sort()).toEqual(["delete", "export"]);
    expect(audit.find((a) => a.kind === "delete")?.requestId).toBe(`delete-${learner.id}`);
  });

  it("lets nobody else export or delete a learner's data", async () => {
    const victim = uniqueLearner("victim");
    const other = await tokenFor(uniqueLearner("other"));
    expect((await api(`/v1/learners/${victim}/data`, { token: other })).status).toBe(403);
    expect((await api(`/v1/learners/${victim}/data`, { method: "DELETE", token: other })).status).toBe(403);
    expect((await api(`/v1/learners/${victim}/data`, { method: "DELETE" })).status).toBe(401);
  });
});
