/**
 * The mock-test verbs of a learner's object: start, next item, report, expiry. Pure decisions
 * live in ./mock-tests.ts and src/core/cat.ts; this class does the storage around them, in
 * the object's single-threaded world (see learner-do.ts on where awaits may interleave).
 * Answers are handled by the object's attempt transaction, which calls ./mock-tests.ts too.
 */
import { shouldStop } from "../../src/core/cat";
import type { CatItem } from "../../src/core/cat";
import type { PublishedCalibration } from "../../src/core/calibration";
import { toPublicItem } from "../../src/content/schema";
import type { Item } from "../../src/content/schema";
import type { LearnerContent } from "./content";
import { RECENT_PRACTICE_MS, buildPool, finish, fullReport, newMockTest, resolveBlueprint, selectFor, summary } from "./mock-tests";
import type { MockReport, MockTestRequest, MockTestRow, MockTestSummary } from "./mock-tests";
import type { LearnerStore } from "./store";
import type { MockNextResult, RpcResult } from "./types";
import type { LiveLearnerState } from "./view";

export interface MockRunnerDeps {
  store: LearnerStore;
  content: LearnerContent;
  waitUntil(work: Promise<unknown>): void;
  /** Makes the outbox flush soon (a finished test's report is in it). */
  scheduleFlush(): Promise<void>;
  /** Makes the alarm fire no later than `at` (real time): expiry of a running test. */
  scheduleAlarmBy(at: number): Promise<void>;
}

/** The exposure table of a calibration version as a map, built once per version per isolate. */
let exposureMemory: { version: number; params: ReadonlyMap<string, number> } | null = null;
function exposureOf(calibration: PublishedCalibration | null): ReadonlyMap<string, number> | undefined {
  if (!calibration) return undefined;
  if (exposureMemory?.version !== calibration.version) exposureMemory = { version: calibration.version, params: new Map(Object.entries(calibration.exposure)) };
  return exposureMemory.params;
}

/** Pools shared by the isolate's learner objects, by blueprint strata (plain data; oldest dropped first). */
const isolatePools = new Map<string, { sources: readonly Item[][]; pool: CatItem[]; byId: ReadonlyMap<string, Item> }>();
const MAX_POOLS = 32;

export class MockTestRunner {
  constructor(private readonly deps: MockRunnerDeps) {}

  async start(request: MockTestRequest, now: number): Promise<RpcResult<MockTestSummary>> {
    const { store } = this.deps;
    const { skills } = await this.deps.content.curriculum(now);
    // A request that is wrong in itself is refused as such (400), whatever the learner's state.
    const resolved = resolveBlueprint(request, skills);
    if (!resolved.ok) return { ok: false, code: "invalid_request", detail: resolved.reason };
    this.expire(now);
    const active = store.activeMockTests()[0];
    if (active) return { ok: false, code: "conflict", detail: `mock test ${active.id} is still running; finish it or let it expire first` };
    // Sympson–Hetter once the calibration job says the pool is calibrated enough (its table then applies).
    const calibration = await this.deps.content.calibration(now);
    const test = newMockTest(crypto.randomUUID(), resolved.value, request, now, calibration?.sympsonHetter ?? false);
    store.insertMockTest(test);
    await this.deps.scheduleAlarmBy(Date.now() + (test.expiresAt - now));
    return { ok: true, value: summary(test) };
  }

  async next(state: LiveLearnerState, testId: string, now: number): Promise<RpcResult<MockNextResult>> {
    const { store } = this.deps;
    const found = store.getMockTest(testId);
    if (!found) return { ok: false, code: "not_found", detail: `mock test ${testId} does not exist` };
    let test = this.expire(now, testId) ?? found;
    if (test.status === "active" && shouldStop(test.state, now) !== null) test = this.finish(test, now);
    if (test.status === "finished") return { ok: true, value: this.result(test, null, now) };
    // The pending item again (a retried or refreshed request), not a second one.
    const pending = test.state.pending ? store.openServe(test.state.pending.itemId) : null;
    if (pending?.item && pending.mockTestId === test.id) return { ok: true, value: this.result(test, pending.item, now) };

    const sources = await this.deps.content.skillItems(Object.keys(test.strata), now);
    const current = store.getMockTest(testId); // re-read after the await
    if (!current || current.status !== "active" || current.state.responses.length !== test.state.responses.length) {
      return { ok: false, code: "conflict", detail: "the mock test changed meanwhile; ask again" };
    }
    const calibration = this.deps.content.currentCalibration();
    const { pool, byId } = this.poolOf(test, sources, calibration);
    const picked = selectFor(test, pool, state.itemsSeenSince(now - RECENT_PRACTICE_MS), exposureOf(calibration));
    if (picked.itemId === null) return { ok: true, value: this.result(this.finish({ ...test, state: picked.state }, now), null, now) };
    const item = byId.get(picked.itemId);
    if (!item) return { ok: false, code: "internal", detail: "selected item missing from its bank" };
    const session = state.touch(now);
    const primary = item.skillIds[0] ?? "";
    this.deps.store.transaction(() => {
      state.persistSession();
      store.updateMockTest(test.id, { status: "active", state: picked.state, report: null });
      store.recordServed({ itemId: item.id, skillId: primary, mode: "mock", session, servedAt: now, item, mockTestId: test.id });
    });
    state.served(item.id, primary, now);
    return { ok: true, value: this.result({ ...test, state: picked.state }, item, now) };
  }

  /**
   * The test's item pool, built once per blueprint and content version and shared by every
   * learner object of the isolate (a whole-course pool is the whole bank: rebuilding it for
   * every item was the mock routes' largest cost, and holding one per learner would hold the
   * bank once per learner).
   */
  private poolOf(test: MockTestRow, sources: readonly Item[][], calibration: PublishedCalibration | null): { pool: CatItem[]; byId: ReadonlyMap<string, Item> } {
    const key = JSON.stringify(test.strata);
    const held = isolatePools.get(key);
    // A new calibration version brings new bank arrays (content.ts), so the identity check covers it.
    if (held && held.sources.length === sources.length && held.sources.every((s, i) => s === sources[i])) return held;
    const items = sources.flat();
    const built = { sources, pool: buildPool(items, test.strata, calibration), byId: new Map(items.map((i) => [i.id, i])) };
    if (isolatePools.size >= MAX_POOLS) isolatePools.delete(isolatePools.keys().next().value ?? "");
    isolatePools.set(key, built);
    return built;
  }

  report(testId: string, now: number): RpcResult<MockReport> {
    const found = this.expire(now, testId) ?? this.deps.store.getMockTest(testId);
    if (!found) return { ok: false, code: "not_found", detail: `mock test ${testId} does not exist` };
    const test = found.status === "active" && shouldStop(found.state, now) !== null ? this.finish(found, now) : found;
    // No interim report: its score and per-strand counts would reveal each answer's correctness.
    if (test.status === "active") {
      const c = test.state.config;
      return { ok: false, code: "conflict", detail: `mock test ${testId} is still running (${test.state.responses.length} of at most ${c.maxItems} answered); its report is ready when it ends` };
    }
    return { ok: true, value: fullReport(test, now) };
  }

  /** Finalises active tests past their time limit; returns the one named, if it was among them. */
  expire(now: number, testId?: string): MockTestRow | null {
    let named: MockTestRow | null = null;
    for (const t of this.deps.store.activeMockTests()) {
      if (t.expiresAt > now) continue;
      const done = this.finish(t, now);
      if (t.id === testId) named = done;
    }
    return named;
  }

  /** The next expiry of a running test, as real time for the alarm (null when none runs). */
  nextExpiry(now: number): number | null {
    const expiries = this.deps.store.activeMockTests().map((t) => Date.now() + Math.max(0, t.expiresAt - now));
    return expiries.length > 0 ? Math.min(...expiries) : null;
  }

  private finish(test: MockTestRow, now: number): MockTestRow {
    const done = finish(test, now);
    this.deps.store.transaction(() => {
      this.deps.store.updateMockTest(test.id, { status: "finished", state: test.state, report: done.report });
      this.deps.store.enqueueReport(done.row, now);
    });
    this.deps.waitUntil(this.deps.scheduleFlush());
    return { ...test, status: "finished", report: done.report };
  }

  private result(test: MockTestRow, item: Item | null, now: number): MockNextResult {
    return {
      testId: test.id,
      item: item ? toPublicItem(item) : null,
      done: test.status === "finished",
      answered: test.state.responses.length,
      // The estimate moves with each answer: shown only once the test has ended.
      theta: test.status === "finished" ? test.state.theta : null,
      se: test.status === "finished" ? test.state.se : null,
      report: test.status === "finished" ? fullReport(test, now) : null,
    };
  }
}
