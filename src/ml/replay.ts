/**
 * Online replay of one student's sequence through the PRODUCTION knowledge model: for each
 * interaction, predict from the current beliefs (`predictCorrect` on a `resolveSkills`
 * lookup, exactly what `rankItems` does), then learn the outcome (`applyAttempt`, exactly
 * what `applyLearnerAttempt` does). Prediction i therefore depends on interactions 0…i−1
 * only; `replaySequence` asserts this on every step (see `ReplayInvariantError`).
 *
 * The data has no timestamps, so the clock advances one minute per interaction: the
 * per-day drift term of the model stays negligible and only per-attempt drift acts.
 */
import { applyAttempt, predictCorrect, resolveSkills } from "../core/knowledge";
import type { KnowledgeConfig, NeighbourIndex } from "../core/knowledge";
import type { ItemParams, SkillState } from "../core/types";
import type { Interaction } from "./dataset";

const NO_NEIGHBOURS: NeighbourIndex = new Map();
const START = Date.UTC(2024, 0, 1);
const STEP_MS = 60_000;

export class ReplayInvariantError extends Error {}

/** Turns an interaction into the item the model sees (skills mapped, fitted difficulty). */
export type ItemMapper = (interaction: Interaction) => ItemParams;

export interface ReplayObserver {
  /**
   * Called before the update of step i with the prediction, the item used and the belief
   * lookup that produced it (holding interactions 0…i−1 only; src/ml builds features from it).
   */
  (index: number, prediction: number, item: ItemParams, interaction: Interaction, lookup: (skillId: string) => SkillState): void;
}

/**
 * Predict-then-update over `interactions`. Returns P(correct) per interaction. Invariant
 * checked at every step: the beliefs used for prediction i have absorbed exactly the
 * skill-attempts of interactions 0…i−1 (Σ attempts over stored skills = Σ_{j<i} |skills_j|),
 * so no prediction can have seen its own outcome or a later one.
 */
export function replaySequence(
  interactions: readonly Interaction[],
  toItem: ItemMapper,
  config: KnowledgeConfig,
  observe?: ReplayObserver,
): Float64Array {
  const states = new Map<string, SkillState>();
  const stored = (id: string) => states.get(id);
  const preds = new Float64Array(interactions.length);
  let expectedAttempts = 0;
  let absorbedAttempts = 0;
  for (let i = 0; i < interactions.length; i++) {
    const x = interactions[i] as Interaction;
    const item = toItem(x);
    if (absorbedAttempts !== expectedAttempts) {
      throw new ReplayInvariantError(`step ${i}: beliefs hold ${absorbedAttempts} skill-attempts, expected ${expectedAttempts}`);
    }
    const lookup = resolveSkills(stored, NO_NEIGHBOURS, config);
    const p = predictCorrect(item, lookup, config);
    preds[i] = p;
    observe?.(i, p, item, x, lookup);
    const now = START + i * STEP_MS;
    for (const s of applyAttempt(item, lookup, x.correct, now, config)) {
      absorbedAttempts += s.attempts - (states.get(s.skillId)?.attempts ?? 0);
      states.set(s.skillId, s);
    }
    expectedAttempts += item.skillIds.length;
  }
  return preds;
}
