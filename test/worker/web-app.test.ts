/**
 * What the web app relies on from the worker: the local-only demo sign-in, a contract precise
 * enough to type the app from (nullable items and reports, real progress and report objects),
 * and a review forecast over two weeks.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyLearnerToken } from "../../src/auth/learner-token";
import { api, fetchWith, json, problem } from "./helpers";

/** The worker as `npm start` runs it (ENVIRONMENT = local), on the test's own bindings. */
const localFetch = (path: string, init: RequestInit = {}) => fetchWith(new Request(`https://app.test${path}`, init), { ENVIRONMENT: "local" });

describe("demo sign-in", () => {
  it("is refused outside the local environment and mints nothing", async () => {
    const res = await api("/v1/demo/session", { method: "POST" });
    expect(res.status).toBe(404);
    expect((await problem(res)).detail).toContain("only on the local stack");
  });

  it("locally gives a fresh learner a working token, in the body only and never cached", async () => {
    const res = await localFetch("/v1/demo/session", { method: "POST" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const session = await json<{ learnerId: string; token: string; expiresAt: number }>(res);
    expect(session.learnerId).toMatch(/^demo-[0-9a-f]{8}$/);
    const check = await verifyLearnerToken(session.token, env.JWT_SECRET);
    expect(check).toEqual({ ok: true, learnerId: session.learnerId, expiresAt: session.expiresAt });
    const other = await json<{ learnerId: string }>(await localFetch("/v1/demo/session", { method: "POST" }));
    expect(other.learnerId).not.toBe(session.learnerId);

    const progress = await localFetch(`/v1/learners/${session.learnerId}/progress`, { headers: { authorization: `Bearer ${session.token}` } });
    expect(progress.status).toBe(200);
    const body = await json<{ reviews: { byDay: unknown[] } }>(progress);
    expect(body.reviews.byDay).toHaveLength(14);
  });
});

describe("the contract the app is typed from", () => {
  it("says null where null comes, and describes progress and reports field by field", async () => {
    const doc = await json<{ components: { schemas: Record<string, { properties?: Record<string, unknown>; anyOf?: unknown[] }> } }>(await api("/openapi.json"));
    const s = doc.components.schemas;
    const orNull = (ref: string) => ({ anyOf: [{ $ref: `#/components/schemas/${ref}` }, { type: "null" }] });
    expect(s.NextItem?.properties?.item).toEqual(orNull("Item"));
    expect(s.NextItem?.properties?.why).toEqual(orNull("Why"));
    expect(s.MockTestNext?.properties?.item).toEqual(orNull("Item"));
    expect(s.MockTestNext?.properties?.report).toMatchObject(orNull("MockTestReport"));
    expect(s.Why?.properties).toHaveProperty("fallbackReason");
    expect(Object.keys(s.Progress?.properties ?? {})).toEqual(expect.arrayContaining(["skills", "readyToLearn", "reviews", "accuracy", "streakDays", "practiceTimeMs"]));
    expect(Object.keys(s.MockTestReport?.properties ?? {})).toEqual(expect.arrayContaining(["score", "skills", "stopReason", "uncalibratedItemIds"]));
    expect(Object.keys(s.MockTest?.properties ?? {})).toEqual(expect.arrayContaining(["testId", "expiresAt", "config"]));
    expect(s.AttemptResult?.anyOf).toEqual([{ $ref: "#/components/schemas/GradedAttempt" }, { $ref: "#/components/schemas/WithheldAttempt" }]);
  });
});
