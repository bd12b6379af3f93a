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
 *   engine      the production engine: `candidateSkills` → items of those skills →
 *               `rankItems` → the top item; practice mode, with review mode for a random 20 %
 *               of sessions (falling back to practice when nothing is up for review).
 */
import { candidateSkills, dueSkills, rankItems } from "../core/engine";
import type { Curriculum, EngineConfig } from "../core/engine";
import type { Random } from "../core/random";
import type { ItemParams } from "../core/types";
import type { SimLearnerView } from "./sim-view";

export interface PolicyContext {
  readonly view: SimLearnerView;
  readonly curriculum: Curriculum;
  readonly items: readonly ItemParams[];
  readonly itemsBySkill: ReadonlyMap<string, readonly ItemParams[]>;
  readonly config: EngineConfig;
  readonly rng: Random;
}

export interface Policy {
  /** Called at the start of each daily session. */
  startSession(ctx: PolicyContext, now: number): void;
  choose(ctx: PolicyContext, now: number): ItemParams;
}

export type PolicyName = "random" | "fixed" | "review" | "engine";
export const POLICY_NAMES: readonly PolicyName[] = ["random", "fixed", "review", "engine"];
export const POLICY_LABELS: Readonly<Record<PolicyName, string>> = {
  random: "Random items",
  fixed: "Fixed curriculum (15/skill)",
  review: "Review-only spaced repetition (FSRS)",
  engine: "Engine unified scoring (80 % practice / 20 % review sessions)",
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

export const ENGINE_REVIEW_SESSION_SHARE = 0.2;

function enginePolicy(): Policy {
  let mode: "practice" | "review" = "practice";
  const rankFor = (ctx: PolicyContext, m: "practice" | "review", now: number): ItemParams | undefined => {
    const skillIds = candidateSkills(ctx.view, ctx.curriculum, m, now, ctx.config);
    const items: ItemParams[] = [];
    for (const s of skillIds) for (const it of ctx.itemsBySkill.get(s) ?? []) items.push(it);
    if (items.length === 0) return undefined;
    const { ranked } = rankItems(ctx.view, ctx.curriculum, items, m, now, ctx.config);
    const top = ranked[0];
    return top ? items[top.index] : undefined;
  };
  return {
    startSession(ctx) {
      mode = ctx.rng() < ENGINE_REVIEW_SESSION_SHARE ? "review" : "practice";
    },
    choose(ctx, now) {
      const item = (mode === "review" ? rankFor(ctx, "review", now) : undefined) ?? rankFor(ctx, "practice", now);
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
    case "review":
      return reviewPolicy();
    case "engine":
      return enginePolicy();
  }
}
