import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashRest, type UpstashRest } from "../../scripts/local/upstash-rest";

const redisUrl = process.env.TEST_REDIS_URL;
const TOKEN = `local-test-${Math.random().toString(36).slice(2)}`;

describe.skipIf(!redisUrl)("Upstash REST shim over real Redis (TEST_REDIS_URL)", () => {
  const prefix = `upstash-shim-test:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
  const key = (name: string) => `${prefix}${name}`;
  let rest: UpstashRest;
  let redis: Redis;
  let raw: IORedis;

  beforeAll(async () => {
    rest = await startUpstashRest({ token: TOKEN, redisUrl: redisUrl ?? "" });
    redis = new Redis({ url: rest.url, token: TOKEN, enableTelemetry: false });
    raw = new IORedis(redisUrl ?? "");
  });

  afterAll(async () => {
    if (raw) {
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    }
    await rest?.close();
  });

  it("gets and sets strings, with expiry and missing keys", async () => {
    expect(await redis.set(key("greeting"), "hello")).toBe("OK");
    expect(await redis.get<string>(key("greeting"))).toBe("hello");
    expect(await redis.get(key("absent"))).toBeNull();
    expect(await redis.set(key("short"), "x", { ex: 60 })).toBe("OK");
    const ttl = await redis.ttl(key("short"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.type(key("greeting"))).toBe("string");
    expect(await redis.exists(key("greeting"), key("absent"))).toBe(1);
  });

  it("round-trips unicode and binary-ish strings exactly", async () => {
    const values = [
      "héllo wörld ✓ — 日本語 — 🌍🚀",
      "line1\r\nline2\ttab\u0000nul\u0001\u007f",
      "T0s=", // valid base64 of "OK": must not be decoded twice
      "OK",
      "   leading and trailing   ",
      "",
      "'quoted' \"double\" \\backslash",
    ];
    for (const [i, v] of values.entries()) {
      await redis.set(key(`s${i}`), v);
      expect(await redis.get<string>(key(`s${i}`))).toBe(v);
    }
    // The bytes in Redis are exactly the UTF-8 of the value.
    expect((await raw.getBuffer(key("s0")))?.toString("utf8")).toBe(values[0]);
    // Objects are stored as JSON and deserialised by the client, as on Upstash.
    await redis.set(key("json"), { a: 1, nested: ["x", "ü"] });
    expect(await redis.get(key("json"))).toEqual({ a: 1, nested: ["x", "ü"] });
  });

  it("increments counters", async () => {
    expect(await redis.incr(key("n"))).toBe(1);
    expect(await redis.incrby(key("n"), 41)).toBe(42);
    expect(await redis.decr(key("n"))).toBe(41);
    expect(await redis.incrbyfloat(key("f"), 1.5)).toBe(1.5);
  });

  it("reports command errors", async () => {
    await redis.set(key("word"), "not a number");
    await expect(redis.incr(key("word"))).rejects.toThrow(/not an integer/);
  });

  it("handles hashes", async () => {
    expect(await redis.hset(key("h"), { name: "Ada", score: 7, note: "ünïcode" })).toBe(3);
    expect(await redis.hget<string>(key("h"), "name")).toBe("Ada");
    expect(await redis.hgetall(key("h"))).toEqual({ name: "Ada", score: 7, note: "ünïcode" });
    expect(await redis.hincrby(key("h"), "score", 3)).toBe(10);
    expect(await redis.hgetall(key("missing-hash"))).toBeNull();
    expect((await redis.hkeys(key("h"))).sort()).toEqual(["name", "note", "score"]);
  });

  it("handles sorted sets", async () => {
    await redis.zadd(key("z"), { score: 3, member: "c" }, { score: 1, member: "a" }, { score: 2, member: "b" });
    expect(await redis.zrange(key("z"), 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.zrange(key("z"), 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2, "c", 3]);
    expect(await redis.zscore(key("z"), "b")).toBe(2);
    expect(await redis.zrank(key("z"), "c")).toBe(2);
    expect(await redis.zincrby(key("z"), 5, "a")).toBe(6);
    expect(await redis.zrange(key("z"), 0, 0, { rev: true })).toEqual(["a"]);
    expect(await redis.zcard(key("z"))).toBe(3);
  });

  it("runs pipelines, keeping per-command errors", async () => {
    const p = redis.pipeline();
    p.set(key("p1"), "one");
    p.incr(key("p2"));
    p.get(key("p1"));
    p.hset(key("p3"), { f: "v" });
    p.hgetall(key("p3"));
    expect(await p.exec()).toEqual(["OK", 1, "one", 1, { f: "v" }]);

    const failing = redis.pipeline();
    failing.set(key("p4"), "text");
    failing.incr(key("p4"));
    failing.get(key("p4"));
    const results = await failing.exec({ keepErrors: true });
    expect(results[0]?.result).toBe("OK");
    expect(results[1]?.error).toMatch(/not an integer/);
    expect(results[2]?.result).toBe("text");
  });

  it("runs multi-exec transactions atomically", async () => {
    const tx = redis.multi();
    tx.set(key("t1"), "a");
    tx.incr(key("t2"));
    tx.incr(key("t2"));
    tx.get(key("t1"));
    expect(await tx.exec()).toEqual(["OK", 1, 2, "a"]);

    // A command that cannot be queued aborts the whole transaction.
    const res = await fetch(`${rest.url}/multi-exec`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify([["SET", key("t3"), "x"], ["NOSUCHCOMMAND"]]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/unknown command/i);
    expect(await raw.exists(key("t3"))).toBe(0);
  });

  it("auto-pipelines concurrent calls", async () => {
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.incr(key("auto")).then(() => i)));
    expect(values).toHaveLength(20);
    expect(await redis.get(key("auto"))).toBe(20);
  });

  it("works without base64 response encoding", async () => {
    const plain = new Redis({ url: rest.url, token: TOKEN, responseEncoding: false, enableTelemetry: false, enableAutoPipelining: false });
    await plain.set(key("plain"), "ünï 🌍");
    expect(await plain.get(key("plain"))).toBe("ünï 🌍");
    expect(await plain.zrange(key("z"), 0, 0)).toEqual(["b"]);
  });

  it("base64-encodes every string in raw replies, recursively", async () => {
    await raw.del(key("raw-z"));
    await raw.zadd(key("raw-z"), 1, "é");
    const res = await fetch(`${rest.url}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Upstash-Encoding": "base64" },
      body: JSON.stringify(["ZRANGE", key("raw-z"), 0, -1, "WITHSCORES"]),
    });
    expect(await res.json()).toEqual({ result: [Buffer.from("é").toString("base64"), Buffer.from("1").toString("base64")] });
    const status = await fetch(`${rest.url}/pipeline`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Upstash-Encoding": "base64" },
      body: JSON.stringify([["PING"], ["TYPE", key("raw-z")], ["ZCARD", key("raw-z")]]),
    });
    expect(await status.json()).toEqual([{ result: "UE9ORw==" }, { result: Buffer.from("zset").toString("base64") }, { result: 1 }]);
  });

  it("rejects a wrong or missing token on every route", async () => {
    const wrong = new Redis({ url: rest.url, token: "wrong-token", enableTelemetry: false, retry: false });
    await expect(wrong.get(key("greeting"))).rejects.toThrow(/Unauthorized/);
    for (const path of ["/", "/pipeline", "/multi-exec"]) {
      const noAuth = await fetch(`${rest.url}${path}`, { method: "POST", body: JSON.stringify(["PING"]) });
      expect(noAuth.status).toBe(401);
      const badAuth = await fetch(`${rest.url}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}x` },
        body: JSON.stringify(["PING"]),
      });
      expect(badAuth.status).toBe(401);
      expect(await badAuth.json()).toEqual({ error: "Unauthorized" });
    }
  });

  it("refuses commands that would block or change the shared connection", async () => {
    await expect(redis.eval("return 1", [], [])).resolves.toBe(1);
    const res = await fetch(`${rest.url}/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(["select", 3]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/not supported/);
    const bad = await fetch(`${rest.url}/`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` }, body: "{not json" });
    expect(bad.status).toBe(400);
  });
});
