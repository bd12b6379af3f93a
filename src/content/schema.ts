/**
 * The content contract: what a skill and an item are, for the generator, the importer,
 * the database and the API alike. One zod schema each, so a row that imports is a row
 * the API can serve.
 *
 * Difficulty parameters follow item response theory on the logit scale:
 *   P(correct | θ) = c + (1 − c) · σ(a · (θ − b))
 * b = `difficulty` (0 is "average"), a = `discrimination` (> 0), c = `guessing` (0 ≤ c < 1,
 * typically 1/choices for multiple choice). `calibrated` says whether a, b, c were fitted on
 * response data or are authored starting values.
 */
import { z } from "zod";

export const SKILL_ID = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;
export const ITEM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const skillSchema = z
  .object({
    id: z.string().regex(SKILL_ID, "skill id must be lower-case words joined by '.' or '-'").max(64),
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).default(""),
    /** Curriculum strand, e.g. "fractions". */
    strand: z.string().trim().min(1).max(64),
    /** Position in the suggested teaching order (lower comes first). */
    position: z.number().int().min(0).default(0),
    prerequisites: z.array(z.string().regex(SKILL_ID)).max(20).default([]),
  })
  .strict();
export type Skill = z.output<typeof skillSchema>;
export type SkillInput = z.input<typeof skillSchema>;

export const answerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("choice"), index: z.number().int().min(0) }).strict(),
  z
    .object({
      type: z.literal("numeric"),
      value: z.number().finite(),
      /** Absolute tolerance accepted when grading. */
      tolerance: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal("text"),
      /** Accepted answers, compared case- and whitespace-insensitively. */
      accepted: z.array(z.string().trim().min(1).max(200)).min(1).max(20),
    })
    .strict(),
]);
export type Answer = z.output<typeof answerSchema>;

export const itemSchema = z
  .object({
    id: z.string().regex(ITEM_ID, "item id: letters, digits, '_', '.', '-' (at most 64)"),
    /** First skill is the primary one; the rest are secondary tags. */
    skillIds: z.array(z.string().regex(SKILL_ID)).min(1).max(8),
    prompt: z.string().trim().min(1).max(4000),
    /** Present for multiple choice; absent for free response. */
    choices: z.array(z.string().trim().min(1).max(500)).min(2).max(8).optional(),
    answer: answerSchema,
    explanation: z.string().trim().min(1).max(4000),
    difficulty: z.number().min(-6).max(6),
    discrimination: z.number().gt(0).max(4).default(1),
    guessing: z.number().min(0).lt(1).default(0),
    calibrated: z.boolean().default(false),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (item.answer.type === "choice") {
      if (!item.choices) {
        ctx.addIssue({ code: "custom", path: ["choices"], message: "a choice answer needs choices" });
      } else if (item.answer.index >= item.choices.length) {
        ctx.addIssue({
          code: "custom",
          path: ["answer", "index"],
          message: `answer index ${item.answer.index} is outside the ${item.choices.length} choices`,
        });
      } else if (new Set(item.choices).size !== item.choices.length) {
        ctx.addIssue({ code: "custom", path: ["choices"], message: "choices must be distinct" });
      }
    } else if (item.choices) {
      ctx.addIssue({ code: "custom", path: ["choices"], message: `a ${item.answer.type} answer takes no choices` });
    }
  });
export type Item = z.output<typeof itemSchema>;
export type ItemInput = z.input<typeof itemSchema>;

/** What a learner receives: never the answer key, never the explanation before answering. */
export type PublicItem = Omit<Item, "answer" | "explanation" | "calibrated"> & {
  kind: "choice" | "numeric" | "text";
};

export function toPublicItem(item: Item): PublicItem {
  const { answer, explanation: _explanation, calibrated: _calibrated, ...rest } = item;
  return { ...rest, kind: answer.type };
}

/** The right answer as a learner reads it after answering: the choice text, the number, or the first accepted text. */
export function displayAnswer(item: Pick<Item, "answer" | "choices">): string {
  const a = item.answer;
  if (a.type === "choice") return item.choices?.[a.index] ?? String(a.index);
  if (a.type === "numeric") return String(a.value);
  return a.accepted[0] ?? "";
}
