import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { isLoopbackAddress, parseTargetAddress, startWsProxy, type WsProxy } from "../../scripts/local/ws-proxy";

/** Opens a WebSocket and reports either "open" or the HTTP status the relay refused it with. */
function attempt(url: string): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const sock = new WebSocket(url);
    sock.once("open", () => {
      sock.close();
      resolve("open");
    });
    sock.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      sock.terminate();
    });
    sock.once("error", (err) => reject(err));
  });
}

describe("ws-proxy refuses what it must not relay", () => {
  let proxy: WsProxy;
  let sink: Server;
  let sinkPort: number;
  let sinkConnections = 0;

  beforeAll(async () => {
    proxy = await startWsProxy({ port: 0 });
    sink = createServer((s) => {
      sinkConnections += 1;
      s.destroy();
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
    const addr = sink.address();
    if (addr === null || typeof addr === "string") throw new Error("no sink port");
    sinkPort = addr.port;
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((r) => sink.close(() => r()));
  });

  it.each(["10.0.0.1:5432", "192.168.1.10:5432", "169.254.169.254:80", "8.8.8.8:5432", "example.com:5432", "[2001:db8::1]:5432", "0.0.0.0:5432"])(
    "refuses non-loopback target %s with 403",
    async (address) => {
      expect(await attempt(`${proxy.url}/v1?address=${encodeURIComponent(address)}`)).toBe(403);
    },
  );

  it.each(["", "127.0.0.1", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:0", "127.0.0.1:70000", "[::1]", "a b:5432", "127.0.0.1:5432/x", "user@127.0.0.1:5432", "[zz]:5432"])(
    "refuses malformed address %j with 400",
    async (address) => {
      expect(await attempt(`${proxy.url}/v1?address=${encodeURIComponent(address)}`)).toBe(400);
    },
  );

  it("refuses a missing address and other paths", async () => {
    expect(await attempt(`${proxy.url}/v1`)).toBe(400);
    expect(await attempt(`${proxy.url}/v2?address=127.0.0.1:${sinkPort}`)).toBe(404);
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:${sinkPort}`);
    expect(res.status).toBe(426);
  });

  it("reports an unreachable loopback port as 502 instead of opening", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const addr = closed.address();
    if (addr === null || typeof addr === "string") throw new Error("no port");
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await attempt(`${proxy.url}/v1?address=127.0.0.1:${addr.port}`)).toBe(502);
  });

  it("never dials a refused target", async () => {
    const before = sinkConnections;
    const totalBefore = proxy.stats().total;
    expect(await attempt(`${proxy.url}/v1?address=10.1.2.3:${sinkPort}`)).toBe(403);
    expect(sinkConnections).toBe(before);
    expect(proxy.stats().total).toBe(totalBefore);
  });

  it("lets a custom allow rule narrow the default", async () => {
    const strict = await startWsProxy({ port: 0, allow: (host, port) => host === "127.0.0.1" && port === 1 });
    try {
      expect(await attempt(`${strict.url}/v1?address=127.0.0.1:${sinkPort}`)).toBe(403);
      expect(await attempt(`${strict.url}/v1?address=localhost:${sinkPort}`)).toBe(403);
    } finally {
      await strict.close();
    }
  });

  it("binds to loopback by default", async () => {
    expect(proxy.url).toBe(`ws://127.0.0.1:${proxy.port}`);
  });
});

describe("address rules", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["localhost", true],
    ["LOCALHOST", true],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:10.0.0.1", false],
    ["128.0.0.1", false],
    ["0.0.0.0", false],
    ["::", false],
    ["localhost.example.com", false],
    ["127.0.0.1.nip.io", false],
  ])("isLoopbackAddress(%s) = %s", (host, expected) => {
    expect(isLoopbackAddress(host)).toBe(expected);
  });

  it("parses host:port and bracketed IPv6", () => {
    expect(parseTargetAddress("127.0.0.1:5432")).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(parseTargetAddress("[::1]:6543")).toEqual({ host: "::1", port: 6543 });
    expect(parseTargetAddress("db.internal:5432")).toEqual({ host: "db.internal", port: 5432 });
    expect(parseTargetAddress("::1:5432")).toBeNull();
    expect(parseTargetAddress(null)).toBeNull();
  });
});
