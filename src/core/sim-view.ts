/**
 * An in-memory `LearnerView` (the interface the engine reads; the Durable Object backs the
 * same interface with SQLite). It stores exactly what the engine returns: skill beliefs and
 * review memory from `applyLearnerAttempt`, plus serving history.
 */
import type { AttemptOutcome, LearnerView } from "./engine";
import { emptyHistory } from "./features";
import type { LearnerHistory } from "./features";
import type { ItemParams, ReviewMemory, SkillState } from "./types";

/** How many recent primary skills are kept (scoring reads the last `siblingWindow`). */
const RECENT = 8;

export class SimLearnerView implements LearnerView {
  private readonly skills = new Map<string, SkillState>();
  private readonly memories = new Map<string, ReviewMemory>();
  private readonly seen = new Map<string, number>();
  private readonly session = new Set<string>();
  private recent: string[] = [];
  readonly goalSkillIds: ReadonlySet<string> = new Set<string>();
  /** The correctness model's per-learner history (features.ts), as the DO stores it. */
  readonly history: LearnerHistory = emptyHistory();

  readonly skill = (skillId: string): SkillState | undefined => this.skills.get(skillId);

  memory(skillId: string): ReviewMemory | undefined {
    return this.memories.get(skillId);
  }

  lastSeen(itemId: string): number | null {
    return this.seen.get(itemId) ?? null;
  }

  get sessionItemIds(): ReadonlySet<string> {
    return this.session;
  }

  get recentSkillIds(): readonly string[] {
    return this.recent;
  }

  get reviewedSkillIds(): Iterable<string> {
    return this.memories.keys();
  }

  /** A new sitting: nothing served in it yet. */
  startSession(): void {
    this.session.clear();
    this.recent = [];
  }

  /** Records that `item` was served at `now`. */
  serve(item: ItemParams, now: number): void {
    this.session.add(item.id);
    this.seen.set(item.id, now);
    this.recent = [item.skillIds[0] ?? "", ...this.recent].slice(0, RECENT);
  }

  /** Stores the engine's verdict on an answer. */
  apply(outcome: AttemptOutcome): void {
    for (const s of outcome.skills) this.skills.set(s.skillId, s);
    const primary = outcome.skills[0]?.skillId;
    if (primary !== undefined && outcome.memoryChanged) this.memories.set(primary, outcome.memory);
  }
}
