import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintLearnerToken } from "../../src/auth/learner-token";
import { api, problem, tokenFor, uniqueLearner } from "./helpers";

describe("only the learner reaches their own state", () => {
  const learner = uniqueLearner("sec");

  async function objectExists(name: string): Promise<boolean> {
    const id = env.LEARNER.idFromName(name);
    const ids = await listDurableObjectIds(env.LEARNER);
    return ids.some((i) => i.equals(id));
  }

  it("401 without a token, with a challenge", async () => {
    const res = await api(`/v1/learners/${learner}/next`, { method: "POST", json: { mode: "practice" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    await problem(res);
  });

  it("401 for garbage, a wrong signature, or an expired token", async () => {
    const wrongKey = await mintLearnerToken(learner, "another-secret-that-is-at-least-32-characters");
    const expired = await mintLearnerToken(learner, env.JWT_SECRET, { ttlSeconds: 60, now: Date.now() - 3_600_000 });
    for (const token of ["not-a-jwt", wrongKey, expired]) {
      const res = await api(`/v1/learners/${learner}/progress`, { token });
      expect(res.status).toBe(401);
      await problem(res);
    }
  });

  it("403 for another learner's token", async () => {
    const res = await api(`/v1/learners/${learner}/progress`, { token: await tokenFor("someone-else") });
    expect(res.status).toBe(403);
    expect((await problem(res)).detail).toContain("another learner");
  });

  it("never reaches the Durable Object when refused", async () => {
    expect(await objectExists(learner)).toBe(false);
  });

  it("validates the learner id in the path", async () => {
    const res = await api(`/v1/learners/${"x".repeat(65)}/progress`, { token: await tokenFor("x".repeat(65)) });
    expect(res.status).toBe(400);
  });
});
