import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startWsProxy, type WsProxy } from "../../scripts/local/ws-proxy";

/** Relays raw bytes without any Postgres: a TCP echo server stands in for the database. */
describe("ws-proxy byte relay", () => {
  let echo: Server;
  let echoPort: number;
  const echoSockets = new Set<Socket>();
  let proxy: WsProxy;

  beforeAll(async () => {
    echo = createServer((s) => {
      echoSockets.add(s);
      s.once("close", () => echoSockets.delete(s));
      s.pipe(s); // pipe() applies backpressure both ways
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
    const addr = echo.address();
    if (addr === null || typeof addr === "string") throw new Error("no echo port");
    echoPort = addr.port;
    proxy = await startWsProxy({ port: 0 });
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  async function open(): Promise<WebSocket> {
    const sock = new WebSocket(`${proxy.url}/v1?address=127.0.0.1:${echoPort}`);
    await new Promise<void>((resolve, reject) => {
      sock.once("open", () => resolve());
      sock.once("error", reject);
    });
    return sock;
  }

  it("relays 16 MiB both ways intact, in binary frames", async () => {
    const sock = await open();
    // A well-formed frontend stream (StartupMessage, then CopyData messages of random
    // bytes) so the relay's Terminate detector follows it and never misreads a byte as 'X'.
    const startup = Buffer.from("0000000800030000", "hex");
    const messages = [startup];
    for (let i = 0; i < 256; i++) {
      const body = randomBytes(64 << 10);
      const header = Buffer.alloc(5);
      header.write("d", 0);
      header.writeInt32BE(body.length + 4, 1);
      messages.push(header, body);
    }
    const payload = Buffer.concat(messages);
    const received: Buffer[] = [];
    let size = 0;
    let allBinary = true;
    const done = new Promise<void>((resolve) =>
      sock.on("message", (data: Buffer, isBinary: boolean) => {
        allBinary &&= isBinary;
        received.push(data);
        size += data.length;
        if (size >= payload.length) resolve();
      }),
    );
    // Frames that do not line up with messages, as the driver's coalesced writes do not.
    const frame = (64 << 10) + 7;
    for (let off = 0; off < payload.length; off += frame) sock.send(payload.subarray(off, off + frame));
    await done;
    expect(allBinary).toBe(true);
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    sock.close();
  });

  it("closes the WebSocket when the database side closes", async () => {
    const sock = await open();
    const closed = new Promise<number>((resolve) => sock.once("close", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 50));
    for (const s of echoSockets) s.destroy();
    expect(await closed).toBe(1011);
  });

  it("ends the database side when the client goes away", async () => {
    const sock = await open();
    await new Promise((r) => setTimeout(r, 50));
    const [server] = [...echoSockets];
    if (!server) throw new Error("no echo socket");
    const serverClosed = new Promise<void>((resolve) => server.once("close", () => resolve()));
    sock.terminate();
    await serverClosed;
  });

  it("close() leaves no sockets behind", async () => {
    const local = await startWsProxy({ port: 0 });
    const socks = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const s = new WebSocket(`${local.url}/v1?address=127.0.0.1:${echoPort}`);
            s.once("open", () => resolve(s));
            s.once("error", reject);
          }),
      ),
    );
    expect(local.stats()).toEqual({ open: 3, total: 3 });
    const closes = socks.map((s) => new Promise<number>((r) => s.once("close", (code) => r(code))));
    await local.close();
    expect(await Promise.all(closes)).toEqual([1001, 1001, 1001]);
    expect(local.stats().open).toBe(0);
    // The echo server sees its side go too (shared echo, so wait for its count to drop to this suite's own).
    const start = Date.now();
    while (echoSockets.size > 0 && Date.now() - start < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(echoSockets.size).toBe(0);
    await expect(
      new Promise((resolve, reject) => {
        const s = new WebSocket(`${local.url}/v1?address=127.0.0.1:${echoPort}`);
        s.once("open", resolve);
        s.once("error", reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
