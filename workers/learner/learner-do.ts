/**
 * One Durable Object per learner (`idFromName(learnerId)`), SQLite-backed. It holds the
 * learner's state, chooses their next item, grades and learns from their attempts, and
 * carries every attempt to Postgres through an outbox. The hot path never waits for
 * Postgres.
 *
 * Concurrency: workerd runs one event at a time per object, but interleaves them at awaits
 * on anything but storage. So every method first awaits what it must load (content,
 * hydration) and then reads, decides and writes in one synchronous stretch: no other
 * request can observe or change the state half-way.
 */
import { DurableObject } from "cloudflare:workers";
import { displayAnswer } from "../../src/content/schema";
import type { Item } from "../../src/content/schema";
import { itemParameterSource } from "../../src/core/calibration";
import { mulberry32, seedFromString } from "../../src/core/random";
import { spreadNearEqual } from "../../src/core/scoring";
import { DEFAULT_ENGINE_CONFIG, affectedSkills, candidateSkills, chooseNext, decideAttempt, rankItems, stretchSkills } from "../../src/core/engine";
import type { Curriculum, LearnerView } from "../../src/core/engine";
import { FEATURE_VERSION, buildFeatures, loggedFeatureRow, mergeHistorySlice } from "../../src/core/features";
import type { LearnerHistory } from "../../src/core/features";
import { isMastered, masteryProbability, predictBatch, resolveSkills } from "../../src/core/knowledge";
import { EMPTY_PREDICTOR_MIX, mixPredictions, modelWeight, observeAnswer } from "../../src/core/predictor-mix";
import type { PredictorMixState } from "../../src/core/predictor-mix";
import { chooseModel } from "../../src/ml/model-choice";
import { getCorrectnessPredictor, predictOrFallback } from "../../src/ml/predictor";
import type { CorrectnessPredictor } from "../../src/ml/predictor";
import { computeProgress } from "../../src/core/progress";
import { createDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/client";
import { parseConfig } from "../api/lib/env";
import type { Config } from "../api/lib/env";
import { reportGauge, reportOutbox } from "../metrics/client";
import { LearnerContent, publicItemJson } from "./content";
import { MockTestRunner } from "./mock-runner";
import { answerStep, finish, withheldAttempt } from "./mock-tests";
import type { MockReport, MockTestRequest, MockTestSummary } from "./mock-tests";
import { flushOutbox, knownLearnerKey } from "./outbox";
import { writerName } from "../writer/writer-do";
import type { OutboxWriterDO } from "../writer/writer-do";
import { DependencyError, calling, countFailure, retryAfterFor } from "../dependency";
import { hydrateFromHistory } from "./hydrate";
import { deleteLearnerData } from "../../src/db/learners";
import { ScoreCache } from "./score-cache";
import { LearnerStore, type StoredAttempt } from "./store";
import { asJsonText } from "./types";
import { ERROR_CODES } from "../api/lib/problem";
import type { AttemptInput, AttemptNextReply, AttemptResult, GradedAttemptResult, JsonText, LearnerExport, LearnerMode, MockNextResult, MockProgress, NextReply, NextResult, ProgressResult, RpcResult, Why } from "./types";
import { LiveLearnerState, blankLearnerView } from "./view";

/**
 * A dependency's failure inside a learner call (Postgres, KV: ../dependency.ts) becomes a 503
 * the client may retry: the learner's own state is intact, something it depends on is not.
 * Anything else is a bug and is thrown on: the API answers 500 and logs it with the request id.
 */
async function guard<T>(fn: () => Promise<RpcResult<T>>): Promise<RpcResult<T>> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof DependencyError)) throw err;
    return { ok: false, code: "unavailable", detail: `${err.dependency} is temporarily unavailable; retry shortly`, retryAfterSeconds: retryAfterFor(err.dependency) };
  }
}

/** What a retry of an attempt must repeat exactly: the item, the response and its time. */
function attemptRequest(input: AttemptInput): string {
  return JSON.stringify([input.itemId, input.response, input.responseMs]);
}

/**
 * This isolate's starting ranking, per curriculum object (a new content version builds a new
 * curriculum, which misses here): plain data shared by every learner object of the isolate.
 */
const startRankingMemory = new WeakMap<Curriculum, CachedRanking>();

/** The scorer used when no other model is loaded. */
export const KNOWLEDGE_PREDICTOR = "knowledge-model/1";
/** Cached rankings are reused for this long unless an attempt invalidates them (the old plan's 15 minutes). */
export const RANKING_TTL_MS = 15 * 60_000;
/**
 * The latest a durable alarm hands the outbox over after an attempt (the routine hand-over is
 * an in-memory timer, OUTBOX_FLUSH_DELAY_MS): the bound on how long attempts wait to leave an
 * object that was evicted or restarted before its timer fired.
 */
export const OUTBOX_SAFETY_MS = 60_000;
/** Entries kept per cached ranking. */
const RANKING_KEEP = 50;
/** Entries kept when a ranking is saved with the learner's state (`saveRankings`): a smaller write. */
const SAVED_RANKING_KEEP = 20;

interface CachedRanking {
  seq: number;
  computedAt: number;
  candidates: number;
  /** Candidates whose prediction came from the score cache when this ranking was computed. */
  reused: number;
  entries: Array<{ itemId: string; why: Why }>;
}

export class LearnerDO extends DurableObject<Env> {
  /** Time source; tests replace it to move through days. */
  clock: () => number = () => Date.now();
  /** Tests that hand the outbox over by hand set a long delay here (the configured one otherwise). */
  flushDelayMs: number | null = null;
  /** Fault drills: the next hand-over fails right after the writer has accepted it, before the outbox forgets it. */
  crashAfterHandOver = false;
  private databaseOverride: { url: string; wsProxy?: string | undefined } | null = null;
  private writerOverride: string | null = null;
  /** This object's learner once known (the meta row, read once). */
  private learnerId: string | null = null;
  /** The alarm time this object last set (null: unknown, ask storage). Saves a read per attempt. */
  private alarmAt: number | null = null;
  /** The routine hand-over's in-memory timer (`scheduleFlush`). */
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** Requests this object has served since the flush timer was armed (`dropIdleAlarm`). */
  private requestsSinceArmed = 0;
  /** The hand-over in progress, if any (`handOver`). */
  private handingOver: Promise<number | null> | null = null;

  private readonly store: LearnerStore;
  private readonly content: LearnerContent;
  private readonly mock: MockTestRunner;
  private config: Config | null = null;
  private database: Database | null = null;
  private state: LiveLearnerState | null = null;
  private readying: Promise<LiveLearnerState> | null = null;
  private readonly rankings = new Map<LearnerMode, CachedRanking>();
  /** A ranking being computed ahead, after an attempt (`prepareRanking`): a `next` for the same mode and seq waits for it. */
  private preparing: { mode: LearnerMode; seq: number; done: Promise<void> } | null = null;
  /** Per mode, the seq of the ranking last saved with the learner's state (`saveRankings`). */
  private readonly savedRankingSeq = new Map<LearnerMode, number>();
  /** Modes whose saved ranking this object has looked for (once per object life). */
  private readonly savedRankingChecked = new Set<LearnerMode>();
  /** Candidate predictions kept across attempts (./score-cache.ts). */
  private readonly scores = new ScoreCache();
  private predictor: { version: string; loading: Promise<CorrectnessPredictor> } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LearnerStore(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      this.store.open();
    });
    this.content = new LearnerContent(env.CONTENT, () => this.db(), () => this.cfg().CONTENT_CACHE_TTL_SECONDS, (work) => ctx.waitUntil(work));
    this.mock = new MockTestRunner({
      store: this.store,
      content: this.content,
      waitUntil: (work) => ctx.waitUntil(work),
      scheduleFlush: () => this.scheduleFlush(),
      scheduleAlarmBy: (at) => this.scheduleAlarmBy(at),
    });
  }

  // --- RPC -------------------------------------------------------------------------------

  async next(learnerId: string, mode: LearnerMode): Promise<RpcResult<NextReply>> {
    return guard(() => this.nextInner(learnerId, mode));
  }

  /**
   * Load (state, curriculum, a ranking: cached, the shared starting one, or freshly scored —
   * and the chosen item's bank), decide (`chooseNext`), commit (the serve, one transaction).
   */
  private async nextInner(learnerId: string, mode: LearnerMode, ownRequest = true): Promise<RpcResult<NextReply>> {
    // --- load
    const ready = await this.ready(learnerId, ownRequest);
    if (!ready.ok) return ready;
    const state = ready.value;
    const now = this.clock();
    const { curriculum } = await this.content.curriculum(now);
    // The calibration in force (read at most once a minute per isolate): the item served below
    // carries its parameters, and a ranking answered from a cache reads none by itself.
    await this.content.calibration(now);
    const session = state.touch(now);
    let { ranking, source } = await this.rankingFor(state, curriculum, mode, now);
    // The chosen item must be in memory before deciding, so decide-and-commit has no await
    // in between: a concurrent `next` cannot serve the same item twice.
    for (let attempt = 0; attempt < 3; attempt++) {
      // --- decide
      const choice = chooseNext(ranking.entries, state.sessionItemIds, state.memories.values(), mode);
      if (choice.kind === "none") {
        const none: NextResult = { mode, item: null, why: null, source: "none", servedAt: null, session, message: choice.message, nextReviewAt: choice.nextReviewAt };
        return { ok: true, value: { body: JSON.stringify(none) as NextReply["body"], source: "none" } };
      }
      const { entry } = choice;
      const item = this.content.cachedItem(entry.itemId);
      if (!item) {
        if (!(await this.content.itemOfSkill(entry.why.skillId, entry.itemId, now))) {
          // Retired from the bank after this ranking was made (a cached, saved or shared one):
          // decide again without it, and keep the cached ranking without it too.
          ranking = { ...ranking, entries: ranking.entries.filter((e) => e.itemId !== entry.itemId) };
          if (this.rankings.get(mode)?.seq === ranking.seq) this.rankings.set(mode, ranking);
          if (!this.hasUnserved(ranking, state)) {
            // Nothing left in it: rank afresh (the bank as read now no longer holds the item).
            this.rankings.delete(mode);
            ({ ranking, source } = await this.rankingFor(state, curriculum, mode, now));
          }
        }
        continue; // loaded, or dropped: decide again, synchronously this time
      }
      // --- commit
      this.store.transaction(() => {
        state.persistSession();
        const mix = entry.why.mix;
        this.store.recordServed({ itemId: item.id, skillId: entry.why.skillId, mode, session, servedAt: now, item, predictions: mix ? { model: mix.model, knowledge: mix.knowledge } : null });
      });
      state.served(item.id, entry.why.skillId, now);
      // Reused: every candidate of a cached or shared ranking; for fresh scoring, those the cache held.
      const scoreCache = {
        reused: source === "scored" ? ranking.reused : ranking.candidates,
        candidates: ranking.candidates,
        predicted: source === "start-ranking" ? 0 : ranking.candidates - ranking.reused,
      };
      // The body as NextResult's JSON, the item's part serialised once per item (ordered as the type is).
      const rest = JSON.stringify({ why: entry.why, source, servedAt: now, session });
      const body = `{"mode":${JSON.stringify(mode)},"item":${publicItemJson(item)},${rest.slice(1)}` as NextReply["body"];
      return { ok: true, value: { body, source, scoreCache } };
    }
    return { ok: false, code: "unavailable", detail: "the item bank is changing; retry shortly", retryAfterSeconds: 1 };
  }

  /**
   * Ranks the learner's next candidates for `mode` in the background, right after an attempt
   * changed them, so the `next` that follows is answered from the cache: the scoring's CPU is
   * spent while the learner reads the feedback instead of while they wait for the next item
   * (moved, not saved: `npm run bench` measures it in the attempt's window). Best effort: a
   * failure leaves the `next` to score for itself.
   */
  private prepareRanking(mode: LearnerMode, seq: number): void {
    const state = this.state;
    if (!state || state.seq !== seq) return;
    const done = (async () => {
      const now = this.clock();
      const { curriculum } = await this.content.curriculum(now);
      if (state !== this.state || state.seq !== seq || this.rankings.has(mode)) return;
      await this.rankingFor(state, curriculum, mode, now, false);
    })()
      .catch(() => {})
      .finally(() => {
        if (this.preparing?.done === done) this.preparing = null;
      });
    this.preparing = { mode, seq, done };
    this.ctx.waitUntil(done);
  }

  /** This learner's ranking for `mode`: still-valid cached one, the shared starting one for a new learner, or freshly scored. */
  private async rankingFor(
    state: LiveLearnerState,
    curriculum: Curriculum,
    mode: LearnerMode,
    now: number,
    waitForPrepared = true,
  ): Promise<{ ranking: CachedRanking; source: Exclude<NextResult["source"], "none"> }> {
    // Being computed ahead (after the last attempt): wait for it rather than score twice.
    const preparing = this.preparing;
    if (waitForPrepared && preparing && preparing.mode === mode && preparing.seq === state.seq) await preparing.done;
    const cached = this.rankings.get(mode) ?? this.savedRanking(mode);
    if (cached && cached.seq === state.seq && now - cached.computedAt <= RANKING_TTL_MS && this.hasUnserved(cached, state)) {
      this.rankings.set(mode, cached);
      return { ranking: cached, source: "cache" };
    }
    // A brand-new learner (no history, no goals): the shared starting ranking.
    if (mode === "practice" && state.seq === 0 && state.goalSkillIds.size === 0) {
      const shared = await this.startRanking(curriculum, now);
      // Each new learner's own order among near-equal items, so early exposure spreads and every item gathers data.
      const start = { ...shared, entries: spreadNearEqual(shared.entries, (e) => e.why.score, mulberry32(seedFromString(this.learnerId ?? ""))) };
      if (this.hasUnserved(start, state)) return { ranking: start, source: "start-ranking" };
    }
    // Score the candidates of the skills that are ready or due (stretching forward when a long session ran them dry).
    const skillIds = candidateSkills(state, curriculum, mode, now, DEFAULT_ENGINE_CONFIG);
    let ranking = await this.scoreRanking(state, curriculum, (await this.content.skillItems(skillIds, now)).flat(), mode, now, this.scores);
    if (mode === "practice" && !this.hasUnserved(ranking, state)) {
      const more = stretchSkills(state, curriculum, skillIds, DEFAULT_ENGINE_CONFIG.maxCandidateSkills, DEFAULT_ENGINE_CONFIG);
      ranking = await this.scoreRanking(state, curriculum, (await this.content.skillItems([...skillIds, ...more], now)).flat(), mode, now, this.scores);
    }
    if (ranking.seq === state.seq) this.rankings.set(mode, ranking);
    return { ranking, source: "scored" };
  }

  async attempt(input: AttemptInput): Promise<RpcResult<JsonText<AttemptResult>>> {
    return guard(async () => asJsonText(await this.attemptInner(input)));
  }

  /**
   * Load (state, curriculum, the serve being answered), decide (`decideAttempt`: grade, learn,
   * history — plus the mock test's step when the item belongs to one), commit (one
   * transaction), then bring the in-memory state in step.
   */
  private async attemptInner(input: AttemptInput): Promise<RpcResult<AttemptResult>> {
    // --- load
    const ready = await this.ready(input.learnerId);
    if (!ready.ok) return ready;
    const state = ready.value;
    // The commit below is then followed in memory: nothing may load after it (./view.ts).
    state.loadAll();
    const now = this.clock();
    const { curriculum } = await this.content.curriculum(now);
    // From here on: synchronous. A concurrent retry of the same attempt waits for this one.
    const previous = this.store.findAttempt(input.clientAttemptId);
    if (previous) return this.replayed(previous, input);
    const serve = this.store.openServe(input.itemId);
    const item = serve?.item;
    if (!serve || !item) return this.refuseUnserved(input.itemId);
    const test = serve.mockTestId ? this.store.getMockTest(serve.mockTestId) : null;

    // --- decide
    const decision = decideAttempt(state, curriculum, item, input.response, input.responseMs, now, DEFAULT_ENGINE_CONFIG, this.content.currentLinks());
    if (!decision.ok) return { ok: false, code: "invalid_request", detail: decision.reason };
    const { correct, outcome } = decision;
    const seq = state.seq + 1;
    // Both predictors scored this item when it was served: the answer tells how far to trust each for this learner.
    const mix = serve.predictions ? observeAnswer(state.predictorMix, serve.predictions.model, serve.predictions.knowledge, correct, DEFAULT_ENGINE_CONFIG.predictorMix) : null;
    // An answer to a mock-test item also moves that test on (and may end it).
    const step = test && test.status === "active" && test.state.pending?.itemId === item.id ? answerStep(test, item.id, correct, now) : null;
    const finished = test && step?.finished ? finish({ ...test, state: step.state }, now) : null;
    const mockTest: MockProgress | undefined =
      test && step
        ? { testId: test.id, answered: step.state.responses.length, theta: step.state.theta, se: step.state.se, done: step.finished, stopReason: finished?.report.stopReason ?? null }
        : undefined;
    const result: GradedAttemptResult = {
      withheld: false,
      clientAttemptId: input.clientAttemptId,
      seq,
      itemId: item.id,
      correct,
      correctAnswer: displayAnswer(item),
      explanation: item.explanation,
      mastery: outcome.mastery,
      nextReviewAt: outcome.memory.phase === 0 ? null : outcome.memory.due,
      answeredAt: now,
      replayed: false,
      ...(mockTest ? { mockTest } : {}),
    };
    const primary = item.skillIds[0] ?? "";

    // --- commit
    this.store.transaction(() => {
      this.store.saveFeatureHistory(decision.history);
      for (const s of outcome.skills) this.store.putSkillState(s);
      if (outcome.memoryChanged) this.store.putMemory(primary, outcome.memory);
      this.store.insertAttempt({ ...result, mode: serve.mode, responseMs: input.responseMs, answeredAt: now, result, request: attemptRequest(input) });
      this.store.markAnswered(serve.id, input.clientAttemptId);
      if (mix) this.store.savePredictorMix(mix);
      this.store.enqueue(
        {
          clientAttemptId: input.clientAttemptId,
          seq,
          itemId: item.id,
          skillIds: item.skillIds,
          mode: serve.mode,
          mockTestId: serve.mockTestId,
          correct,
          response: input.response,
          responseMs: input.responseMs,
          servedAt: serve.servedAt,
          answeredAt: now,
          expected: decision.expected,
          theta: decision.ability.mean,
          thetaVariance: decision.ability.variance,
          features: loggedFeatureRow(decision.features),
          featureVersion: FEATURE_VERSION,
          predictions: serve.predictions,
        },
        now,
      );
      if (test && step) {
        this.store.updateMockTest(test.id, { status: finished ? "finished" : "active", state: step.state, report: finished?.report ?? null });
        if (finished) this.store.enqueueReport(finished.row, now);
      }
    });
    for (const s of outcome.skills) state.skills.set(s.skillId, s);
    state.memories.set(primary, outcome.memory);
    mergeHistorySlice(state.history, decision.history);
    state.answered(correct, input.responseMs, now);
    if (mix) state.predictorMix = mix;
    state.seq = seq;
    this.rankings.clear();
    this.scores.attempted(affectedSkills(curriculum, item), item.id);
    await this.scheduleFlush();
    // The next item, ranked while the learner reads this feedback (a mock test picks its own).
    if (!serve.mockTestId && (serve.mode === "practice" || serve.mode === "review")) this.prepareRanking(serve.mode, seq);
    // The graded result is stored (a retry after the test ends returns it); a running test's
    // answer reveals nothing yet.
    return { ok: true, value: step && !step.finished && test ? withheldAttempt(result, test.id) : result };
  }

  /**
   * An attempt, then the learner's next item in `mode`, in one call: what a practice session
   * does after every answer, without a second request, a second call into this object and a
   * second wake-up of it when workerd evicted it while the learner thought. The next item is
   * chosen exactly as `next` would choose it right after the attempt (from the ranking the
   * attempt prepared) and served in its own commit after the attempt's, so a failure choosing
   * it leaves the attempt recorded: the answer then says why in `nextProblem` and carries no
   * item. An answer to a mock-test item gets `next: null` (the test picks its own next item).
   * A retry of the same attempt is answered as before (`replayed: true`) with a next item
   * chosen at that moment, as a repeated `next` would be.
   */
  async attemptThenNext(input: AttemptInput, mode: LearnerMode): Promise<RpcResult<AttemptNextReply>> {
    return guard(async () => {
      const done = await this.attemptInner(input);
      if (!done.ok) return done;
      const attempt = JSON.stringify(done.value);
      const head = attempt.slice(0, -1); // the attempt's own fields; `next` follows
      if (done.value.mockTest) return { ok: true, value: { body: `${head},"next":null}` as AttemptNextReply["body"] } };
      // Part of this request, not a request after the attempt: the learner is quiet after it
      // (`dropIdleAlarm`), as after a plain attempt.
      const next = await guard(() => this.nextInner(input.learnerId, mode, false));
      if (!next.ok) {
        const problem = JSON.stringify({ status: ERROR_CODES[next.code].status, code: next.code, detail: next.detail });
        return { ok: true, value: { body: `${head},"next":null,"nextProblem":${problem}}` as AttemptNextReply["body"] } };
      }
      const { body, source, scoreCache } = next.value;
      return { ok: true, value: { body: `${head},"next":${body}}` as AttemptNextReply["body"], source, ...(scoreCache ? { scoreCache } : {}) } };
    });
  }

  /** Why an answer to an item with no open serve is refused (error path only: nothing is written). */
  private async refuseUnserved(itemId: string): Promise<RpcResult<AttemptResult>> {
    if (this.store.wasServed(itemId)) return { ok: false, code: "conflict", detail: `item ${itemId} was already answered; ask for the next item` };
    if (!(await this.content.item(itemId))) return { ok: false, code: "not_found", detail: `item ${itemId} does not exist` };
    return { ok: false, code: "conflict", detail: `item ${itemId} was not served to this learner; only served items can be answered` };
  }

  async progress(learnerId: string, utcOffsetMinutes = 0): Promise<RpcResult<JsonText<ProgressResult>>> {
    return guard(async () => asJsonText(await this.progressInner(learnerId, utcOffsetMinutes)));
  }

  private async progressInner(learnerId: string, utcOffsetMinutes = 0): Promise<RpcResult<ProgressResult>> {
    const ready = await this.ready(learnerId);
    if (!ready.ok) return ready;
    const state = ready.value;
    const now = this.clock();
    const { skills } = await this.content.curriculum(now);
    const progress = computeProgress(
      {
        now,
        skills,
        skillStates: state.skills,
        memories: state.memories,
        attempts: state.summary(utcOffsetMinutes),
        horizonDays: 14, // the app charts reviews due over the next two weeks
        utcOffsetMinutes,
      },
      DEFAULT_ENGINE_CONFIG.knowledge,
    );
    const outbox = this.store.outboxStats();
    return {
      ok: true,
      value: {
        learnerId,
        ...progress,
        goalSkillIds: [...state.goalSkillIds],
        outbox: {
          pending: outbox.size,
          oldestAt: outbox.oldestAt,
          lastFlushAt: this.store.getMeta("last_flush_at") === null ? null : this.store.getNumber("last_flush_at"),
          failures: this.store.getNumber("outbox_failures"),
        },
      },
    };
  }

  /**
   * Hands the outbox to this learner's writer shard (workers/writer), which writes many
   * learners' attempts to Postgres in one transaction; reschedules itself with backoff while
   * the writer is unreachable. Also expires mock tests past their time limit.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const learnerId = this.store.getMeta("learner_id");
    if (!learnerId) return;
    const now = this.clock();
    this.mock.expire(now);
    const next = await this.handOver(learnerId);
    const wake = [next, this.mock.nextExpiry(now)].filter((t): t is number => t !== null);
    if (wake.length > 0) {
      this.alarmAt = Math.min(...wake);
      await this.ctx.storage.setAlarm(this.alarmAt);
    }
  }

  /**
   * One hand-over of the outbox (./outbox.ts), from the alarm or the in-memory timer; never
   * two at once. Returns when to run again (null: the outbox is empty).
   */
  private handOver(learnerId: string): Promise<number | null> {
    this.handingOver ??= flushOutbox({
      store: this.store,
      learnerId,
      handOver: async (batch) => {
        const accepted = await this.writer(learnerId).accept(batch);
        if (this.crashAfterHandOver) {
          this.crashAfterHandOver = false;
          throw new Error("injected crash between the hand-over and the outbox delete");
        }
        return accepted;
      },
      markKnown: () => this.env.CONTENT.put(knownLearnerKey(learnerId), "1"),
      states: () => this.state?.skills ?? this.store.loadSkillStates(),
      now: this.clock,
      mastered: (s) => isMastered(s, DEFAULT_ENGINE_CONFIG.knowledge),
      alsoCommit: () => this.saveRankings(),
    })
      .then((next) => {
        const outbox = this.store.outboxStats();
        reportOutbox(this.env, this.ctx, { pending: outbox.size, oldestAt: outbox.oldestAt, failures: this.store.getNumber("outbox_failures") });
        return next;
      })
      .finally(() => {
        this.handingOver = null;
      });
    return this.handingOver;
  }

  /**
   * The routine hand-over, on the in-memory timer `scheduleFlush` set: no storage write to
   * schedule it. While the writer is unreachable the retries go to the alarm, with backoff.
   */
  private async handOverOnTimer(): Promise<void> {
    const learnerId = this.learnerId ?? this.store.getMeta("learner_id");
    if (!learnerId) return;
    try {
      let next = await this.handOver(learnerId);
      // More arrived meanwhile, or a full batch left some behind: carry on (bounded).
      for (let round = 0; round < 5 && next !== null && next <= Date.now(); round++) next = await this.handOver(learnerId);
      if (next === null) return await this.dropIdleAlarm();
      if (next <= Date.now()) await this.scheduleFlush();
      else await this.scheduleAlarmBy(next);
    } catch {
      // Storage failing under us: the safety alarm set with the attempt hands the outbox over.
    }
  }

  /**
   * The timer emptied the outbox and no mock test runs against the clock: the safety alarm has
   * nothing left to guard for a learner who has gone quiet. Deleting it costs the write its
   * firing would have cost anyway, and spares an object workerd has evicted meanwhile a wake-up
   * (a reopened database, ~2–3 ms of CPU) a safety window later: with 10,000 learners who come
   * back every minute or so, that is one wake-up per step. A learner still at it (any request
   * since the timer was armed: after an answer comes the next item within seconds) keeps the
   * alarm, which then serves their whole stretch of activity with one write. An attempt
   * arriving meanwhile sets a new one: `alarmAt` is cleared before the delete, so its
   * `scheduleAlarmBy` asks storage, which answers after it.
   */
  private async dropIdleAlarm(): Promise<void> {
    if (this.alarmAt === null) return;
    if (this.requestsSinceArmed > 0) return;
    if (this.store.outboxStats().size > 0 || this.store.peekReports(1).length > 0) return;
    if (this.mock.nextExpiry(this.clock()) !== null) return;
    this.alarmAt = null;
    await this.ctx.storage.deleteAlarm();
  }

  /** Sets the learner's goal skills (scoring favours them; practice reaches them first when ready). */
  async setGoals(learnerId: string, skillIds: string[]): Promise<RpcResult<{ goalSkillIds: string[] }>> {
    return guard(async () => {
      const ready = await this.ready(learnerId);
      if (!ready.ok) return ready;
      const { curriculum } = await this.content.curriculum(this.clock());
      const unknown = skillIds.filter((id) => !curriculum.byId.has(id));
      if (unknown.length > 0) return { ok: false, code: "invalid_request", detail: `unknown skills: ${unknown.join(", ")}` };
      const goals = [...new Set(skillIds)];
      this.store.transaction(() => {
        this.store.setMeta("goal_skill_ids", JSON.stringify(goals));
        // Postgres gets them with the next hand-over (workers/learner/outbox.ts).
        this.store.setMeta("goals_changed_at", String(Date.now()));
        this.store.forgetSavedRankings();
      });
      ready.value.goalSkillIds = new Set(goals);
      this.rankings.clear();
      this.savedRankingSeq.clear();
      await this.scheduleFlush();
      return { ok: true, value: { goalSkillIds: goals } };
    });
  }

  // --- data rights ------------------------------------------------------------------------

  /** Everything this object holds about the learner (rebuilt from Postgres first if need be). */
  async exportData(learnerId: string): Promise<RpcResult<LearnerExport>> {
    return guard(async () => {
      const progress = await this.progressInner(learnerId, 0);
      if (!progress.ok) return progress;
      return {
        ok: true,
        value: { learnerId, exportedAt: this.clock(), goalSkillIds: progress.value.goalSkillIds, progress: progress.value, ...this.store.exportRows() },
      };
    });
  }

  /**
   * Deletes the learner: nothing more is handed over (outbox and alarm cleared, the writer's
   * queue forgotten), Postgres rows deleted with an audit row, the "known" marker removed, then
   * this object's storage wiped. Safe to retry: a failure before the wipe leaves a retry to
   * finish the job.
   */
  async deleteData(learnerId: string, requestId: string): Promise<RpcResult<{ deleted: { attempts: number; skillStates: number; mockTestReports: number; queued: number } }>> {
    return guard(async () => {
      await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
      if (this.flushTimer !== null) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      const cleared = this.store.transaction(() => this.store.clearOutboxes());
      const { dropped } = await this.writer(learnerId).forget(learnerId);
      const deleted = await calling("postgres", () => deleteLearnerData(this.db().write, learnerId, { requestId, requestedAt: Date.now() }));
      await calling("kv", () => this.env.CONTENT.delete(knownLearnerKey(learnerId)));
      this.resetDatabase();
      await this.ctx.storage.deleteAll();
      this.state = null;
      this.learnerId = null;
      this.rankings.clear();
      this.savedRankingSeq.clear();
      this.scores.clear();
      this.store.migrate();
      return { ok: true, value: { deleted: { ...deleted, queued: cleared + dropped } } };
    });
  }

  // --- mock tests (workers/learner/mock-runner.ts) ------------------------------------------

  async startMockTest(learnerId: string, request: MockTestRequest): Promise<RpcResult<MockTestSummary>> {
    return guard(async () => {
      const ready = await this.ready(learnerId);
      return ready.ok ? this.mock.start(request, this.clock()) : ready;
    });
  }

  async mockNext(learnerId: string, testId: string): Promise<RpcResult<JsonText<MockNextResult>>> {
    return guard(async () => {
      const ready = await this.ready(learnerId);
      return asJsonText(ready.ok ? await this.mock.next(ready.value, testId, this.clock()) : ready);
    });
  }

  async mockReport(learnerId: string, testId: string): Promise<RpcResult<MockReport>> {
    return guard(async () => {
      const ready = await this.ready(learnerId);
      return ready.ok ? this.mock.report(testId, this.clock()) : ready;
    });
  }

  /**
   * Points this object at another database (failover drills, and tests that take Postgres
   * away); null goes back to the configured one. Not exposed over HTTP.
   */
  useDatabase(target: { url: string; wsProxy?: string | undefined } | null): void {
    this.databaseOverride = target;
    this.resetDatabase();
  }

  /** Sends this object's outbox to the named writer instead of its shard (tests that isolate a writer). */
  useWriter(name: string | null): void {
    this.writerOverride = name;
  }

  // --- internals -------------------------------------------------------------------------

  private writer(learnerId: string): DurableObjectStub<OutboxWriterDO> {
    const name = this.writerOverride ?? writerName(learnerId, this.cfg().OUTBOX_WRITER_SHARDS);
    return this.env.WRITER.get(this.env.WRITER.idFromName(name));
  }

  private cfg(): Config {
    this.config ??= parseConfig(this.env);
    return this.config;
  }

  /** The object's own pool: held for its lifetime (much cheaper than a login per request). */
  private db(): Database {
    if (!this.database) {
      const c = this.cfg();
      const target = this.databaseOverride ?? { url: c.DATABASE_URL, wsProxy: c.NEON_WS_PROXY };
      // One connection, released when idle: thousands of objects must not hold thousands of
      // connections between flushes (Neon's pooler copes; a local PGlite does not).
      this.database = createDatabase({
        url: target.url,
        readUrl: this.databaseOverride ? undefined : c.DATABASE_READ_URL,
        wsProxy: target.wsProxy,
        max: 1,
        idleTimeoutMillis: 1_000,
      });
    }
    return this.database;
  }

  private resetDatabase(): void {
    const old = this.database;
    this.database = null;
    if (old) this.ctx.waitUntil(old.end().catch(() => {}));
  }

  /**
   * Loads the in-memory state, rebuilding it from Postgres first when this object is new.
   * `ownRequest` false: a second step of the same request (`attemptThenNext`), not counted as activity.
   */
  private async ready(learnerId: string, ownRequest = true): Promise<RpcResult<LiveLearnerState>> {
    if (ownRequest) this.requestsSinceArmed += 1;
    this.learnerId ??= this.store.getMeta("learner_id");
    const known = this.learnerId;
    if (known !== null && known !== learnerId) {
      return { ok: false, code: "internal", detail: "learner object addressed with another learner's id" };
    }
    if (this.state) return { ok: true, value: this.state };
    this.readying ??= this.load(learnerId).finally(() => {
      this.readying = null;
    });
    try {
      return { ok: true, value: await this.readying };
    } catch (err) {
      this.resetDatabase();
      if (!(err instanceof DependencyError)) throw err;
      return { ok: false, code: "unavailable", detail: "this learner's history cannot be loaded right now; retry shortly", retryAfterSeconds: retryAfterFor(err.dependency) };
    }
  }

  private async load(learnerId: string): Promise<LiveLearnerState> {
    if (this.store.getMeta("hydrated") === null) {
      // A learner whose first flush never happened has nothing in Postgres: no marker, no
      // connection, no query (the common case under load is a brand-new learner).
      const known = (await calling("kv", () => this.env.CONTENT.get(knownLearnerKey(learnerId)))) !== null;
      if (known) {
        this.store.ensureSchema();
        await hydrateFromHistory({ store: this.store, learnerId, db: () => this.db(), content: this.content, now: this.clock() });
        // Hydration is once per object: do not hold its connection.
        this.resetDatabase();
        // The report of a mock test the rebuild finalised (./hydrate.ts) waits in the outbox.
        if (this.store.peekReports(1).length > 0) await this.scheduleFlush();
      } else {
        this.store.transaction(() => {
          this.store.ensureSchema();
          this.store.setMeta("learner_id", learnerId);
          this.store.setMeta("hydrated", String(this.clock()));
        });
        // Nothing to read back: a brand-new learner's state is empty.
        this.state = new LiveLearnerState(this.store, true);
        return this.state;
      }
    }
    this.state = new LiveLearnerState(this.store);
    return this.state;
  }

  /**
   * Keeps this learner's current rankings with its state, in the hand-over's commit (no commit
   * of their own): an object evicted while the learner reads the feedback (workerd evicts an
   * idle object after about ten seconds) then answers the learner's next `next` from the
   * ranking prepared after the attempt instead of loading and scoring every candidate again.
   */
  private saveRankings(): void {
    const state = this.state;
    if (!state) return;
    for (const [mode, ranking] of this.rankings) {
      if (ranking.seq !== state.seq || this.savedRankingSeq.get(mode) === ranking.seq) continue;
      const saved = { model: this.cfg().CORRECTNESS_MODEL, ...ranking, entries: ranking.entries.slice(0, SAVED_RANKING_KEEP) };
      this.store.setMeta(`ranking:${mode}`, JSON.stringify(saved));
      this.savedRankingSeq.set(mode, ranking.seq);
    }
  }

  /**
   * The ranking saved for `mode` (`saveRankings`), looked for once per object life: later the
   * in-memory one is at least as new. Null when none, or when it was scored by another model.
   */
  private savedRanking(mode: LearnerMode): CachedRanking | null {
    if (this.savedRankingChecked.has(mode)) return null;
    this.savedRankingChecked.add(mode);
    const raw = this.store.getMeta(`ranking:${mode}`);
    if (!raw) return null;
    try {
      const { model, ...ranking } = JSON.parse(raw) as CachedRanking & { model: string };
      if (model !== this.cfg().CORRECTNESS_MODEL) return null;
      this.savedRankingSeq.set(mode, ranking.seq);
      return ranking;
    } catch {
      return null;
    }
  }

  private hasUnserved(ranking: CachedRanking, state: LiveLearnerState): boolean {
    return ranking.entries.some((e) => !state.sessionItemIds.has(e.itemId));
  }

  /**
   * Ranks `items` for this learner: predictions come from the score cache where still valid,
   * the rest in one batch through the correctness model (or the knowledge model when the model
   * is off or cannot load — the reasons then say so); then the unified scoring over all of
   * them, keeping the best entries with their reasons. `cache` is null for shared rankings.
   */
  private async scoreRanking(
    state: LearnerView & { seq: number; history: LearnerHistory; predictorMix?: PredictorMixState },
    curriculum: Curriculum,
    items: readonly Item[],
    mode: LearnerMode,
    now: number,
    cache: ScoreCache | null,
  ): Promise<CachedRanking> {
    const cfg = DEFAULT_ENGINE_CONFIG;
    const lookup = resolveSkills(state.skill, curriculum.neighbours, cfg.knowledge);
    const predictor = await this.correctnessPredictor();
    const predictions = new Float64Array(items.length);
    // A new calibration version changes item parameters, so predictions cached under the old one go.
    const calibration = this.content.currentCalibration();
    const scorer = `${predictor.ok ? predictor.version : KNOWLEDGE_PREDICTOR}@calibration-${calibration?.version ?? 0}`;
    const missing = cache ? cache.lookup(items, scorer, now, predictions) : items.map((_, i) => i);
    const fresh = missing.length === items.length ? items : missing.map((i) => items[i] as Item);
    const rows =
      predictor.ok && fresh.length > 0
        ? buildFeatures(state.skill, curriculum.neighbours, state.history, fresh, new Float32Array(fresh.length * predictor.width), cfg.knowledge, predictor.width, this.content.currentLinks())
        : new Float32Array(0);
    const scored =
      fresh.length > 0
        ? await predictOrFallback(predictor, rows, fresh.length, () => predictBatch(fresh, lookup, cfg.knowledge, new Float64Array(fresh.length)), KNOWLEDGE_PREDICTOR)
        : { predictions: new Float64Array(0), predictor: predictor.ok ? predictor.version : KNOWLEDGE_PREDICTOR, fallback: !predictor.ok && predictor.version !== "off", reason: predictor.ok ? undefined : predictor.reason };
    if (scored.fallback && predictor.ok) cache?.clear(); // the model failed mid-run: cached model scores no longer match
    for (let k = 0; k < missing.length; k++) {
      const i = missing[k] ?? 0;
      const p = scored.predictions[k] ?? Number.NaN;
      predictions[i] = p;
      if (cache && !(scored.fallback && predictor.ok)) cache.store(items[i] as Item, p);
    }
    // 1 in any minute where the configured model could not score (dashboard and /metrics:
    // learning_model_fallback); the response's `why.fallbackReason` says why.
    reportGauge(this.env, this.ctx, "model_fallback", scored.fallback ? 1 : 0);
    if (scored.fallback) countFailure("model");
    // The model's predictions mixed with the knowledge model's, as far as each predicted this
    // learner's earlier answers (src/core/predictor-mix.ts); the cache keeps the model's own.
    const modelScored = predictor.ok && !scored.fallback;
    const knowledge = modelScored ? predictBatch(items, lookup, cfg.knowledge, new Float64Array(items.length)) : null;
    const weight = knowledge ? modelWeight(state.predictorMix ?? EMPTY_PREDICTOR_MIX, cfg.predictorMix) : Number.NaN;
    const used = knowledge ? mixPredictions(predictions, knowledge, weight) : predictions;
    const { ranked, eligible } = rankItems(state, curriculum, items, mode, now, cfg, used, RANKING_KEEP);
    const [low, high] = cfg.scoring.targetBand;
    // Kept entries share few skills: each skill's mastery (neighbour priors resolved) once.
    const masteryOf = new Map<string, number>();
    const mastery = (skillId: string) => {
      let m = masteryOf.get(skillId);
      if (m === undefined) masteryOf.set(skillId, (m = masteryProbability(lookup(skillId), cfg.knowledge)));
      return m;
    };
    return {
      seq: state.seq,
      computedAt: now,
      candidates: eligible,
      reused: items.length - missing.length,
      entries: ranked.map((r) => ({
        itemId: r.candidate.itemId,
        why: {
          score: r.score,
          terms: r.terms,
          prediction: r.prediction,
          predictor: scored.predictor,
          ...(knowledge && Number.isFinite(predictions[r.index]) && Number.isFinite(knowledge[r.index])
            ? { mix: { model: predictions[r.index] as number, knowledge: knowledge[r.index] as number, modelWeight: weight } }
            : {}),
          ...(scored.fallback && scored.reason ? { fallbackReason: scored.reason } : {}),
          targetBand: [low, high],
          skillId: r.candidate.skillId,
          mastery: mastery(r.candidate.skillId),
          candidates: eligible,
          parameters: itemParameterSource(calibration, r.candidate.itemId),
        },
      })),
    };
  }

  /**
   * The correctness model (src/ml/predictor.ts, sessions loaded once per isolate): the
   * configured one, or the links model once the published item links are mature enough
   * (`linkedModel`).
   */
  private correctnessPredictor(): Promise<CorrectnessPredictor> {
    const answers = this.content.currentLinksAnswers();
    const version = chooseModel(this.cfg(), answers === null ? null : { answers });
    if (!this.predictor || this.predictor.version !== version) this.predictor = { version, loading: getCorrectnessPredictor({ CORRECTNESS_MODEL: version }) };
    return this.predictor.loading;
  }

  /**
   * The ranking every brand-new learner starts from, computed once and shared through KV and
   * this isolate's memory: a new learner's first request costs neither scoring nor (usually)
   * a KV read and parse.
   */
  private async startRanking(curriculum: Curriculum, now: number): Promise<CachedRanking> {
    const held = startRankingMemory.get(curriculum);
    if (held && now - held.computedAt < RANKING_TTL_MS && now >= held.computedAt) return held;
    const key = "start-ranking:v1:practice";
    // A shared cache only: KV failing means computing it here (counted).
    const cached = await this.env.CONTENT.get<CachedRanking>(key, { type: "json" }).catch(() => {
      countFailure("kv");
      return null;
    });
    if (cached && now - cached.computedAt < RANKING_TTL_MS) {
      const ranking = { ...cached, seq: 0, reused: cached.candidates };
      startRankingMemory.set(curriculum, ranking);
      return ranking;
    }
    const blank = blankLearnerView();
    const skillIds = candidateSkills(blank, curriculum, "practice", now, DEFAULT_ENGINE_CONFIG);
    const banks = await this.content.skillItems(skillIds, now);
    const ranking = await this.scoreRanking(blank, curriculum, banks.flat(), "practice", now, null);
    startRankingMemory.set(curriculum, ranking);
    this.ctx.waitUntil(this.env.CONTENT.put(key, JSON.stringify(ranking), { expirationTtl: Math.ceil(RANKING_TTL_MS / 1000) }).catch(() => countFailure("kv")));
    return ranking;
  }

  private replayed(previous: StoredAttempt, input: AttemptInput): RpcResult<AttemptResult> {
    if (previous.itemId !== input.itemId) {
      return { ok: false, code: "conflict", detail: `attempt ${input.clientAttemptId} was already used for item ${previous.itemId}` };
    }
    // History replayed from Postgres keeps no request; its item is all a retry can be held to.
    if (previous.request !== null && previous.request !== attemptRequest(input)) {
      return {
        ok: false,
        code: "conflict",
        detail: `attempt ${input.clientAttemptId} was already recorded with a different response or response time; a retry must resend the same body, a new answer needs a new clientAttemptId`,
      };
    }
    // Results stored before `withheld` existed are graded ones.
    const stored: GradedAttemptResult = { ...(previous.result as Omit<GradedAttemptResult, "withheld">), withheld: false, replayed: true };
    const testId = stored.mockTest?.testId;
    const running = testId !== undefined && this.store.getMockTest(testId)?.status === "active";
    return { ok: true, value: running ? withheldAttempt(stored, testId) : stored };
  }

  /**
   * Has the outbox handed over OUTBOX_FLUSH_DELAY_MS from now (batching the attempts of that
   * window) by an in-memory timer, and makes sure a durable alarm fires within
   * OUTBOX_SAFETY_MS in case this object is evicted or restarted first. Setting an alarm is a
   * storage write on two databases (the object's and the namespace's alarm index) and so is
   * its deletion after it fires or once the timer has emptied the outbox (`dropIdleAlarm`): on
   * the routine path once per stretch of activity, not once per flush window. Alarms and timers
   * run on real time, whatever `clock` says.
   */
  private async scheduleFlush(): Promise<void> {
    const delay = this.flushDelayMs ?? this.cfg().OUTBOX_FLUSH_DELAY_MS;
    await this.scheduleAlarmBy(Date.now() + Math.max(delay, OUTBOX_SAFETY_MS));
    if (this.flushTimer === null && delay < OUTBOX_SAFETY_MS) {
      this.requestsSinceArmed = 0;
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.ctx.waitUntil(this.handOverOnTimer());
      }, delay);
    }
  }

  /** Makes sure the alarm fires no later than `at` (one alarm serves the outbox and test expiry). */
  private async scheduleAlarmBy(at: number): Promise<void> {
    // An alarm this object set and that has not fired yet is enough; ask storage otherwise.
    if (this.alarmAt !== null && this.alarmAt > Date.now() && this.alarmAt <= at) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    } else {
      this.alarmAt = current;
    }
  }
}
