/**
 * Floods are contained: rate limits per client address (every route) and per learner (after
 * the token is verified), 429 problem+json with Retry-After; and ids or queries anyone can make
 * up never add keys to KV.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, fetchWith, problem, tokenFor, uniqueLearner } from "./helpers";

/** One request through the API with rate limits enforced (they are off in the test config). */
const limited = (path: string, init: RequestInit = {}) => fetchWith(new Request(`https://api.test${path}`, init), { RATE_LIMITS: "enforce" });

async function kvKeys(prefix: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await env.CONTENT.list({ prefix, ...(cursor ? { cursor } : {}) });
    n += page.keys.length;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return n;
}

describe("abuse limits", () => {
  it("refuses an address over its limit with 429 and Retry-After, and not other addresses", async () => {
    const address = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const headers = { "cf-connecting-ip": address };
    const statuses: number[] = [];
    for (let i = 0; i < 600; i++) statuses.push((await limited("/healthz", { headers })).status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const over = await limited("/healthz", { headers });
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("60");
    expect((await problem(over)).type).toBe("/problems/rate_limited");
    expect((await limited("/healthz", { headers: { "cf-connecting-ip": "198.51.100.7" } })).status).toBe(200);
  });

  it("limits a learner once their token is verified; requests without it spend nothing", async () => {
    const learner = uniqueLearner("flood");
    // Strangers hammering the learner's routes are refused (401) without touching its allowance.
    for (let i = 0; i < 150; i++) {
      const res = await limited(`/v1/learners/${learner}/progress`, { headers: { "cf-connecting-ip": `192.0.2.${i % 250}` } });
      expect(res.status).toBe(401);
    }
    const headers = { authorization: `Bearer ${await tokenFor(learner)}`, "cf-connecting-ip": "192.0.2.1" };
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await limited(`/v1/learners/${learner}/progress`, { headers })).status);
    expect(statuses.slice(0, 120).filter((s) => s !== 200)).toEqual([]);
    expect(statuses[120]).toBe(429);
  });

  it("never writes KV entries for unknown item ids or search queries", async () => {
    const items = await kvKeys("item:v1:");
    const searches = await kvKeys("search:");
    for (let i = 0; i < 25; i++) {
      expect((await api(`/v1/items/no-such-item-${uniqueLearner("x")}`)).status).toBe(404);
      expect((await api(`/v1/search?q=${uniqueLearner("zq")}`)).status).toBe(200);
    }
    expect((await api("/v1/search?q=fraction")).status).toBe(200);
    expect(await kvKeys("item:v1:")).toBe(items);
    expect(await kvKeys("search:")).toBe(searches);
  });

  it("refuses control characters in search with 400, not a database error", async () => {
    const res = await api("/v1/search?q=a%00b");
    expect(res.status).toBe(400);
    expect((await problem(res)).invalidParams?.[0]?.name).toBe("q");
  });
});

describe("HTTP hygiene", () => {
  it("sets nosniff and the other security headers on answers and problems alike", async () => {
    for (const res of [await api("/v1/skills"), await api("/v1/items/bad%20id!"), await api("/healthz")]) {
      expect(res.headers.get("x-content-type-options"), res.url).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("serves the dashboard under a CSP without 'unsafe-inline' whose hashes allow its own blocks", async () => {
    const res = await api("/ops/dashboard");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/\sstyle="/);
    const hash = async (text: string) => {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
      return btoa(String.fromCharCode(...digest));
    };
    expect(csp).toContain(`script-src 'sha256-${await hash(/<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "")}'`);
    expect(csp).toContain(`style-src 'sha256-${await hash(/<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "")}'`);
  });

  it("answers a wrong method on a known path with 405 and Allow", async () => {
    const res = await api("/v1/skills", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect((await problem(res)).type).toBe("/problems/method_not_allowed");
    const item = await api("/v1/items/some-item", { method: "POST" });
    expect(item.status).toBe(405);
    expect(item.headers.get("allow")).toBe("GET, HEAD");
    expect((await api("/v1/nothing-here", { method: "DELETE" })).status).toBe(404);
  });

  it("answers preflights before authentication, allowing only configured origins", async () => {
    const preflight = (origin: string) => ({
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    const foreign = await api("/v1/learners/someone/next", preflight("https://evil.example"));
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await fetchWith(new Request("https://api.test/v1/learners/someone/next", preflight("https://app.example")), { CORS_ORIGINS: "https://app.example" });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("gives an allowed origin's request the CORS headers, and varies every answer on Origin", async () => {
    const cors = { CORS_ORIGINS: "https://app.example" };
    const from = (origin?: string) => fetchWith(new Request("https://api.test/v1/skills", origin ? { headers: { origin } } : {}), cors);
    const allowed = await from("https://app.example");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("etag");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const foreign = await from("https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("vary")).toContain("Origin");
    // No Origin (same-origin GETs, servers): no CORS headers, but a cache must not reuse this
    // answer for a cross-origin request, which needs its own.
    const plain = await from();
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("access-control-expose-headers")).toBeNull();
    expect(plain.headers.get("vary")).toContain("Origin");
    expect(plain.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
