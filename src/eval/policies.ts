/**
 * Item-choice policies compared on simulated learners. Each sees only what a real system
 * could see (the learner's answers, through the `SimLearnerView`), never the latent truth.
 *
 *   random      a uniformly random item of the whole bank (not repeated within a session).
 *   fixed       curriculum order: skills by position, 15 items per skill drawn at random
 *               within the skill, then the next skill, regardless of results (a workbook).
 *   review      FSRS spaced repetition only: if any practised skill is due (the engine's
 *               `dueSkills`, due flag), a random unseen item of the most overdue one;
 *               otherwise continue the newest skill for a block of 5 items, then introduce
 *               the next skill in position order.
 *   mastery     mastery learning without review: the first skill in curriculum order that
 *               the engine's mastery rule (`isMastered` on its beliefs) does not yet call
 *               mastered, random unseen items of it; never looks back.
 *   engine      the production engine as the learner Durable Object runs it, WITHOUT the
 *               correctness model (CORRECTNESS_MODEL=off): `candidateSkills` → items of
 *               those skills → `rankItems` on the knowledge model's predictions →
 *               `chooseNext` (best not served in this session), `stretchSkills` when a
 *               practice session ran the candidates dry; practice mode, with review mode for
 *               a random 20 % of sessions (falling back to practice when nothing is due).
 *   engine-model  the same, with the shipped correctness model's predictions: feature rows
 *               from `buildFeatures` over the learner's history (kept by `decideAttempt`),
 *               scored by the model's weights (src/ml/model.ts `evaluate`, checked equal to
 *               the .onnx file by test/ml/shipped-model.test.ts), mixed with the knowledge
 *               model's by how well each predicted this learner's earlier answers
 *               (src/core/predictor-mix.ts), handed to `rankItems` — the DO's
 *               `scoreRanking`, minus its score cache.
 *   engine-model-alone  the same without the mix: the model's predictions alone, as the
 *               engine ran before the mix shipped.
 *   engine-oracle  the same engine handed each candidate's TRUE P(correct) (the simulated
 *               learner's own, `PolicyContext.truth`) in place of any prediction: not a policy
 *               a platform can run, but the most any correctness model could give the engine
 *               as it uses predictions (ranking by desirable difficulty). The only policy that
 *               sees the latent truth.
 */
import { candidateSkills, chooseNext, dueSkills, rankItems, stretchSkills } from "../core/engine";
import type { Curriculum, EngineConfig } from "../core/engine";
import { buildFeatures } from "../core/features";
import { isMastered, predictBatch, resolveSkills } from "../core/knowledge";
import { DEFAULT_PREDICTOR_MIX, EMPTY_PREDICTOR_MIX, mixPredictions, modelWeight, observeAnswer } from "../core/predictor-mix";
import type { PredictorMixConfig, PredictorMixState } from "../core/predictor-mix";
import type { Random } from "../core/random";
import type { ItemParams, ReviewMemory } from "../core/types";
import { evaluate } from "../ml/model";
import type { CorrectnessModel } from "../ml/model";
import type { SimLearnerView } from "../core/sim-view";

export interface PolicyContext {
  readonly view: SimLearnerView;
  readonly curriculum: Curriculum;
  readonly items: readonly ItemParams[];
  readonly itemsBySkill: ReadonlyMap<string, readonly ItemParams[]>;
  readonly config: EngineConfig;
  readonly rng: Random;
  /** The correctness model for `engine-model`. */
  readonly model?: CorrectnessModel;
  /** The simulated learner's true P(correct) of an item at a time: for `engine-oracle` only. */
  readonly truth?: (item: ItemParams, now: number) => number;
}

export interface Policy {
  /** Called at the start of each daily session. */
  startSession(ctx: PolicyContext, now: number): void;
  choose(ctx: PolicyContext, now: number): ItemParams;
  /** Told each answer to the item `choose` returned last (after it is graded, before the next `choose`). */
  observe?(correct: boolean): void;
}

export type PolicyName = "random" | "fixed" | "mastery" | "review" | "engine" | "engine-model" | "engine-model-alone" | "engine-oracle";
export const POLICY_NAMES: readonly PolicyName[] = ["random", "fixed", "mastery", "review", "engine", "engine-model", "engine-model-alone", "engine-oracle"];
/** The policies the engine is measured against. */
export const BASELINES: readonly PolicyName[] = ["random", "fixed", "mastery", "review", "engine"];
export const POLICY_LABELS: Readonly<Record<PolicyName, string>> = {
  random: "Random items",
  fixed: "Fixed curriculum (15/skill)",
  mastery: "Mastery only (curriculum order, engine's mastery rule, no review)",
  review: "Review-only spaced repetition (FSRS)",
  engine: "Engine without the model (knowledge-model predictions)",
  "engine-model": "Engine with the correctness model, mixed per learner (as shipped)",
  "engine-model-alone": "Engine with the correctness model alone (before the mix)",
  "engine-oracle": "Engine with the learner's true P(correct) (oracle: the bound for any predictor)",
};

/** A random item of `pool` not served in this session (any item if all were). Prefers never-seen items. */
function pickFrom(pool: readonly ItemParams[], ctx: PolicyContext): ItemParams {
  const fresh = pool.filter((i) => ctx.view.lastSeen(i.id) === null);
  const notInSession = fresh.length > 0 ? fresh : pool.filter((i) => !ctx.view.sessionItemIds.has(i.id));
  const from = notInSession.length > 0 ? notInSession : pool;
  const item = from[Math.floor(ctx.rng() * from.length)];
  if (!item) throw new Error("empty item pool");
  return item;
}

function randomPolicy(): Policy {
  return {
    startSession: () => undefined,
    choose(ctx) {
      for (let tries = 0; tries < 50; tries++) {
        const item = ctx.items[Math.floor(ctx.rng() * ctx.items.length)];
        if (item && !ctx.view.sessionItemIds.has(item.id)) return item;
      }
      return pickFrom(ctx.items, ctx);
    },
  };
}

export const FIXED_ITEMS_PER_SKILL = 15;

function fixedPolicy(): Policy {
  let served = 0;
  return {
    startSession: () => undefined,
    choose(ctx) {
      const skills = ctx.curriculum.skills;
      const skill = skills[Math.floor(served / FIXED_ITEMS_PER_SKILL) % skills.length];
      served++;
      return pickFrom(ctx.itemsBySkill.get(skill?.id ?? "") ?? ctx.items, ctx);
    },
  };
}

export const REVIEW_NEW_BLOCK = 5;

function reviewPolicy(): Policy {
  let introduced = 0;
  let onNewest = 0;
  return {
    startSession: () => undefined,
    choose(ctx, now) {
      const due = dueSkills(ctx.view, now, ctx.config).filter((d) => d.due);
      const skills = ctx.curriculum.skills;
      const first = due[0];
      if (first) return pickFrom(ctx.itemsBySkill.get(first.skillId) ?? ctx.items, ctx);
      if (introduced === 0 || onNewest >= REVIEW_NEW_BLOCK) {
        if (introduced < skills.length) {
          introduced++;
          onNewest = 0;
        }
      }
      onNewest++;
      const skill = skills[Math.max(0, introduced - 1)];
      return pickFrom(ctx.itemsBySkill.get(skill?.id ?? "") ?? ctx.items, ctx);
    },
  };
}

function masteryPolicy(): Policy {
  return {
    startSession: () => undefined,
    choose(ctx) {
      const skill = ctx.curriculum.skills.find((s) => !isMastered(ctx.view.skill(s.id), ctx.config.knowledge)) ?? ctx.curriculum.skills.at(-1);
      return pickFrom(ctx.itemsBySkill.get(skill?.id ?? "") ?? ctx.items, ctx);
    },
  };
}

export const ENGINE_REVIEW_SESSION_SHARE = 0.2;

function enginePolicy(withModel: boolean, mix = false, oracle = false): Policy {
  let mode: "practice" | "review" = "practice";
  let mixState: PredictorMixState = EMPTY_PREDICTOR_MIX;
  let mixConfig: PredictorMixConfig = DEFAULT_PREDICTOR_MIX;
  // What each predictor said of the item chosen last (NaN: not scored).
  let lastModel = Number.NaN;
  let lastKnowledge = Number.NaN;
  const memories = (view: SimLearnerView): ReviewMemory[] => [...view.reviewedSkillIds].flatMap((s) => view.memory(s) ?? []);
  const choose = (ctx: PolicyContext, m: "practice" | "review", now: number, skillIds: readonly string[]): ItemParams | undefined => {
    const items: ItemParams[] = [];
    for (const s of skillIds) for (const it of ctx.itemsBySkill.get(s) ?? []) items.push(it);
    if (items.length === 0) return undefined;
    let predictions: Float64Array | undefined;
    if (oracle) {
      const truth = ctx.truth;
      if (!truth) throw new Error("engine-oracle needs the learner's truth");
      predictions = Float64Array.from(items, (it) => truth(it, now));
    } else if (withModel) {
      if (!ctx.model) throw new Error("engine-model needs the correctness model");
      const rows = buildFeatures(ctx.view.skill, ctx.curriculum.neighbours, ctx.view.history, items, new Float32Array(items.length * ctx.model.inputs), ctx.config.knowledge, ctx.model.inputs);
      predictions = evaluate(ctx.model, rows, items.length);
    }
    const modelPredictions = predictions;
    let knowledge: Float64Array | undefined;
    if (predictions && mix) {
      knowledge = predictBatch(items, resolveSkills(ctx.view.skill, ctx.curriculum.neighbours, ctx.config.knowledge), ctx.config.knowledge, new Float64Array(items.length));
      predictions = mixPredictions(predictions, knowledge, modelWeight(mixState, ctx.config.predictorMix));
    }
    const { ranked } = rankItems(ctx.view, ctx.curriculum, items, m, now, ctx.config, predictions);
    const choice = chooseNext(
      ranked.map((r) => ({ itemId: items[r.index]?.id ?? "", index: r.index })),
      ctx.view.sessionItemIds,
      memories(ctx.view),
      m,
    );
    if (choice.kind !== "serve") return undefined;
    lastModel = modelPredictions?.[choice.entry.index] ?? Number.NaN;
    lastKnowledge = knowledge?.[choice.entry.index] ?? Number.NaN;
    return items[choice.entry.index];
  };
  const practice = (ctx: PolicyContext, now: number): ItemParams | undefined => {
    const skillIds = candidateSkills(ctx.view, ctx.curriculum, "practice", now, ctx.config);
    return choose(ctx, "practice", now, skillIds) ?? choose(ctx, "practice", now, [...skillIds, ...stretchSkills(ctx.view, ctx.curriculum, skillIds, ctx.config.maxCandidateSkills, ctx.config)]);
  };
  return {
    startSession(ctx) {
      mode = ctx.rng() < ENGINE_REVIEW_SESSION_SHARE ? "review" : "practice";
    },
    observe(correct) {
      mixState = observeAnswer(mixState, lastModel, lastKnowledge, correct, mixConfig);
    },
    choose(ctx, now) {
      mixConfig = ctx.config.predictorMix;
      lastModel = Number.NaN;
      lastKnowledge = Number.NaN;
      const item = (mode === "review" ? choose(ctx, "review", now, candidateSkills(ctx.view, ctx.curriculum, "review", now, ctx.config)) : undefined) ?? practice(ctx, now);
      // Everything mastered and nothing due: keep the learner busy with the latest skill.
      return item ?? pickFrom(ctx.itemsBySkill.get(ctx.curriculum.skills.at(-1)?.id ?? "") ?? ctx.items, ctx);
    },
  };
}

export function makePolicy(name: PolicyName): Policy {
  switch (name) {
    case "random":
      return randomPolicy();
    case "fixed":
      return fixedPolicy();
    case "mastery":
      return masteryPolicy();
    case "review":
      return reviewPolicy();
    case "engine":
      return enginePolicy(false);
    case "engine-model":
      return enginePolicy(true, true);
    case "engine-model-alone":
      return enginePolicy(true, false);
    case "engine-oracle":
      return enginePolicy(false, false, true);
  }
}
