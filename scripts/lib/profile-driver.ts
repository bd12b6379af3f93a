/**
 * The load driver behind `npm run profile`. It runs in a CHILD process (forked by
 * scripts/profile.ts) so that its own CPU — fetch, JSON, token minting — stays out of the
 * Node process that hosts the relay and PGlite, whose CPU is being measured.
 *
 * Two kinds of work, on command over IPC:
 * - `mix`: closed-loop virtual learners for a fixed time, the seed's load mix: a step is a
 *   practice (70 %) or review (20 %) `next` → attempt, or one mock-test item (10 %) — start a
 *   test when the learner has none, its next item, the answer through /attempts; a learner
 *   keeps an unfinished test between its mock steps, but other steps stay practice or review,
 *   so the 10 % holds (the k6 flow's "once started, always mock" defect is not copied).
 *   Around a practice/review step: progress (20 %), an item page (25 %), the skill graph
 *   (5 %), a search (8 %). A share of steps switches the learner to a brand-new one.
 * - one route at a time, for CPU per request: `loop` (closed loop for a time) or `batch`
 *   (one request per pooled learner, for routes whose every call changes the learner's
 *   state: an attempt needs a served item, a fresh `next` needs the previous item answered).
 *   `prepare` sets the pool up outside the measured window.
 *
 * Answers come from loadtests/data/answer-key.json (the deterministic demo bank); learners
 * are right about 72 % of the time.
 */
import { readFileSync } from "node:fs";
import { mintLearnerToken } from "../../src/auth/learner-token";
import { mulberry32 } from "../../src/core/random"; // seeded: the mix is the same sequence of choices on every run

export type LoopRoute = "healthz" | "item" | "skills" | "search" | "progress" | "next-repeat" | "next-new";
export type BatchRoute = "next" | "attempt" | "mock-start" | "mock-next" | "mock-attempt";

export type DriverCommand =
  | { type: "init"; base: string; secret: string; answerKey: string; itemIds: string[]; run: string }
  | { type: "mix"; seconds: number; concurrency: number; newLearnerShare: number }
  | { type: "prepare"; pool: "practice" | "mock" | "new" | "content"; size: number }
  | { type: "loop"; route: LoopRoute; seconds: number; concurrency: number }
  | { type: "batch"; route: BatchRoute; concurrency: number };

export interface EndpointStats {
  n: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
}

export interface DriverResult {
  requests: number;
  errors: number;
  seconds: number;
  endpoints: Record<string, EndpointStats>;
  /** Mix only: steps by kind. */
  steps?: Record<string, number>;
}

export type DriverReply = { type: "ready" } | { type: "result"; result: DriverResult } | { type: "error"; message: string };

interface PublicItem {
  id: string;
  kind: "choice" | "numeric" | "text";
  choices?: string[];
}

interface Learner {
  id: string;
  auth: Record<string, string>;
  rounds: number;
  /** A served, unanswered item (practice/review or mock). */
  pending: PublicItem | null;
  mockTestId: string | null;
}

const WORDS = ["fraction", "ratio", "equation", "percent", "decimal", "integer", "slope", "remainder", "simplify", "prime", "round", "expression", "inequality", "system", "factor"];
const ACCURACY = 0.72;
const MOCK_ITEMS = 12;

class Recorder {
  private samples = new Map<string, number[]>();
  private errs = new Map<string, number>();
  private statuses = new Map<string, Record<string, number>>();
  readonly started = performance.now();

  add(endpoint: string, ms: number, status: number): void {
    let s = this.samples.get(endpoint);
    if (!s) this.samples.set(endpoint, (s = []));
    s.push(ms);
    const st = this.statuses.get(endpoint) ?? {};
    st[status] = (st[status] ?? 0) + 1;
    this.statuses.set(endpoint, st);
    if (status === 0 || status >= 400) this.errs.set(endpoint, (this.errs.get(endpoint) ?? 0) + 1);
  }

  result(extra: Partial<DriverResult> = {}): DriverResult {
    const endpoints: Record<string, EndpointStats> = {};
    let requests = 0;
    let errors = 0;
    for (const [name, s] of this.samples) {
      const sorted = [...s].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
      const e = this.errs.get(name) ?? 0;
      endpoints[name] = { n: s.length, errors: e, statuses: this.statuses.get(name) ?? {}, p50: q(0.5), p95: q(0.95) };
      requests += s.length;
      errors += e;
    }
    return { requests, errors, seconds: (performance.now() - this.started) / 1000, endpoints, ...extra };
  }
}

class Driver {
  private readonly answers: Map<string, number | string>;
  private nextLearner = 0;
  private practicePool: Learner[] = [];
  private mockPool: Learner[] = [];
  private newPool: Learner[] = [];
  /** Learners that have history (for progress and repeat `next`). */
  private warm: Learner[] = [];
  private rng = mulberry32(20261202);
  /** The items the content reads use (cached in KV by `prepare("content")`). */
  private readonly items: string[];

  constructor(private readonly cfg: Extract<DriverCommand, { type: "init" }>) {
    const pairs = JSON.parse(readFileSync(cfg.answerKey, "utf8")) as Array<[string, number | string]>;
    this.answers = new Map(pairs);
    this.items = cfg.itemIds.slice(0, 300);
  }

  private async learner(): Promise<Learner> {
    const id = `pf-${this.cfg.run}-${this.nextLearner++}`;
    const token = await mintLearnerToken(id, this.cfg.secret);
    return { id, auth: { authorization: `Bearer ${token}`, "content-type": "application/json" }, rounds: 0, pending: null, mockTestId: null };
  }

  private async call(rec: Recorder | null, endpoint: string, method: string, path: string, L?: Learner, body?: unknown): Promise<{ status: number; json: unknown }> {
    const t = performance.now();
    let status = 0;
    let json: unknown = null;
    try {
      const res = await fetch(`${this.cfg.base}${path}`, {
        method,
        // No compression, as k6's and the bench's requests: Node's fetch would ask for gzip, and
        // Miniflare's entry worker would then compress inside workerd what Cloudflare's edge
        // compresses outside the worker (reports/attempt-cpu.md).
        headers: { "accept-encoding": "identity", ...(L ? L.auth : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = res.status;
      const text = await res.text();
      json = text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null;
    } catch {
      status = 0;
    }
    rec?.add(endpoint, performance.now() - t, status);
    return { status, json };
  }

  private response(item: PublicItem, correct: boolean): number | string {
    const key = this.answers.get(item.id);
    const choices = item.choices?.length ?? 0;
    if (key === undefined) return item.kind === "choice" ? 0 : item.kind === "numeric" ? 0 : "?";
    if (correct) return key;
    if (typeof key === "number" && item.kind === "choice") return (key + 1) % Math.max(2, choices);
    if (typeof key === "number") return key + 1;
    return "not sure";
  }

  private async next(rec: Recorder | null, L: Learner, mode: "practice" | "review", endpoint = "next"): Promise<PublicItem | null> {
    const r = await this.call(rec, endpoint, "POST", `/v1/learners/${L.id}/next`, L, { mode });
    const item = r.status === 200 ? ((r.json as { item?: PublicItem | null }).item ?? null) : null;
    L.pending = item;
    return item;
  }

  private async attempt(rec: Recorder | null, L: Learner, endpoint = "attempt"): Promise<unknown> {
    const item = L.pending;
    if (!item) return null;
    const r = L.rounds++;
    const body = { clientAttemptId: `${L.id}-${r}`, itemId: item.id, response: this.response(item, this.rng() < ACCURACY), responseMs: 8000 + (r % 20) * 500 };
    const res = await this.call(rec, endpoint, "POST", `/v1/learners/${L.id}/attempts`, L, body);
    L.pending = null;
    return res.status === 200 ? res.json : null;
  }

  private async mockStart(rec: Recorder | null, L: Learner): Promise<void> {
    const r = await this.call(rec, "mock start", "POST", `/v1/learners/${L.id}/mock-tests`, L, { maxItems: MOCK_ITEMS });
    const testId = (r.json as { testId?: string } | null)?.testId;
    L.mockTestId = (r.status === 201 || r.status === 200) && testId ? testId : null;
  }

  private async mockNext(rec: Recorder | null, L: Learner): Promise<{ item: PublicItem | null; done: boolean }> {
    if (!L.mockTestId) return { item: null, done: true };
    const r = await this.call(rec, "mock next", "POST", `/v1/learners/${L.id}/mock-tests/${L.mockTestId}/next`, L);
    const body = r.json as { item?: PublicItem | null; done?: boolean } | null;
    if (r.status !== 200 || !body) {
      L.mockTestId = null;
      return { item: null, done: true };
    }
    L.pending = body.item ?? null;
    return { item: L.pending, done: body.done === true };
  }

  private async mockStep(rec: Recorder, L: Learner): Promise<void> {
    if (!L.mockTestId) await this.mockStart(rec, L);
    if (!L.mockTestId) return;
    const { item, done } = await this.mockNext(rec, L);
    if (item) {
      const res = (await this.attempt(rec, L, "mock attempt")) as { mockTest?: { done?: boolean } } | null;
      if (res?.mockTest?.done) await this.finishMock(rec, L);
    } else if (done) await this.finishMock(rec, L);
  }

  private async finishMock(rec: Recorder | null, L: Learner): Promise<void> {
    if (L.mockTestId) await this.call(rec, "mock report", "GET", `/v1/learners/${L.id}/mock-tests/${L.mockTestId}`, L);
    L.mockTestId = null;
  }

  async mix(seconds: number, concurrency: number, newLearnerShare: number): Promise<DriverResult> {
    const rec = new Recorder();
    const steps: Record<string, number> = { practice: 0, review: 0, mock: 0, "new learner": 0 };
    const deadline = performance.now() + seconds * 1000;
    const vu = async () => {
      let L = await this.learner();
      steps["new learner"] = (steps["new learner"] ?? 0) + 1;
      while (performance.now() < deadline) {
        if (this.rng() < newLearnerShare) {
          if (L.rounds > 0) this.warm.push(L);
          L = await this.learner();
          steps["new learner"] = (steps["new learner"] ?? 0) + 1;
        }
        const r = this.rng();
        if (r < 0.1) {
          steps.mock = (steps.mock ?? 0) + 1;
          await this.mockStep(rec, L);
          continue;
        }
        let mode: "practice" | "review" = r < 0.3 ? "review" : "practice";
        steps[mode] = (steps[mode] ?? 0) + 1;
        if (this.rng() < 0.2) await this.call(rec, "progress", "GET", `/v1/learners/${L.id}/progress`, L);
        if (this.rng() < 0.25) await this.call(rec, "item", "GET", `/v1/items/${this.pick(this.items)}`);
        if (this.rng() < 0.05) await this.call(rec, "skills", "GET", "/v1/skills");
        if (this.rng() < 0.08) await this.call(rec, "search", "GET", this.searchPath());
        let item = await this.next(rec, L, mode, mode === "review" ? "next (review)" : "next");
        if (!item && mode === "review") {
          // Nothing due: a real learner goes on practising (counted apart, not as a second review).
          mode = "practice";
          item = await this.next(rec, L, mode, "next (after empty review)");
        }
        if (item) await this.attempt(rec, L);
      }
      if (L.rounds > 0) this.warm.push(L);
    };
    await Promise.all(Array.from({ length: concurrency }, vu));
    return rec.result({ steps });
  }

  private pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.rng() * xs.length)];
    if (x === undefined) throw new Error("empty list");
    return x;
  }

  private searchPath(): string {
    return `/v1/search?q=${this.pick(WORDS)}&limit=10&offset=${Math.floor(this.rng() * 3) * 10}`;
  }

  /** Sets up a pool outside any measured window. */
  async prepare(pool: "practice" | "mock" | "new" | "content", size: number): Promise<void> {
    if (pool === "content") {
      // The content routes read KV: cache every item and query the mix and the loops use.
      await runAll(this.items, 8, (id) => this.call(null, "", "GET", `/v1/items/${id}`));
      await runAll(WORDS.flatMap((w) => [0, 10, 20].map((o) => `/v1/search?q=${w}&limit=10&offset=${o}`)), 8, (p) => this.call(null, "", "GET", p));
      return;
    }
    if (pool === "new") {
      this.newPool = [];
      for (let i = 0; i < size; i++) this.newPool.push(await this.learner());
      return;
    }
    const list: Learner[] = [];
    for (let i = 0; i < size; i++) list.push(await this.learner());
    await runAll(list, 8, async (L) => {
      // One answered step: the object exists, has history and an outbox entry behind it.
      await this.next(null, L, "practice");
      await this.attempt(null, L);
      if (pool === "practice") await this.next(null, L, "practice");
    });
    if (pool === "practice") this.practicePool = list;
    else this.mockPool = list;
    this.warm.push(...list);
  }

  async loop(route: LoopRoute, seconds: number, concurrency: number): Promise<DriverResult> {
    const rec = new Recorder();
    const deadline = performance.now() + seconds * 1000;
    let k = 0;
    const items = this.items;
    const warm = this.warm.length > 0 ? this.warm : this.practicePool;
    const one = async (): Promise<boolean> => {
      const i = k++;
      switch (route) {
        case "healthz":
          await this.call(rec, route, "GET", "/healthz");
          return true;
        case "item":
          await this.call(rec, route, "GET", `/v1/items/${items[i % items.length]}`);
          return true;
        case "skills":
          await this.call(rec, route, "GET", "/v1/skills");
          return true;
        case "search":
          await this.call(rec, route, "GET", this.searchPath());
          return true;
        case "progress": {
          const L = warm[i % warm.length];
          if (L) await this.call(rec, route, "GET", `/v1/learners/${L.id}/progress`, L);
          return true;
        }
        case "next-repeat": {
          // The item is already served and unanswered: the object answers from its state.
          const L = this.practicePool[i % this.practicePool.length];
          if (L) await this.call(rec, route, "POST", `/v1/learners/${L.id}/next`, L, { mode: "practice" });
          return true;
        }
        case "next-new": {
          const L = this.newPool.pop();
          if (!L) return false;
          await this.next(rec, L, "practice", route);
          return true;
        }
      }
    };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) if (!(await one())) break;
      }),
    );
    return rec.result();
  }

  async batch(route: BatchRoute, concurrency: number): Promise<DriverResult> {
    const rec = new Recorder();
    const pool = route.startsWith("mock") ? this.mockPool : this.practicePool;
    await runAll(pool, concurrency, async (L) => {
      switch (route) {
        case "attempt":
          return void (await this.attempt(rec, L));
        case "next":
          return void (await this.next(rec, L, "practice"));
        case "mock-start":
          return this.mockStart(rec, L);
        case "mock-next":
          return void (await this.mockNext(rec, L));
        case "mock-attempt": {
          const res = (await this.attempt(rec, L, "mock attempt")) as { mockTest?: { done?: boolean } } | null;
          // A finished test leaves the learner out of later rounds.
          if (res?.mockTest?.done) L.mockTestId = null;
          return;
        }
      }
    });
    return rec.result();
  }
}

async function runAll<T>(xs: readonly T[], concurrency: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, xs.length) }, async () => {
      while (i < xs.length) {
        const x = xs[i++] as T;
        await fn(x);
      }
    }),
  );
}


// Child-process entry: commands arrive over IPC, one at a time.
if (process.send) {
  let driver: Driver | null = null;
  const reply = (msg: DriverReply) => process.send?.(msg);
  process.on("message", (cmd: DriverCommand) => {
    void (async () => {
      try {
        if (cmd.type === "init") {
          driver = new Driver(cmd);
          return reply({ type: "ready" });
        }
        if (!driver) throw new Error("driver not initialised");
        if (cmd.type === "mix") return reply({ type: "result", result: await driver.mix(cmd.seconds, cmd.concurrency, cmd.newLearnerShare) });
        if (cmd.type === "prepare") {
          await driver.prepare(cmd.pool, cmd.size);
          return reply({ type: "ready" });
        }
        if (cmd.type === "loop") return reply({ type: "result", result: await driver.loop(cmd.route, cmd.seconds, cmd.concurrency) });
        return reply({ type: "result", result: await driver.batch(cmd.route, cmd.concurrency) });
      } catch (err) {
        reply({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
}
