/**
 * CPU profiles over the Chrome DevTools Protocol, for `npm run profile`:
 * - workerd's inspector (`--inspector-addr`, one WebSocket target per worker isolate), spoken
 *   to directly with `ws` rather than through wrangler's inspector proxy, so nothing else
 *   (a DevTools window, wrangler's log tap) shares the session;
 * - this Node process, through `node:inspector`'s in-process Session (the relay and PGlite
 *   run here).
 * Both speak the same `Profiler` domain and return the same `.cpuprofile` JSON.
 */
import { get as httpGet } from "node:http";
import { Session } from "node:inspector";
import WebSocket from "ws";

/** The `.cpuprofile` format (V8's Profiler.Profile). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface InspectorTarget {
  id: string;
  title: string;
  webSocketDebuggerUrl: string;
}

/**
 * The targets (one per worker isolate) a workerd inspector offers. The request closes its
 * connection: workerd's inspector serves one connection at a time, and a keep-alive socket
 * left open by `fetch` makes it drop the WebSocket opened next.
 */
export function listTargets(inspectorAddr: string): Promise<InspectorTarget[]> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`http://${inspectorAddr}/json`, { agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`inspector ${inspectorAddr}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(body) as InspectorTarget[]);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
  });
}

/**
 * The inspector of a workerd process: its `--inspector-addr`, or when that says port 0 (wrangler
 * lets workerd choose), whichever of the process's listening ports answers `/json/version` as
 * workerd's inspector.
 */
export async function resolveInspector(addr: string, ports: number[]): Promise<string | null> {
  const [host = "127.0.0.1", port = "0"] = addr.split(":");
  if (port !== "0") return addr;
  for (const p of ports) {
    try {
      const targets = await listTargets(`${host}:${p}`);
      if (Array.isArray(targets) && targets.some((t) => typeof t.webSocketDebuggerUrl === "string")) return `${host}:${p}`;
    } catch {
      /* not the inspector */
    }
  }
  return null;
}

/** A minimal CDP client: numbered commands, replies matched by id; events are ignored. */
class CdpSocket {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
    ws.on("close", () => {
      for (const p of this.pending.values()) p.reject(new Error("inspector connection closed"));
      this.pending.clear();
    });
  }

  static open(url: string): Promise<CdpSocket> {
    return new Promise((resolve, reject) => {
      // Profiles of a busy isolate run to tens of MB of JSON.
      const ws = new WebSocket(url, { maxPayload: 512 * 1024 * 1024 });
      ws.once("open", () => resolve(new CdpSocket(ws)));
      ws.once("error", reject);
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // ws drops a message sent on a closing socket without a word: fail instead of waiting.
      if (this.ws.readyState !== WebSocket.OPEN) return reject(new Error("inspector connection closed"));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no reply within 60 s`));
      }, 60_000);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

/** A running profile: `stop()` ends it and returns the profile. */
export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

/**
 * Starts sampling one workerd isolate. `intervalUs` trades detail for overhead; 500 µs gives
 * ~2,000 samples a second of busy CPU without measurably slowing the isolate.
 */
export async function startWorkerdProfile(target: InspectorTarget, intervalUs = 500): Promise<RunningProfile> {
  // Right after another connection (the `/json` listing) workerd may still be tearing that
  // one down and drops the new WebSocket: retry a few times.
  let cdp: CdpSocket | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      cdp = await CdpSocket.open(target.webSocketDebuggerUrl);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: intervalUs });
      await cdp.send("Profiler.start");
      break;
    } catch (err) {
      await cdp?.close().catch(() => undefined);
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const session = cdp;
  return {
    async stop() {
      const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
      await session.send("Profiler.disable").catch(() => undefined);
      await session.close();
      return profile;
    },
  };
}

/** Starts sampling this Node process's main thread (node:inspector, no port opened). */
export async function startNodeProfile(intervalUs = 500): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: intervalUs });
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = await post<{ profile: CpuProfile }>("Profiler.stop");
      await post("Profiler.disable").catch(() => undefined);
      session.disconnect();
      return profile;
    },
  };
}
