import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { contentKeys } from "../../workers/api/routes/content";
import { api, json, testEnv } from "./helpers";

interface SearchBody {
  query: string;
  total: number;
  results: Array<{ id: string; prompt: string; rank: number; skillIds: string[] }>;
  next: string | null;
}

describe("content delivery", () => {
  it("answers /healthz", async () => {
    const res = await api("/healthz");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "ok", environment: "test" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("publishes what the content routes serve to KV, so they need no Postgres afterwards", async () => {
    const published = await api("/v1/ops/content/publish", { method: "POST", headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } });
    expect(published.status).toBe(200);
    const body = await json<{ skills: number; items: number }>(published);
    const graph = await env.CONTENT.get<{ body: string }>(contentKeys.skills(), { type: "json" });
    expect((JSON.parse(graph?.body ?? "{}") as { skills?: unknown[] }).skills).toHaveLength(body.skills);
    const item = await env.CONTENT.get<{ body: string }>(contentKeys.publicItem("fr-add-like-0001"), { type: "json" });
    const publicItem = JSON.parse(item?.body ?? "{}") as Record<string, unknown>;
    expect(publicItem.id).toBe("fr-add-like-0001");
    expect(publicItem).not.toHaveProperty("answer");
  });

  it("serves the skill graph with ETag and caching headers", async () => {
    const res = await api("/v1/skills");
    expect(res.status).toBe(200);
    const body = await json<{ skills: Array<{ id: string; prerequisites: string[] }>; order: string[]; edges: unknown[] }>(res);
    expect(body.skills.length).toBeGreaterThanOrEqual(50);
    expect(body.order).toHaveLength(body.skills.length);
    const position = new Map(body.order.map((id, i) => [id, i]));
    for (const s of body.skills) for (const p of s.prerequisites) expect(position.get(p) ?? -1).toBeLessThan(position.get(s.id) ?? -1);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get("cache-control")).toContain("max-age");
  });

  it("serves the same complete body on every cache hit (a hot body is encoded once and reused)", async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api("/v1/skills");
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    expect((JSON.parse(bodies[0] ?? "{}") as { skills?: unknown[] }).skills?.length).toBeGreaterThanOrEqual(50);
    for (const b of bodies.slice(1)) expect(b).toBe(bodies[0]);
  });

  it("serves an item without its answer key, then from KV, then 304", async () => {
    const list = await json<SearchBody>(await api("/v1/search?q=fraction&limit=1"));
    const id = list.results[0]?.id ?? "";
    await env.CONTENT.delete(contentKeys.publicItem(id)); // a publish (another test) may have put it there
    const first = await api(`/v1/items/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const item = await json(first);
    expect(item.id).toBe(id);
    expect(item).not.toHaveProperty("answer");
    expect(item).not.toHaveProperty("explanation");
    expect(typeof item.prompt).toBe("string");
    const etag = first.headers.get("etag") ?? "";

    const second = await api(`/v1/items/${id}`);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("etag")).toBe(etag);
    expect(await json(second)).toEqual(item);

    const third = await api(`/v1/items/${id}`, { headers: { "if-none-match": etag } });
    expect(third.status).toBe(304);
    expect(await third.text()).toBe("");
  });

  it("ranks full-text search results and pages through them", async () => {
    const res = await api("/v1/search?q=fraction&limit=5");
    expect(res.status).toBe(200);
    const page1 = await json<SearchBody>(res);
    expect(page1.total).toBeGreaterThan(5);
    expect(page1.results).toHaveLength(5);
    for (const r of page1.results) expect(r.prompt.toLowerCase()).toContain("fraction");
    for (let i = 1; i < page1.results.length; i++) expect(page1.results[i - 1]?.rank ?? 0).toBeGreaterThanOrEqual(page1.results[i]?.rank ?? 0);
    expect(page1.next).toContain("offset=5");
    const page2 = await json<SearchBody>(await api(page1.next ?? ""));
    expect(page2.results.map((r) => r.id)).not.toContain(page1.results[0]?.id);
  });

  it("names the shared query on a cached page, whatever spelling reached it first", async () => {
    // Two spellings of one query share one cached page: it must not echo the first client's.
    const first = await json<SearchBody>(await api("/v1/search?q=%20Fraction%20%20&limit=2&offset=1"));
    const second = await json<SearchBody>(await api("/v1/search?q=fraction&limit=2&offset=1"));
    for (const page of [first, second]) {
      expect(page.query).toBe("fraction");
      expect(new URL(page.next ?? "", "http://x").searchParams.get("q")).toBe("fraction");
    }
    expect(second.results).toEqual(first.results);
  });

  it("filters search by skill", async () => {
    const all = await json<SearchBody>(await api("/v1/search?q=fraction&limit=50"));
    const skill = all.results[0]?.skillIds[0] ?? "";
    const filtered = await json<SearchBody>(await api(`/v1/search?q=fraction&skill=${skill}&limit=50`));
    expect(filtered.total).toBeGreaterThan(0);
    expect(filtered.total).toBeLessThanOrEqual(all.total);
    for (const r of filtered.results) expect(r.skillIds).toContain(skill);
  });

  it("publishes an OpenAPI document generated from the route schemas", async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await api("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/healthz", "/v1/items/{id}", "/v1/skills", "/v1/search", "/v1/learners/{id}/next", "/v1/learners/{id}/attempts", "/v1/learners/{id}/progress"]),
    );
  });
});
