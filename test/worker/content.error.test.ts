import { describe, expect, it } from "vitest";
import { api, problem } from "./helpers";

describe("content errors are problem+json with a request id", () => {
  it("rejects a malformed item id with 400", async () => {
    const res = await api("/v1/items/bad%20id!");
    expect(res.status).toBe(400);
    const p = await problem(res);
    expect(p.status).toBe(400);
    expect(p.requestId).toBe(res.headers.get("x-request-id"));
    expect(p.invalidParams?.[0]?.name).toBe("id");
  });

  it("answers 404 for an item that does not exist (and caches the miss)", async () => {
    const res = await api("/v1/items/no-such-item-123");
    expect(res.status).toBe(404);
    expect((await problem(res)).detail).toContain("no-such-item-123");
    expect((await api("/v1/items/no-such-item-123")).status).toBe(404);
  });

  it("rejects malformed search queries", async () => {
    for (const q of ["", "q=", "q=%20%20", "q=!!!", `q=${"a".repeat(201)}`, "q=x&limit=0", "q=x&limit=500", "q=x&offset=-1", "q=x&skill=Not%20A%20Skill"]) {
      const res = await api(`/v1/search?${q}`);
      expect(res.status, q).toBe(400);
      await problem(res);
    }
  });

  it("rejects an oversize body with 413", async () => {
    const res = await api("/v1/learners/someone/attempts", { method: "POST", body: "x".repeat(64 * 1024), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect((await problem(res)).title).toBe("Payload too large");
  });

  it("answers unknown routes with a 404 problem", async () => {
    const res = await api("/v2/nothing");
    expect(res.status).toBe(404);
    expect((await problem(res)).type).toBe("/problems/not_found");
  });

  it("echoes a well-formed incoming request id and replaces a malformed one", async () => {
    const good = await api("/v1/items/bad%20id!", { headers: { "x-request-id": "trace-12345678" } });
    expect((await problem(good)).requestId).toBe("trace-12345678");
    const bad = await api("/v1/items/bad%20id!", { headers: { "x-request-id": "<script>" } });
    expect((await problem(bad)).requestId).not.toBe("<script>");
  });
});
