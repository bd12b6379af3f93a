import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startPglite, type PgliteServer } from "../../scripts/local/pglite-server";
import { startWsProxy, type WsProxy } from "../../scripts/local/ws-proxy";
import { defineProxySuite } from "./proxy-suite";

describe("ws-proxy → PGlite (in memory)", () => {
  defineProxySuite("PGlite", async () => {
    const pg = await startPglite({ maxConnections: 4 });
    expect(pg.databaseUrl).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    // Pool of 3 + one ad-hoc Client in some tests stays within the 4 PGlite serves.
    return { databaseUrl: pg.databaseUrl, poolMax: 3, close: () => pg.close() };
  });
});

/** StartupMessage for user postgres / database postgres, protocol 3.0. */
function startupMessage(): Buffer {
  const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
  const msg = Buffer.alloc(8 + params.length);
  msg.writeInt32BE(msg.length, 0);
  msg.writeInt32BE(196608, 4);
  params.copy(msg, 8);
  return msg;
}

describe("ws-proxy Terminate handling (PGlite)", () => {
  let pg: PgliteServer;
  let proxy: WsProxy;

  beforeAll(async () => {
    pg = await startPglite({ maxConnections: 4 });
    proxy = await startWsProxy({ port: 0 });
  });
  afterAll(async () => {
    await proxy?.close();
    await pg?.close();
  });

  it("ends the TCP side on Terminate and leaves closing the WebSocket to the client", async () => {
    const sock = new WebSocket(`${proxy.url}/v1?address=127.0.0.1:${pg.port}`);
    const received: Buffer[] = [];
    let closedByServer = false;
    sock.on("close", () => (closedByServer = true));
    await new Promise<void>((resolve, reject) => {
      sock.once("open", () => resolve());
      sock.once("error", reject);
    });
    const ready = new Promise<void>((resolve) =>
      sock.on("message", (data: Buffer) => {
        received.push(data);
        // ReadyForQuery: 'Z', length 5, status byte.
        if (Buffer.concat(received).includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) resolve();
      }),
    );
    // Split the startup message across two frames: the relay must reassemble.
    const startup = startupMessage();
    sock.send(startup.subarray(0, 5));
    sock.send(startup.subarray(5));
    await ready;
    expect(proxy.stats().open).toBe(1);

    sock.send(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
    await new Promise((r) => setTimeout(r, 300));
    expect(closedByServer).toBe(false);
    expect(sock.readyState).toBe(WebSocket.OPEN);

    sock.close(1000);
    const start = Date.now();
    while (proxy.stats().open !== 0 && Date.now() - start < 3_000) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.stats()).toEqual({ open: 0, total: 1 });
  });

  it("persists a data folder between runs", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Pool } = await import("@neondatabase/serverless");
    const { withLocalProxy } = await import("../../src/db/neon-local");
    const dir = await mkdtemp(join(tmpdir(), "pglite-persist-"));
    try {
      for (const step of ["write", "read"] as const) {
        const server = await startPglite({ dataDir: dir });
        const pool = withLocalProxy(new Pool({ connectionString: server.databaseUrl, max: 1 }), `127.0.0.1:${proxy.port}`, WebSocket);
        try {
          if (step === "write") {
            await pool.query("CREATE TABLE kept (v text)");
            await pool.query("INSERT INTO kept VALUES ('survives restart')");
          } else {
            const { rows } = await pool.query("SELECT v FROM kept");
            expect(rows).toEqual([{ v: "survives restart" }]);
          }
        } finally {
          await pool.end();
          await server.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
