/**
 * The learner's score cache: the predicted P(correct) of each candidate item, the expensive
 * input of unified scoring (features + one model batch), kept across attempts. The cheap
 * terms (band, urgency, readiness, exposure, sibling, goal) are recomputed from live state on
 * every ranking, so they are always exact.
 *
 * Invalidation (why an entry is dropped):
 *   - an attempt drops the entries of the skills it can change (`affectedSkills`: the item's
 *     skills and their graph neighbours — beliefs, neighbour priors, skill history);
 *   - learner-level features (total attempts, overall and recent accuracy, streaks, answers
 *     since each skill was practised, the difficulty-relative residuals, features/3's item-link
 *     sums over the last answers) move with every attempt for every item, so the whole
 *     cache is refreshed every `refreshEveryAttempts` attempts: an entry's learner-level
 *     inputs are never more than that many attempts old;
 *   - everything after `ttlMs` (the old plan's 15 minutes), and when the predictor changes
 *     (model loaded, or fallen back to the knowledge model).
 *
 * The hit ratio counts entries, as the capacity plan's score cache did (one entry per
 * learner–item score): reused entries ÷ candidates ranked.
 */

export interface ScoreCacheConfig {
  readonly refreshEveryAttempts: number;
  readonly ttlMs: number;
}

export const DEFAULT_SCORE_CACHE: ScoreCacheConfig = Object.freeze({ refreshEveryAttempts: 10, ttlMs: 15 * 60_000 });

export class ScoreCache {
  /** Primary skill → item → prediction. */
  private readonly bySkill = new Map<string, Map<string, number>>();
  private predictor: string | null = null;
  private since = 0;
  private attempts = 0;
  /** Since the object started: entries reused and entries computed. */
  readonly counts = { reused: 0, computed: 0 };

  constructor(private readonly config: ScoreCacheConfig = DEFAULT_SCORE_CACHE) {}

  /**
   * Fills `out` with cached predictions for `items` (NaN where none) and returns the indices
   * that need computing. `predictor` is the scorer about to run: a different one empties the cache.
   */
  lookup(items: ReadonlyArray<{ id: string; skillIds: readonly string[] }>, predictor: string, now: number, out: Float64Array): number[] {
    if (predictor !== this.predictor || now - this.since > this.config.ttlMs || now < this.since) this.reset(predictor, now);
    const missing: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const p = item ? this.bySkill.get(item.skillIds[0] ?? "")?.get(item.id) : undefined;
      if (p === undefined) {
        out[i] = Number.NaN;
        missing.push(i);
      } else {
        out[i] = p;
      }
    }
    this.counts.reused += items.length - missing.length;
    this.counts.computed += missing.length;
    return missing;
  }

  store(item: { id: string; skillIds: readonly string[] }, prediction: number): void {
    const skillId = item.skillIds[0] ?? "";
    let entries = this.bySkill.get(skillId);
    if (!entries) {
      entries = new Map();
      this.bySkill.set(skillId, entries);
    }
    entries.set(item.id, prediction);
  }

  /** After an attempt: drops what it changed, or everything every `refreshEveryAttempts`. */
  attempted(skills: Iterable<string>, itemId: string): void {
    this.attempts += 1;
    if (this.attempts >= this.config.refreshEveryAttempts) {
      this.bySkill.clear();
      this.attempts = 0;
      return;
    }
    for (const s of skills) this.bySkill.delete(s);
    for (const entries of this.bySkill.values()) entries.delete(itemId);
  }

  /** Empties the cache (goals changed, a test clock moved, another predictor). */
  clear(): void {
    this.bySkill.clear();
    this.attempts = 0;
  }

  private reset(predictor: string, now: number): void {
    this.bySkill.clear();
    this.predictor = predictor;
    this.since = now;
    this.attempts = 0;
  }
}
