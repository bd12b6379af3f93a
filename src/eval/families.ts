/**
 * The teaching study's learner families: different ideas of how people learn, so that the
 * engine is not only judged by a simulator built on its own assumption (the engine aims
 * for a success chance of 0.65–0.85; a learner who learns fastest at 0.7 favours it).
 *
 *   bell-0.7   reference, CIRCULAR: learning peaks at P = 0.7 (src/eval/simulator.ts), the
 *              engine's own band; exponential forgetting. Kept to compare with the old study.
 *   bkt        knowledge states with slip and guess (BKT), learning on any practice of the
 *              skill at rate T whatever the item's difficulty; (L0, T, G, S) fitted to
 *              ASSISTments 2009 (src/eval/sim-fit.ts); FSRS power-law forgetting of the
 *              known state.
 *   pfa-power  ability growth by outcome (PFA): a success adds γ logits, a failure ρ, with
 *              γ and ρ fitted to ASSISTments 2009 with student and skill intercepts; FSRS
 *              power-law forgetting of the gain.
 *   bell-0.4   learners who learn best from items they mostly FAIL (P = 0.4), well outside
 *              the engine's band — the "productive failure" / desirable-difficulty reading
 *              (Kapur 2008; Bjork & Bjork 2011), not fitted: a stress test of the band.
 *
 * Shared by all: the demo bank's skills and prerequisites (no learning on a skill while a
 * prerequisite is not truly mastered), traits drawn from the learner seed (learning-rate
 * multiplier, slips, general level, memory stability, spacing gain, speed), mastery = P on
 * the skill's typical item ≥ 0.8 (bkt: in the known state, where P = 1 − S).
 */
import { mulberry32 } from "../core/random";
import type { Random } from "../core/random";
import type { ItemParams } from "../core/types";
import type { BktFit, PfaFit } from "./sim-fit";
import { SimLearner, retained } from "./simulator";
import type { LearnerTraits, SimWorld, TrueLearner } from "./simulator";

const DAY_MS = 86_400_000;
const SITTING_GAP_MS = 8 * 3_600_000;
/** Days: the stability cap of the θ families' spacing rule, given to knowledge a learner arrives with. */
const OLD_KNOWLEDGE_STABILITY = 365;

export type FamilyKey = "bell-0.7" | "bkt" | "pfa-power" | "bell-0.4";

export interface Family {
  readonly key: FamilyKey;
  readonly label: string;
  /** Where its parameters come from (the report prints it). */
  readonly origin: string;
  create(world: SimWorld, traits: LearnerTraits, start: number): TrueLearner;
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * A BKT learner. Per skill: known or not. P(correct) = 1 − S when known, max(G, c) when not.
 * Each attempt on a skill whose prerequisites are mastered teaches it with probability
 * T × (the learner's rate / the population's), whatever the item. A known skill is
 * forgotten once the FSRS retrievability of its memory falls below a threshold u ~ U(0, 1)
 * drawn at its last practice (so it is known at time t iff R(t) ≥ u: consistent whenever it
 * is asked); stability grows with spaced practice as in the θ families, and knowledge the
 * learner arrived with has the longest stability (365 days). Starting state:
 * known with probability σ(logit L0 + (level − 0.3) − 1.5 (position − ½)), so stronger
 * learners and earlier skills start known more often, around the fitted L0 on average.
 */
export class BktLearner implements TrueLearner {
  readonly traits: LearnerTraits;
  private readonly world: SimWorld;
  private readonly fit: BktFit;
  private readonly known: Uint8Array;
  private readonly threshold: Float64Array;
  private readonly lastPractice: Float64Array;
  private readonly lastSitting: Float64Array;
  private readonly stability: Float64Array;
  private readonly state: Random;
  private readonly responses: Random;

  constructor(world: SimWorld, traits: LearnerTraits, start: number, fit: BktFit) {
    this.world = world;
    this.traits = traits;
    this.fit = fit;
    const n = world.skills.length;
    this.known = new Uint8Array(n);
    this.threshold = new Float64Array(n);
    this.lastPractice = new Float64Array(n).fill(start);
    this.lastSitting = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.stability = new Float64Array(n).fill(traits.initialStability);
    const init = mulberry32((traits.seed ^ 0x9e3779b9) >>> 0);
    world.skills.forEach((_, i) => {
      const rel = n > 1 ? i / (n - 1) : 0;
      this.known[i] = init() < sigmoid(logit(fit.init) + (traits.generalLevel - 0.3) - 1.5 * (rel - 0.5)) ? 1 : 0;
      // Starting knowledge is old, consolidated knowledge: it does not fade within the study
      // (threshold 0), and practising it keeps it at the longest stability.
      this.threshold[i] = 0;
      if (this.known[i]) this.stability[i] = OLD_KNOWLEDGE_STABILITY;
    });
    this.state = mulberry32((traits.seed * 40503 + 17) >>> 0);
    this.responses = mulberry32((traits.seed * 2654435761) >>> 0);
  }

  private idx(skillId: string): number {
    const i = this.world.index.get(skillId);
    if (i === undefined) throw new Error(`unknown skill ${skillId}`);
    return i;
  }

  private knownAt(i: number, now: number): boolean {
    if (!this.known[i]) return false;
    const days = Math.max(0, now - (this.lastPractice[i] ?? now)) / DAY_MS;
    return retained("power", days, this.stability[i] ?? 1) >= (this.threshold[i] ?? 0);
  }

  pCorrect(item: ItemParams, now: number): number {
    const i = this.idx(item.skillIds[0] ?? "");
    return this.knownAt(i, now) ? 1 - this.fit.slip : Math.max(this.fit.guess, item.guessing);
  }

  skillProbability(skillId: string, now: number): number {
    return this.knownAt(this.idx(skillId), now) ? 1 - this.fit.slip : this.fit.guess;
  }

  isMastered(skillId: string, now: number): boolean {
    return this.knownAt(this.idx(skillId), now);
  }

  masteredCount(now: number): number {
    let n = 0;
    for (let i = 0; i < this.world.skills.length; i++) if (this.knownAt(i, now)) n++;
    return n;
  }

  answer(item: ItemParams, now: number): { correct: boolean; responseMs: number; pTrue: number } {
    const skillId = item.skillIds[0] ?? "";
    const i = this.idx(skillId);
    const pTrue = this.pCorrect(item, now);
    const correct = this.responses() < pTrue;
    const u = Math.max(this.responses(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.responses());
    const medianMs = 15_000 * Math.exp(0.9 * (0.8 - (this.knownAt(i, now) ? 0.9 : 0.3))) * this.traits.speed;
    const responseMs = Math.min(180_000, Math.max(2_000, medianMs * Math.exp(0.45 * z)));
    // Memory first (spacing effect on the first attempt of a sitting), then learning.
    const wasKnown = this.knownAt(i, now);
    const gap = now - (this.lastSitting[i] ?? Number.NEGATIVE_INFINITY);
    if (gap >= SITTING_GAP_MS && Number.isFinite(gap) && wasKnown) {
      const s = this.stability[i] ?? 1;
      this.stability[i] = Math.min(365, s * (1 + this.traits.spacingGain * (1 - retained("power", gap / DAY_MS, s))));
    }
    if (gap >= SITTING_GAP_MS) this.lastSitting[i] = now;
    let nowKnown = wasKnown;
    if (!wasKnown && this.prerequisitesMastered(skillId, now)) {
      nowKnown = this.state() < Math.min(1, this.fit.learn * (this.traits.learningRate / 0.15));
      if (nowKnown) this.stability[i] = this.traits.initialStability;
    }
    this.known[i] = nowKnown ? 1 : 0;
    this.threshold[i] = nowKnown ? this.state() : 0;
    this.lastPractice[i] = now;
    return { correct, responseMs, pTrue };
  }

  private prerequisitesMastered(skillId: string, now: number): boolean {
    const s = this.world.byId.get(skillId);
    if (!s) return false;
    for (const p of s.prerequisites) if (!this.knownAt(this.idx(p), now)) return false;
    return true;
  }
}

export interface FamilyFits {
  readonly bkt: BktFit;
  readonly pfa: PfaFit;
  /** What the fits were made on, for the report. */
  readonly source: string;
}

export function learnerFamilies(fits: FamilyFits): Family[] {
  const f3 = (x: number) => x.toFixed(3);
  return [
    {
      key: "bell-0.7",
      label: "Bell at P = 0.7 (the engine's own assumption: circular reference)",
      origin: "the original simulator: learning peaks at the success chance the engine targets; exponential forgetting",
      create: (world, traits, start) => new SimLearner(world, traits, start),
    },
    {
      key: "bkt",
      label: "BKT knowledge states, fitted",
      origin: `BKT fitted on ${fits.source}: L0 ${f3(fits.bkt.init)}, T ${f3(fits.bkt.learn)}, G ${f3(fits.bkt.guess)}, S ${f3(fits.bkt.slip)} (log-likelihood ${fits.bkt.logLik.toFixed(0)} over ${fits.bkt.answers} answers); FSRS power-law forgetting`,
      create: (world, traits, start) => new BktLearner(world, traits, start, fits.bkt),
    },
    {
      key: "pfa-power",
      label: "Growth by outcome (PFA), fitted, power-law forgetting",
      origin: `PFA with student and skill intercepts fitted on ${fits.source}: γ ${f3(fits.pfa.correct)} logit per success, ρ ${f3(fits.pfa.wrong)} per failure (log-likelihood ${fits.pfa.logLik.toFixed(0)} over ${fits.pfa.answers} answers); FSRS power-law forgetting (R = (1 + 19t/81S)^-0.5)`,
      create: (world, traits, start) =>
        new SimLearner(world, traits, start, { gain: { kind: "outcome", correct: fits.pfa.correct, wrong: fits.pfa.wrong }, forgetting: "power", ceilingAboveMedian: 4 }),
    },
    {
      key: "bell-0.4",
      label: "Bell at P = 0.4 (learn best from items mostly failed)",
      origin: "not fitted: a stress test of the engine's band (productive failure, Kapur 2008; desirable difficulties, Bjork & Bjork 2011); exponential forgetting",
      create: (world, traits, start) => new SimLearner(world, traits, start, { gain: { kind: "bell", centre: 0.4, width: 1 }, forgetting: "exponential", ceilingAboveMedian: 4 }),
    },
  ];
}
