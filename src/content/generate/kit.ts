/**
 * Turns a skill's instance generator into schema-valid items: chooses the answer format,
 * assembles and shuffles the choices, and sets the starting IRT parameters.
 */
import type { Item, Skill } from "../schema";
import { createRng, hashSeed } from "./random";
import type { Rng } from "./random";
import { clamp01, places } from "./math";

/** One generated problem, before it becomes an item. */
export interface Draft {
  prompt: string;
  /** The correct answer as displayed among the choices. */
  answer: string;
  /**
   * Wrong answers produced by named misconceptions, most telling first. The builder keeps the
   * first three distinct ones; list fallbacks (near misses) after them.
   */
  wrongs: readonly string[];
  /** The worked solution, one step per entry. */
  steps: readonly string[];
  /** Where this instance sits within its skill, 0 easiest … 1 hardest, from its features. */
  hardness: number;
  /** Set when the prompt also works as a typed numeric question. */
  value?: number;
  /** Absolute tolerance for typed numeric answers; defaults from the value's decimal places. */
  tolerance?: number;
  /** Set when the prompt also works as a typed text question (first entry canonical). */
  accepted?: readonly string[];
  /** Appended to the prompt when the item is free response, e.g. "Write it in simplest form." */
  freeHint?: string;
  tags?: readonly string[];
}

export interface SkillDef {
  /** Skill id, e.g. "fractions.add-unlike". */
  id: string;
  name: string;
  description: string;
  prerequisites: readonly string[];
  /** Item id prefix, e.g. "fr-add-unlike" → "fr-add-unlike-0042". */
  prefix: string;
  draft(rng: Rng, index: number): Draft;
}

export interface StrandDef {
  strand: string;
  skills: readonly SkillDef[];
}

export const ITEMS_PER_SKILL = 100;
const CHOICES = 4;
/** How hard we retry for a prompt this skill has not produced yet before accepting a repeat. */
const MAX_RETRIES = 30;

type Mode = "choice" | "numeric" | "text";

/**
 * 70 % multiple choice; the other slots become free response when the draft allows it.
 * Slots 17 and 19 prefer text so skills with both forms still get a few text items.
 */
function modeFor(index: number, d: Draft): Mode {
  const slot = index % 20;
  if (slot < 14) return "choice";
  const preferText = slot === 17 || slot === 19;
  if (preferText && d.accepted) return "text";
  if (d.value !== undefined) return "numeric";
  if (d.accepted) return "text";
  return "choice";
}

/** Two decimals, and never -0 (which JSON would silently turn into 0, breaking round trips). */
function round2(x: number): number {
  return Math.round(x * 100) / 100 + 0;
}

/**
 * Starting difficulty on the logit scale of the item's OWN skill: the knowledge model keeps
 * one ability per skill, so b says how hard the item is among that skill's items (0 = a
 * typical item of the skill), not how far along the curriculum the skill is — the
 * prerequisite graph carries the progression. The instance's hardness spreads items ±1.5
 * around the centre (so a learner can climb past the mastery threshold, θ ≈ 2, on the
 * skill's hard items), and reading load and typed answers add a little.
 * Discrimination falls for word problems and for harder, multi-step instances, where more
 * than the target skill decides the outcome; typed answers discriminate a little better.
 */
export function startingParameters(hardness: number, word: boolean, mode: Mode): { difficulty: number; discrimination: number } {
  const h = clamp01(hardness);
  const difficulty = 1.5 * (2 * h - 1) + (word ? 0.2 : 0) + (mode === "choice" ? 0 : 0.3);
  const discrimination = 1.5 - 0.35 * h - (word ? 0.2 : 0) + (mode === "choice" ? 0 : 0.1);
  return {
    difficulty: round2(Math.min(6, Math.max(-6, difficulty))),
    discrimination: round2(Math.min(1.6, Math.max(0.8, discrimination))),
  };
}

function defaultTolerance(value: number): number {
  return places(value) === 0 ? 0 : 0.001;
}

export function buildSkillItems(def: SkillDef, strand: string, seed: number, count = ITEMS_PER_SKILL): Item[] {
  const rng = createRng(hashSeed(seed, def.id));
  const seen = new Set<string>();
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    let d = def.draft(rng, i);
    for (let tries = 0; seen.has(d.prompt) && tries < MAX_RETRIES; tries++) d = def.draft(rng, i);
    seen.add(d.prompt);

    const mode = modeFor(i, d);
    const word = d.tags?.includes("word-problem") ?? false;
    const { difficulty, discrimination } = startingParameters(d.hardness, word, mode);
    const id = `${def.prefix}-${String(i).padStart(4, "0")}`;
    const tags = [...new Set([strand, ...(d.tags ?? []), mode === "choice" ? "multiple-choice" : mode])];
    const explanation = [...d.steps, `Answer: ${mode === "text" && d.accepted?.[0] ? d.accepted[0] : d.answer}`].join("\n");
    // Key order is the reading order of an exported row: what it is, what it asks, the key.
    const head = { id, skillIds: [def.id] };
    const tail = { explanation, difficulty, discrimination };

    if (mode === "choice") {
      const answer = d.answer.trim();
      const wrongs: string[] = [];
      for (const w of d.wrongs) {
        const t = w.trim();
        if (t !== "" && t !== answer && !wrongs.includes(t)) wrongs.push(t);
        if (wrongs.length === CHOICES - 1) break;
      }
      if (wrongs.length < CHOICES - 1) throw new Error(`${id}: only ${wrongs.length} distinct distractors for "${d.prompt}"`);
      const choices = rng.shuffle([answer, ...wrongs]);
      items.push({ ...head, prompt: d.prompt, choices, answer: { type: "choice", index: choices.indexOf(answer) }, ...tail, guessing: 1 / CHOICES, calibrated: false, tags });
    } else {
      const prompt = d.freeHint ? `${d.prompt} ${d.freeHint}` : d.prompt;
      if (mode === "numeric" && d.value !== undefined) {
        const tolerance = d.tolerance ?? defaultTolerance(d.value);
        items.push({ ...head, prompt, answer: { type: "numeric", value: d.value + 0, tolerance }, ...tail, guessing: 0, calibrated: false, tags });
      } else {
        items.push({ ...head, prompt, answer: { type: "text", accepted: [...new Set(d.accepted ?? [d.answer])] }, ...tail, guessing: 0, calibrated: false, tags });
      }
    }
  }
  return items;
}

export function toSkill(def: SkillDef, strand: string, position: number): Skill {
  return { id: def.id, name: def.name, description: def.description, strand, position, prerequisites: [...def.prerequisites] };
}

/** Tags for a word problem: "word-problem" plus any skill-specific tags. */
export function word(tags: readonly string[] = []): string[] {
  return ["word-problem", ...tags];
}
