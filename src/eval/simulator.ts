/**
 * Simulated learners with ground truth, for measuring how well item CHOICES teach.
 *
 * Each learner has, per skill s, a latent ability θ_s on the item logit scale. The true
 * probability of a correct answer to item i (skill s, IRT a, b, c) is
 *
 *   P_true = g + (1 − g − slip) · σ(a (θ_s − b)),   g = max(c, 0.02)
 *
 * with a per-learner slip rate. "Truly mastered" means P_true on the skill's median item,
 * without slips, reaches 0.8: θ_s ≥ b̃_s + logit(0.8)/ā_s (b̃ median difficulty, ā mean
 * discrimination of the skill's items) — the same bar the engine's mastery rule aims at.
 *
 * Learning (per attempt on skill s, whatever the outcome — feedback follows every answer):
 *   Δθ_s = λ · exp(−(x − logit 0.7)² / (2 w²)),   x = a(θ_s − b), w = 1 logit
 *   0 when a prerequisite of s is not truly mastered at that moment (nothing to build on)
 * a bell on the logit of the learner's own success chance p = σ(x), peaking at p = 0.7:
 * p = 0.5 or 0.9 still teach 70 % / 40 % of the peak, p = 0.3 about 25 %, while far too
 * hard (p < 0.1) or trivial (p > 0.97) items teach almost nothing (the logit scale makes
 * the bell symmetric in "how far off the level", which a bell on p itself would not be:
 * p cannot exceed 1). λ varies by learner.
 * θ_s is capped at b̃_s + 4 (nothing left to learn from this skill's items).
 *
 * Forgetting: what was learned above the starting level decays exponentially with time
 * since the skill's last practice, with a memory stability S_s (days):
 *   θ_s(t) = θ⁰_s + (θ_s(t_last) − θ⁰_s) · exp(−(t − t_last)/S_s)
 * and S_s grows when practice comes after a gap (the spacing effect): on the first attempt
 * of a sitting (≥ 8 h since the last), S_s ← min(365, S_s · (1 + κ · (1 − R))), R = exp(−gap/S_s),
 * so a review that comes when some was forgotten strengthens memory most; massed practice
 * within a sitting does not. κ ≈ 1.5 and the initial stability (≈ 7 days) vary by learner;
 * λ ≈ 0.15 logit: about ten well-targeted items lift a skill by a logit and a half.
 *
 * Starting knowledge: θ⁰_s = b̃_s + g_L + ε_s − 1.5 · position_s / (n − 1): a learner of general
 * level g_L ~ N(0.3, 0.8²) knows early skills better than late ones; ε_s ~ N(0, 0.5²).
 *
 * Response time (ms): log-normal around 15 s · e^{0.9 (0.8 − p)} · speed_L, σ_log = 0.45,
 * clamped to 2 s–3 min: harder items take longer, fluent ones are fast.
 *
 * All randomness comes from the seeded streams passed in: the learner's traits from its
 * own seed, responses from a separate stream, so two policies facing the same learner seed
 * face the same person and, answer for answer at equal P_true, the same luck.
 */
import { sigmoid } from "../core/knowledge";
import { mulberry32 } from "../core/random";
import type { Random } from "../core/random";
import type { ItemParams } from "../core/types";

const DAY_MS = 86_400_000;
const SITTING_GAP_MS = 8 * 3_600_000;
export const MASTERY_P = 0.8;

export interface SimSkill {
  readonly id: string;
  readonly position: number;
  readonly prerequisites: readonly string[];
  /** Median difficulty of the skill's items. */
  readonly medianDifficulty: number;
  /** Mean discrimination of the skill's items. */
  readonly meanDiscrimination: number;
}

export interface SimWorld {
  readonly skills: readonly SimSkill[];
  readonly byId: ReadonlyMap<string, SimSkill>;
  readonly index: ReadonlyMap<string, number>;
}

/** Skill reference points from the item bank. */
export function buildWorld(
  skills: readonly { id: string; position: number; prerequisites: readonly string[] }[],
  items: readonly ItemParams[],
): SimWorld {
  const bySkill = new Map<string, ItemParams[]>();
  for (const it of items) {
    const s = it.skillIds[0];
    if (s === undefined) continue;
    const list = bySkill.get(s);
    if (list) list.push(it);
    else bySkill.set(s, [it]);
  }
  const sorted = [...skills].sort((a, b) => a.position - b.position);
  const out: SimSkill[] = sorted.map((s) => {
    const list = bySkill.get(s.id) ?? [];
    const bs = list.map((i) => i.difficulty).sort((x, y) => x - y);
    const mid = bs.length === 0 ? 0 : bs.length % 2 === 1 ? (bs[bs.length >> 1] ?? 0) : ((bs[(bs.length >> 1) - 1] ?? 0) + (bs[bs.length >> 1] ?? 0)) / 2;
    const meanA = list.length === 0 ? 1 : list.reduce((a, i) => a + i.discrimination, 0) / list.length;
    return { id: s.id, position: s.position, prerequisites: s.prerequisites, medianDifficulty: mid, meanDiscrimination: meanA };
  });
  return { skills: out, byId: new Map(out.map((s) => [s.id, s])), index: new Map(out.map((s, i) => [s.id, i])) };
}

export interface LearnerTraits {
  readonly seed: number;
  /** Peak gain in logits per attempt (λ). */
  readonly learningRate: number;
  readonly slip: number;
  readonly generalLevel: number;
  /** Initial memory stability in days. */
  readonly initialStability: number;
  /** Spacing gain κ. */
  readonly spacingGain: number;
  /** Multiplies response times. */
  readonly speed: number;
}

/**
 * How an attempt moves θ (families, see src/eval/families.ts):
 *   bell     Δθ = λ · exp(−(x − logit c)² / 2w²) on the learner's own success logit x (above)
 *   outcome  Δθ = λ/0.15 · (γ if correct else ρ): performance-factor growth, where a success
 *            teaches γ logits and a failure ρ whatever the item's difficulty (PFA, Pavlik et
 *            al. 2009); λ/0.15 keeps the learner's own rate relative to the population's.
 */
export type GainRule = { readonly kind: "bell"; readonly centre: number; readonly width: number } | { readonly kind: "outcome"; readonly correct: number; readonly wrong: number };

/**
 * What fades between practice: the gain above the starting level is multiplied by
 *   exponential  R = exp(−t/S)
 *   power        R = (1 + (19/81) t/S)^(−1/2)   (FSRS-4.5's forgetting curve: R(S) = 0.9)
 */
export type ForgettingRule = "exponential" | "power";

export interface SimParams {
  readonly gain: GainRule;
  readonly forgetting: ForgettingRule;
  readonly ceilingAboveMedian: number;
}

export const DEFAULT_SIM_PARAMS: SimParams = { gain: { kind: "bell", centre: 0.7, width: 1 }, forgetting: "exponential", ceilingAboveMedian: 4 };

/** Share of a gain left after `days` without practice at stability `stability` (days). */
export function retained(rule: ForgettingRule, days: number, stability: number): number {
  return rule === "exponential" ? Math.exp(-days / stability) : (1 + ((19 / 81) * days) / stability) ** -0.5;
}

/** What the teaching study needs of a simulated learner, whatever its family. */
export interface TrueLearner {
  readonly traits: LearnerTraits;
  /** P_true of a correct answer at `now`. */
  pCorrect(item: ItemParams, now: number): number;
  /** A measure in [0, 1] of how well the skill is known at `now` (retention's mean P). */
  skillProbability(skillId: string, now: number): number;
  isMastered(skillId: string, now: number): boolean;
  masteredCount(now: number): number;
  answer(item: ItemParams, now: number): { correct: boolean; responseMs: number; pTrue: number };
}

function normal(rng: Random): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A learner's traits from its seed (the same seed → the same person). */
export function drawTraits(seed: number): LearnerTraits {
  const rng = mulberry32(seed);
  return {
    seed,
    learningRate: 0.15 * Math.exp(0.4 * normal(rng)),
    slip: 0.01 + 0.04 * rng(),
    generalLevel: 0.3 + 0.8 * normal(rng),
    initialStability: 7 * Math.exp(0.4 * normal(rng)),
    spacingGain: 1.5 * Math.exp(0.3 * normal(rng)),
    speed: Math.exp(0.3 * normal(rng)),
  };
}

/** Mutable latent state of one simulated learner (θ per skill; bell or outcome gains). */
export class SimLearner implements TrueLearner {
  readonly traits: LearnerTraits;
  readonly world: SimWorld;
  readonly params: SimParams;
  /** θ at the last practice (or the start), per skill index. */
  private readonly thetaAtLast: Float64Array;
  private readonly floor: Float64Array;
  private readonly lastPractice: Float64Array;
  private readonly lastSitting: Float64Array;
  private readonly stability: Float64Array;
  private readonly responses: Random;

  constructor(world: SimWorld, traits: LearnerTraits, startTime: number, params: SimParams = DEFAULT_SIM_PARAMS) {
    this.world = world;
    this.traits = traits;
    this.params = params;
    const n = world.skills.length;
    const rng = mulberry32((traits.seed ^ 0x9e3779b9) >>> 0);
    this.thetaAtLast = new Float64Array(n);
    this.floor = new Float64Array(n);
    this.lastPractice = new Float64Array(n).fill(startTime);
    this.lastSitting = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.stability = new Float64Array(n).fill(traits.initialStability);
    world.skills.forEach((s, i) => {
      const rel = n > 1 ? i / (n - 1) : 0;
      const theta = s.medianDifficulty + traits.generalLevel + 0.5 * normal(rng) - 1.5 * rel;
      this.thetaAtLast[i] = theta;
      this.floor[i] = theta;
    });
    this.responses = mulberry32((traits.seed * 2654435761) >>> 0);
  }

  private idx(skillId: string): number {
    const i = this.world.index.get(skillId);
    if (i === undefined) throw new Error(`unknown skill ${skillId}`);
    return i;
  }

  /** True θ of a skill at time `now` (forgetting applied). */
  theta(skillId: string, now: number): number {
    const i = this.idx(skillId);
    return this.thetaAt(i, now);
  }

  private thetaAt(i: number, now: number): number {
    const f = this.floor[i] ?? 0;
    const last = this.thetaAtLast[i] ?? 0;
    if (last <= f) return last;
    const days = Math.max(0, now - (this.lastPractice[i] ?? now)) / DAY_MS;
    return f + (last - f) * retained(this.params.forgetting, days, this.stability[i] ?? 1);
  }

  /** Memory stability of a skill in days. */
  stabilityOf(skillId: string): number {
    return this.stability[this.idx(skillId)] ?? 0;
  }

  /** σ(a(θ − b)): the chance of knowing the answer, without slips or guesses. */
  knowProbability(item: ItemParams, now: number): number {
    const s = item.skillIds[0] ?? "";
    return sigmoid(item.discrimination * (this.theta(s, now) - item.difficulty));
  }

  /** P_true of a correct answer, slips and guesses included. */
  pCorrect(item: ItemParams, now: number): number {
    const g = Math.max(item.guessing, 0.02);
    return g + (1 - g - this.traits.slip) * this.knowProbability(item, now);
  }

  /** P_true (no slips) on the skill's median item. */
  skillProbability(skillId: string, now: number): number {
    const s = this.world.byId.get(skillId);
    if (!s) return 0;
    return sigmoid(s.meanDiscrimination * (this.theta(skillId, now) - s.medianDifficulty));
  }

  isMastered(skillId: string, now: number): boolean {
    return this.skillProbability(skillId, now) >= MASTERY_P;
  }

  prerequisitesMastered(skillId: string, now: number): boolean {
    const s = this.world.byId.get(skillId);
    if (!s) return false;
    for (const p of s.prerequisites) if (!this.isMastered(p, now)) return false;
    return true;
  }

  masteredCount(now: number): number {
    let n = 0;
    for (const s of this.world.skills) if (this.isMastered(s.id, now)) n++;
    return n;
  }

  /**
   * The learner answers `item` at `now`: draws correctness and time, then learns (module
   * comment). Returns the P_true the answer was drawn from.
   */
  answer(item: ItemParams, now: number): { correct: boolean; responseMs: number; pTrue: number } {
    const pTrue = this.pCorrect(item, now);
    const know = this.knowProbability(item, now);
    const correct = this.responses() < pTrue;
    const z = normal(this.responses);
    const medianMs = 15_000 * Math.exp(0.9 * (0.8 - know)) * this.traits.speed;
    const responseMs = Math.min(180_000, Math.max(2_000, medianMs * Math.exp(0.45 * z)));
    this.practise(item, now, know, correct);
    return { correct, responseMs, pTrue };
  }

  /** Applies learning and the spacing effect for one attempt (no response drawn). */
  practise(item: ItemParams, now: number, know = this.knowProbability(item, now), correct = true): void {
    const skillId = item.skillIds[0] ?? "";
    const i = this.idx(skillId);
    const current = this.thetaAt(i, now);
    const gap = now - (this.lastSitting[i] ?? Number.NEGATIVE_INFINITY);
    if (gap >= SITTING_GAP_MS && Number.isFinite(gap)) {
      const s = this.stability[i] ?? 1;
      const r = Math.exp(-gap / DAY_MS / s);
      this.stability[i] = Math.min(365, s * (1 + this.traits.spacingGain * (1 - r)));
    }
    if (gap >= SITTING_GAP_MS) this.lastSitting[i] = now;
    let gain = 0;
    const rule = this.params.gain;
    if (this.prerequisitesMastered(skillId, now)) {
      if (rule.kind === "bell") {
        const x = Math.log(Math.max(1e-12, know) / Math.max(1e-12, 1 - know));
        const d = x - Math.log(rule.centre / (1 - rule.centre));
        gain = this.traits.learningRate * Math.exp(-(d * d) / (2 * rule.width * rule.width));
      } else {
        gain = (this.traits.learningRate / 0.15) * (correct ? rule.correct : rule.wrong);
      }
    }
    const ceiling = (this.world.skills[i]?.medianDifficulty ?? 0) + this.params.ceilingAboveMedian;
    // A negative outcome gain (a fitted ρ < 0) may lower θ, never below the starting level.
    this.thetaAtLast[i] = gain >= 0 ? Math.max(current, Math.min(ceiling, current + gain)) : Math.max(Math.min(current, this.floor[i] ?? current), current + gain);
    this.lastPractice[i] = now;
  }
}
