/**
 * Verified learner tokens cached per isolate (src/auth/token-cache.ts): a hit skips the HMAC
 * check, but never for another secret, never past `exp` or the maximum age, and bounded.
 */
import { describe, expect, it } from "vitest";
import { mintLearnerToken, verifyLearnerToken } from "../../src/auth/learner-token";
import type { TokenCheck } from "../../src/auth/learner-token";
import { VerifiedTokenCache } from "../../src/auth/token-cache";
import { api, tokenFor, uniqueLearner } from "./helpers";

const SECRET_A = "secret-a-that-is-at-least-32-characters-long";
const SECRET_B = "secret-b-that-is-at-least-32-characters-long";

function setup(opts: { maxEntries?: number; maxAgeMs?: number; verify?: (token: string, secret: string) => Promise<TokenCheck> } = {}) {
  let t = Date.now();
  const calls: string[] = [];
  const cache = new VerifiedTokenCache({
    maxEntries: opts.maxEntries ?? 100,
    maxAgeMs: opts.maxAgeMs ?? 300_000,
    now: () => t,
    verify: async (token, secret) => {
      calls.push(token);
      return (opts.verify ?? verifyLearnerToken)(token, secret);
    },
  });
  return { cache, calls, now: () => t, advance: (ms: number) => (t += ms) };
}

describe("VerifiedTokenCache", () => {
  it("verifies a token once and answers repeats from the cache", async () => {
    const { cache, calls } = setup();
    const token = await mintLearnerToken("ada", SECRET_A);
    expect(await cache.verify(token, SECRET_A)).toMatchObject({ ok: true, learnerId: "ada" });
    expect(await cache.verify(token, SECRET_A)).toMatchObject({ ok: true, learnerId: "ada" });
    expect(calls).toHaveLength(1);
    expect(cache.hits).toBe(1);
  });

  it("never lets a verdict made under one secret answer for another", async () => {
    const { cache, calls } = setup();
    const token = await mintLearnerToken("ada", SECRET_A);
    expect((await cache.verify(token, SECRET_A)).ok).toBe(true);
    const other = await cache.verify(token, SECRET_B);
    expect(other.ok).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("does not cache failures", async () => {
    const { cache, calls } = setup();
    const forged = `${(await mintLearnerToken("ada", SECRET_B)).slice(0, -2)}xx`;
    expect((await cache.verify(forged, SECRET_A)).ok).toBe(false);
    expect((await cache.verify(forged, SECRET_A)).ok).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("drops a verdict at the token's exp, whatever the maximum age", async () => {
    let expiresAt = 0;
    let valid = true;
    const { cache, calls, now, advance } = setup({
      maxAgeMs: 3_600_000,
      verify: async () => (valid ? { ok: true, learnerId: "ada", expiresAt } : { ok: false, reason: "exp" }),
    });
    // On the cache's clock: workerd's Date.now() moves between I/O, so a second reading could be later.
    expiresAt = now() + 60_000;
    expect((await cache.verify("t", SECRET_A)).ok).toBe(true);
    advance(59_999);
    expect((await cache.verify("t", SECRET_A)).ok).toBe(true);
    expect(calls).toHaveLength(1);
    valid = false; // the real check would now say "expired"
    advance(1);
    expect((await cache.verify("t", SECRET_A)).ok).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("re-verifies after the maximum age", async () => {
    const { cache, calls, advance } = setup({ maxAgeMs: 1_000 });
    const token = await mintLearnerToken("ada", SECRET_A);
    await cache.verify(token, SECRET_A);
    advance(999);
    await cache.verify(token, SECRET_A);
    advance(1);
    await cache.verify(token, SECRET_A);
    expect(calls).toHaveLength(2);
  });

  it("keeps at most maxEntries tokens, least recently used out first", async () => {
    const { cache, calls } = setup({ maxEntries: 2 });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => mintLearnerToken(id, SECRET_A)));
    for (const t of [a, b, a, c]) await cache.verify(t ?? "", SECRET_A); // b is the oldest when c arrives
    expect(calls).toEqual([a, b, c]);
    await cache.verify(a ?? "", SECRET_A);
    await cache.verify(b ?? "", SECRET_A);
    expect(calls).toEqual([a, b, c, b]);
  });
});

describe("learner routes with the token cache", () => {
  it("still refuses a cached token on another learner's routes", async () => {
    const ada = uniqueLearner("cache-ada");
    const bob = uniqueLearner("cache-bob");
    const token = await tokenFor(ada);
    expect((await api(`/v1/learners/${ada}/progress`, { token })).status).toBe(200);
    expect((await api(`/v1/learners/${ada}/progress`, { token })).status).toBe(200);
    expect((await api(`/v1/learners/${bob}/progress`, { token })).status).toBe(403);
  });
});
