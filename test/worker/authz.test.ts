/**
 * The authorization matrix: every operation in /openapi.json × every kind of credential →
 * the expected status, and a refused request never reaches the learner's Durable Object.
 * A route added without a row in ACCESS fails the first test.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { mintLearnerToken } from "../../src/auth/learner-token";
import { api, fetchWith, json, learnerStub, testEnv, tokenFor, uniqueLearner } from "./helpers";

type Access = "public" | "learner" | "operator";

/** Who may call each operation ("METHOD /path" as in /openapi.json). */
const ACCESS: Record<string, Access> = {
  "GET /healthz": "public",
  "POST /v1/demo/session": "public",
  "GET /v1/items/{id}": "public",
  "GET /v1/skills": "public",
  "GET /v1/search": "public",
  "POST /v1/learners/{id}/next": "learner",
  "POST /v1/learners/{id}/attempts": "learner",
  "GET /v1/learners/{id}/progress": "learner",
  "PUT /v1/learners/{id}/goals": "learner",
  "GET /v1/learners/{id}/data": "learner",
  "DELETE /v1/learners/{id}/data": "learner",
  "POST /v1/learners/{id}/mock-tests": "learner",
  "POST /v1/learners/{id}/mock-tests/{testId}/next": "learner",
  "GET /v1/learners/{id}/mock-tests/{testId}": "learner",
  "GET /metrics": "operator",
  "GET /v1/ops/alerts": "operator",
  "GET /v1/ops/alerts/rules": "operator",
  "POST /v1/ops/bench/ml": "operator",
  "POST /v1/ops/bench/score": "operator",
  "POST /v1/ops/content/publish": "operator",
  "GET /v1/ops/items/{id}/stats": "operator",
  "GET /v1/ops/writers": "operator",
  "POST /v1/ops/learners/mark-known": "operator",
  "GET /v1/ops/calibration": "operator",
  "GET /v1/ops/calibration/versions": "operator",
  "POST /v1/ops/calibration/run": "operator",
};

type Credential = "none" | "malformed" | "badSignature" | "expired" | "otherLearner" | "rightLearner" | "operator";
const CREDENTIALS: Credential[] = ["none", "malformed", "badSignature", "expired", "otherLearner", "rightLearner", "operator"];

/** The status each credential must get; "allowed" means answered (not 401/403, never 5xx). */
const EXPECTED: Record<Access, Record<Credential, number | "allowed">> = {
  public: { none: "allowed", malformed: "allowed", badSignature: "allowed", expired: "allowed", otherLearner: "allowed", rightLearner: "allowed", operator: "allowed" },
  learner: { none: 401, malformed: 401, badSignature: 401, expired: 401, otherLearner: 403, rightLearner: "allowed", operator: 401 },
  operator: { none: 401, malformed: 403, badSignature: 403, expired: 403, otherLearner: 403, rightLearner: 403, operator: "allowed" },
};

interface OpenApi {
  paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
}

async function operations(): Promise<Array<{ key: string; method: string; path: string; documented: Access }>> {
  const doc = await json<OpenApi>(await api("/openapi.json"));
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const documented: Access = schemes.includes("learnerToken") ? "learner" : schemes.includes("operatorToken") ? "operator" : "public";
      return { key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, documented };
    }),
  );
}

const readOnlyKv = {
  get: (key: string, options?: KVNamespaceGetOptions<"json">) => env.CONTENT.get(key, { type: "json", ...options }),
  list: (options?: KVNamespaceListOptions) => env.CONTENT.list(options),
  put: () => Promise.reject(new Error("read-only KV")),
  delete: () => Promise.reject(new Error("read-only KV")),
};

describe("authorization matrix", () => {
  it("has a row for every operation in /openapi.json, matching its documented security", async () => {
    const ops = await operations();
    expect(ops.map((o) => o.key).sort()).toEqual(Object.keys(ACCESS).sort());
    for (const o of ops) expect(o.documented, o.key).toBe(ACCESS[o.key]);
  });

  it("answers every operation × credential as expected, and refused requests never reach the learner's object", async () => {
    const target = uniqueLearner("target");
    const secret = env.JWT_SECRET;
    const bearer: Record<Credential, string | null> = {
      none: null,
      malformed: "Bearer not-a-token",
      badSignature: `Bearer ${await mintLearnerToken(target, "another-secret-that-is-at-least-32-chars")}`,
      expired: `Bearer ${await mintLearnerToken(target, secret, { now: Date.now() - 3_600_000, ttlSeconds: 60 })}`,
      otherLearner: `Bearer ${await tokenFor(uniqueLearner("other"))}`,
      rightLearner: `Bearer ${await tokenFor(target)}`,
      operator: `Bearer ${testEnv.OPS_TOKEN}`,
    };
    const ops = await operations();
    const call = (o: { method: string; path: string }, credential: Credential) => {
      const path = o.path.replace("{id}", o.path.startsWith("/v1/learners/") ? target : "no-such-item").replace("{testId}", crypto.randomUUID());
      const headers: Record<string, string> = bearer[credential] ? { authorization: bearer[credential] } : {};
      // Cheap, valid-looking inputs: the matrix is about who gets in, not what they send.
      const query = "?q=fraction&limit=1&reps=0&candidates=1";
      const body = o.method === "GET" ? undefined : { mode: "practice", skillIds: [], clientAttemptId: "authz-1", itemId: "no-such-item", response: 0, responseMs: 1 };
      if (credential !== "operator") return api(`${path}${query}`, { method: o.method, headers, ...(body ? { json: body } : {}) });
      // Let in, publishing would copy the whole bank to KV (a minute on a busy machine): a KV
      // that refuses writes makes it fail fast with a 503, which still shows it got past auth.
      return fetchWith(new Request(`https://api.test${path}${query}`, { method: o.method, headers: { ...headers, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) }), {
        CONTENT: readOnlyKv,
      });
    };
    const check = async (credential: Credential) => {
      for (const o of ops) {
        const access = ACCESS[o.key] ?? "public";
        const res = await call(o, credential);
        const expected = EXPECTED[access][credential];
        const label = `${o.key} with ${credential}: ${res.status} ${await res.clone().text()}`;
        if (expected === "allowed") {
          expect(res.status, label).not.toBe(401);
          expect(res.status, label).not.toBe(403);
          // Operator writes into the read-only KV fail as a dependency would (see `call`): a 503,
          // never a bug.
          if (credential === "operator" && res.status === 503) expect(o.method, label).toBe("POST");
          else expect(res.status, label).toBeLessThan(500);
        } else {
          expect(res.status, label).toBe(expected);
          expect(res.headers.get("content-type"), label).toContain("application/problem+json");
        }
      }
    };
    for (const credential of CREDENTIALS.filter((c) => c !== "rightLearner")) await check(credential);
    // Nothing refused reached the target's object: it has never been asked to be this learner.
    const touched = await runInDurableObject(learnerStub(target), (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'").one().n === 0
        ? 0
        : state.storage.sql.exec("SELECT count(*) AS n FROM meta WHERE key IN ('learner_id', 'hydrated')").one().n,
    );
    expect(touched).toBe(0);
    await check("rightLearner");
  });
});
