/**
 * A TCP proxy that can cut the line: put it between the relay and Postgres to take the
 * database away (every open connection reset, new ones refused) and bring it back, as a
 * network partition or a database restart would.
 *
 * @example
 * const fault = await startFaultProxy({ target: { host: "127.0.0.1", port: 5432 } });
 * // DATABASE_URL=postgres://postgres@127.0.0.1:${fault.port}/db
 * fault.cut(); … fault.restore();
 */
import { connect, createServer, type Socket } from "node:net";

export interface FaultProxy {
  port: number;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  readonly down: boolean;
  stats(): { open: number; accepted: number; refused: number };
  close(): Promise<void>;
}

export async function startFaultProxy(opts: { target: { host: string; port: number }; port?: number }): Promise<FaultProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let accepted = 0;
  let refused = 0;
  const server = createServer((client) => {
    if (down) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = connect(opts.target.port, opts.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    get down() {
      return down;
    },
    cut() {
      down = true;
      for (const [a, b] of pairs) {
        a.resetAndDestroy();
        b.destroy();
      }
      pairs.clear();
    },
    restore() {
      down = false;
    },
    stats: () => ({ open: pairs.size, accepted, refused }),
    close: () =>
      new Promise<void>((ok) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => ok());
      }),
  };
}
