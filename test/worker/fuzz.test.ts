/**
 * Hostile input, generated from the contract: for every operation in /openapi.json, fast-check
 * builds requests with wrong types, missing and extra fields, huge and deeply nested bodies,
 * odd unicode, traversal in ids, wrong content types and duplicated headers. Every answer must
 * be a 2xx/3xx for a public read or a 4xx problem+json with a request id — never a 5xx — and
 * the learner whose token signs them must end exactly as it started.
 *
 * Every response of the operation it was sent to (the path still matches the operation's
 * template) must also be what /openapi.json says that operation answers: a documented status,
 * a documented content type and a body that validates against its schema (./openapi-validate.ts).
 *
 * FUZZ_RUNS sets the case count (10,000 by default, spread over the operations); the seed is
 * fixed so a failure reproduces (FUZZ_SEED to explore others).
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { api, fetchWith, json, tokenFor, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";
import { checkResponse } from "./openapi-validate";
import type { OpenApiDoc } from "./openapi-validate";

const fuzzEnv = env as typeof env & { FUZZ_RUNS?: string; FUZZ_SEED?: string };
const RUNS = Number(fuzzEnv.FUZZ_RUNS ?? 10_000);
const SEED = Number(fuzzEnv.FUZZ_SEED ?? 20_261_202);

interface Operation {
  method: string;
  path: string;
  access: "public" | "learner" | "operator";
}

async function operations(): Promise<Operation[]> {
  const doc = await json<{ paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>> }>(await api("/openapi.json"));
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      return { method: method.toUpperCase(), path, access: schemes.includes("learnerToken") ? "learner" : schemes.includes("operatorToken") ? "operator" : "public" } as Operation;
    }),
  );
}

const oddStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("../../etc/passwd", "..%2f..%2f", "%00", "\u0000", "a\u0000b", "\u202e\u0301", "😀".repeat(30), "' OR 1=1 --", "<script>", "a".repeat(5000), "", " ", "NaN", "-1", "1e309"),
);

/** A JSON value that is anything but a valid body: scalars, deep nesting, big arrays, odd keys. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 4 }),
  fc.constant(JSON.parse("[".repeat(200) + "]".repeat(200))),
  fc.array(fc.integer(), { minLength: 500, maxLength: 2000 }),
  fc.dictionary(oddStrings, fc.anything({ maxDepth: 2 }), { maxKeys: 8 }),
);

/** Valid bodies, each broken in at least one way (wrong type, missing field, extra field). */
const brokenBody = fc.oneof(
  fc.record({ mode: fc.oneof(fc.integer(), oddStrings, fc.constant(null)) }),
  fc.record({ mode: fc.constant("practice"), extra: fc.anything({ maxDepth: 2 }).filter((v) => v !== undefined) }),
  fc.record({ clientAttemptId: oddStrings, itemId: oddStrings, response: fc.anything({ maxDepth: 2 }), responseMs: fc.oneof(fc.double(), oddStrings) }),
  fc.record({ clientAttemptId: fc.constant("ok-1"), itemId: oddStrings, responseMs: fc.constant(10) }),
  fc.record({ skillIds: fc.oneof(fc.array(oddStrings, { minLength: 1, maxLength: 300 }), oddStrings, fc.integer()) }),
  fc.record({ course: oddStrings, strand: oddStrings, maxItems: fc.oneof(fc.integer(), oddStrings) }),
  hostileValue,
);

const bodyText = fc.oneof(
  // `{}` is a valid body (a mock test with every default): not hostile.
  brokenBody.map((b) => JSON.stringify(b) ?? "null").filter((t) => t !== "{}"),
  oddStrings,
  fc.constant('{"mode": "practice"'),
  fc.constant("x".repeat(20_000)),
);

const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", null);

const queryString = fc.oneof(
  fc
    .dictionary(fc.constantFrom("q", "limit", "offset", "skill", "mode", "utcOffsetMinutes", "reps", "candidates", "after", "format", "window", "x"), oddStrings, { maxKeys: 4 })
    .map((q) => new URLSearchParams(q).toString()),
  // A query that passes the shape checks (a letter, then anything): what reaches the database.
  fc.record({ q: oddStrings.map((v) => `a${v}`.slice(0, 200)) }).map((q) => new URLSearchParams(q).toString()),
);

function fillPath(template: string, id: string, testId: string): string {
  return template.replace("{id}", id).replace("{testId}", testId);
}

describe("hostile input from the contract", () => {
  it(`answers ${RUNS} generated requests with 4xx problem+json (or a public read), never 5xx, and changes no learner`, async () => {
    const learner = await LearnerClient.create(uniqueLearner("fuzz"));
    await learner.answer((await learner.next()).item?.id ?? "", true);
    const before = await learner.progress();
    const token = await tokenFor(learner.id);
    // Deleting one's own data needs no body: a valid request whatever is sent (data-rights.test.ts covers it).
    const ops = (await operations()).filter((o) => o.method !== "DELETE");
    const statuses = new Map<number, number>();
    const doc = await json<OpenApiDoc>(await api("/openapi.json"));
    const templates = new Map(ops.map((o) => [o.path, new RegExp(`^${o.path.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`)]));
    /** Contract violations seen, each with its first request. */
    const violations = new Map<string, string>();

    const request = fc.record({
      op: fc.constantFrom(...ops),
      id: fc.oneof({ weight: 3, arbitrary: fc.constant(learner.id) }, { weight: 2, arbitrary: oddStrings.map(encodeURIComponent) }, { weight: 1, arbitrary: oddStrings }),
      testId: fc.oneof(fc.uuid(), oddStrings.map(encodeURIComponent)),
      query: queryString,
      body: bodyText,
      contentType,
      auth: fc.constantFrom("right", "right", "right", "none", "garbage", "duplicated"),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers = new Headers();
        if (r.contentType) headers.set("content-type", r.contentType);
        if (r.auth === "right") headers.set("authorization", `Bearer ${token}`);
        if (r.auth === "garbage") headers.set("authorization", "Bearer ..%2f\t%00");
        if (r.auth === "duplicated") {
          headers.append("authorization", `Bearer ${token}`);
          headers.append("authorization", `Bearer ${token}`);
        }
        let path = fillPath(r.op.path, r.id, r.testId);
        if (!path.startsWith("/")) path = `/${path}`;
        let url: URL;
        try {
          url = new URL(`https://api.test${path}?${r.query}`);
        } catch {
          return; // not a URL a client could send
        }
        const hasBody = r.op.method !== "GET" && r.op.method !== "HEAD";
        const res = await fetchWith(new Request(url, { method: r.op.method, headers, ...(hasBody ? { body: r.body } : {}) }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const label = `${r.op.method} ${url.pathname}${url.search} → ${res.status}`;
        expect(res.status, label).toBeLessThan(500);
        const type = res.headers.get("content-type");
        const body: unknown = type?.includes("json") ? await res.json() : (await res.body?.cancel(), undefined);
        if (res.status >= 400) {
          expect(type, label).toContain("application/problem+json");
          const problem = body as { status: number; requestId: string };
          expect(problem.status, label).toBe(res.status);
          expect(problem.requestId, label).toBe(res.headers.get("x-request-id"));
        } else {
          // Only reads may succeed: every generated write is broken in some way.
          expect(r.op.method === "GET" || r.op.access === "operator", label).toBe(true);
        }
        // The answer of this operation (not of another path a hostile id turned it into) is in the contract.
        if (templates.get(r.op.path)?.test(url.pathname)) {
          for (const v of checkResponse(doc, r.op.method, r.op.path, res.status, type, body)) if (!violations.has(v)) violations.set(v, label);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );

    expect([...violations].map(([v, first]) => `${v}   (first: ${first})`).slice(0, 30)).toEqual([]);
    // The outbox may have been handed to Postgres meanwhile; everything the learner owns is equal.
    const after = await learner.progress();
    expect({ ...after, outbox: null }).toEqual({ ...before, outbox: null });
    console.log(`fuzz: ${RUNS} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  }, 600_000);
});
