/**
 * The learner's live state in memory, loaded from SQLite when the object starts (the parts
 * only scoring and progress read, on first use) and kept in step with every write.
 * Implements the engine's LearnerView, so scoring reads plain maps instead of querying
 * SQLite per candidate.
 */
import type { LearnerView } from "../../src/core/engine";
import { emptyHistory } from "../../src/core/features";
import type { LearnerHistory } from "../../src/core/features";
import { EMPTY_PREDICTOR_MIX } from "../../src/core/predictor-mix";
import type { PredictorMixState } from "../../src/core/predictor-mix";
import type { ReviewMemory, SkillState } from "../../src/core/types";
import type { AttemptSummary } from "../../src/core/progress";
import type { AttemptTotals, LearnerStore } from "./store";

/** A pause longer than this starts a new session (new items only within a session). */
export const SESSION_GAP_MS = 30 * 60_000;
/** How many recent items count for sibling spacing. */
const RECENT = 5;

export class LiveLearnerState implements LearnerView {
  readonly skills: Map<string, SkillState>;
  readonly memories: Map<string, ReviewMemory>;
  /** Loaded on first use (`loadAll`): a `next` answered from a saved ranking needs none of them. */
  private lastServedLoaded: Map<string, number> | null;
  private historyLoaded: LearnerHistory | null;
  private totalsLoaded: AttemptTotals | null;
  private mixLoaded: PredictorMixState | null;
  session: number;
  private sessionChanged = false;
  lastActivityAt: number;
  sessionItemIds: Set<string>;
  recentSkillIds: string[];
  goalSkillIds: Set<string>;
  /** Highest attempt sequence number; also the version of every cached ranking. */
  seq: number;

  /**
   * Loads the state from SQLite; `fresh` (an object just created for a learner with no
   * history) skips the reads, all of which would come back empty.
   */
  constructor(
    private readonly store: LearnerStore,
    fresh = false,
  ) {
    this.skills = fresh ? new Map() : store.loadSkillStates();
    this.memories = fresh ? new Map() : store.loadMemories();
    this.lastServedLoaded = fresh ? new Map() : null;
    this.session = fresh ? 0 : store.getNumber("session", 0);
    // The last serve is the last activity (not stored separately: one write less per `next`).
    const current = fresh ? { itemIds: new Set<string>(), lastServedAt: 0, recentSkillIds: [] } : store.currentSession(this.session, RECENT);
    this.lastActivityAt = current.lastServedAt;
    this.seq = fresh ? 0 : store.lastSeq();
    this.sessionItemIds = current.itemIds;
    this.recentSkillIds = current.recentSkillIds;
    const goals = fresh ? null : store.getMeta("goal_skill_ids");
    this.goalSkillIds = new Set(goals ? (JSON.parse(goals) as string[]) : []);
    this.historyLoaded = fresh ? emptyHistory() : null;
    this.totalsLoaded = fresh ? { total: 0, correct: 0, totalResponseMs: 0, minutes: new Set() } : null;
    this.mixLoaded = fresh ? EMPTY_PREDICTOR_MIX : null;
  }

  /** How far the correctness model is trusted for this learner against the knowledge model (src/core/predictor-mix.ts). */
  get predictorMix(): PredictorMixState {
    return (this.mixLoaded ??= this.store.loadPredictorMix());
  }

  /** Memory only: the caller's commit stored it (`LearnerStore.savePredictorMix`). */
  set predictorMix(state: PredictorMixState) {
    this.mixLoaded = state;
  }

  /** The counts the correctness model's features need (src/core/features.ts). */
  get history(): LearnerHistory {
    return (this.historyLoaded ??= this.store.loadFeatureHistory());
  }

  /** Attempt totals for progress, kept in step with every attempt (no scan of the attempts table after the first). */
  get totals(): AttemptTotals {
    return (this.totalsLoaded ??= this.store.attemptTotals());
  }

  /** When each item was last served: the exposure history the scorer penalises. */
  private get lastServed(): Map<string, number> {
    return (this.lastServedLoaded ??= this.store.lastServedMap());
  }

  /**
   * Loads what an attempt's commit is followed by in memory (everything read on first use but
   * the progress totals). Call it before that commit: loaded after it, the state would count
   * it twice.
   */
  loadAll(): void {
    void this.lastServed;
    void this.history;
    void this.predictorMix;
  }

  /**
   * Records an attempt in the progress totals, when they are loaded. Not loaded (a woken
   * object that has not answered `progress` yet): nothing to do, their first load reads the
   * committed attempt with the rest. An attempt never loads them: that is a pass over every
   * attempt the learner ever made (`LearnerStore.attemptTotals`).
   */
  answered(correct: boolean, responseMs: number, at: number): void {
    if (this.totalsLoaded === null) return;
    this.totals.total += 1;
    this.totals.correct += correct ? 1 : 0;
    this.totals.totalResponseMs += Math.max(0, responseMs);
    this.totals.minutes.add(Math.floor(at / 60_000));
  }

  /** Totals and active days for `utcOffsetMinutes` (whole minutes, so minute buckets are exact). */
  summary(utcOffsetMinutes: number): AttemptSummary {
    const days = new Set<number>();
    for (const m of this.totals.minutes) days.add(Math.floor((m + utcOffsetMinutes) / 1440));
    return { total: this.totals.total, correct: this.totals.correct, totalResponseMs: this.totals.totalResponseMs, activeDays: [...days].sort((a, b) => a - b) };
  }

  skill = (skillId: string): SkillState | undefined => this.skills.get(skillId);
  memory = (skillId: string): ReviewMemory | undefined => this.memories.get(skillId);
  lastSeen = (itemId: string): number | null => this.lastServed.get(itemId) ?? null;
  get reviewedSkillIds(): Iterable<string> {
    return this.memories.keys();
  }

  /** Items served at or after `since` (epoch ms). */
  itemsSeenSince(since: number): Set<string> {
    const out = new Set<string>();
    for (const [id, at] of this.lastServed) if (at >= since) out.add(id);
    return out;
  }

  /**
   * Starts a new session after a long pause; returns the current session number. Memory
   * only: the caller's commit writes a new session number with `persistSession`.
   */
  touch(now: number): number {
    if (now - this.lastActivityAt > SESSION_GAP_MS) {
      this.session += 1;
      this.sessionItemIds = new Set();
      this.sessionChanged = true;
    }
    this.lastActivityAt = now;
    return this.session;
  }

  /** Inside the caller's transaction: stores the session number if a new session started. */
  persistSession(): void {
    if (!this.sessionChanged) return;
    this.store.setMeta("session", String(this.session));
    this.sessionChanged = false;
  }

  served(itemId: string, skillId: string, at: number): void {
    this.lastServed.set(itemId, at);
    this.sessionItemIds.add(itemId);
    this.recentSkillIds = [skillId, ...this.recentSkillIds].slice(0, RECENT);
  }
}

/** A learner with no history: what every new learner's starting ranking is computed for. */
export function blankLearnerView(): LearnerView & { seq: number; history: LearnerHistory } {
  return {
    seq: 0,
    history: emptyHistory(),
    skill: () => undefined,
    memory: () => undefined,
    lastSeen: () => null,
    sessionItemIds: new Set(),
    recentSkillIds: [],
    goalSkillIds: new Set(),
    reviewedSkillIds: [],
  };
}
