/** Response and parameter schemas shared by several route families (OpenAPI components). */
import { z } from "@hono/zod-openapi";

export const ItemIdParam = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "item ids are 1–64 letters, digits, '_', '.' or '-'")
  .openapi({ param: { name: "id", in: "path" }, example: "fr-add-unlike-0042" });

export const SkillIdSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, "skill ids are lower-case words joined by '.' or '-'")
  .openapi({ example: "fractions.add-unlike" });

export const PublicItemSchema = z
  .object({
    id: z.string(),
    skillIds: z.array(z.string()),
    kind: z.enum(["choice", "numeric", "text"]),
    prompt: z.string(),
    choices: z.array(z.string()).optional(),
    difficulty: z.number(),
    discrimination: z.number(),
    guessing: z.number(),
    tags: z.array(z.string()),
  })
  .openapi("Item", { description: "An item as a learner sees it: never the answer key or the explanation." });

export const SkillSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    strand: z.string(),
    position: z.number().int(),
    prerequisites: z.array(z.string()),
  })
  .openapi("Skill");

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    invalidParams: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export const problemResponses = {
  400: { description: "Invalid request", content: { "application/problem+json": { schema: ProblemSchema } } },
  404: { description: "Not found", content: { "application/problem+json": { schema: ProblemSchema } } },
  503: { description: "A dependency is unavailable (retry after Retry-After)", content: { "application/problem+json": { schema: ProblemSchema } } },
} as const;

/**
 * A named component or null, as `anyOf: [{$ref}, {type: "null"}]`. (`.nullable()` on a named
 * schema renders as `allOf: [{$ref}, {type: ["object", "null"]}]`, which no null satisfies and
 * generated clients type as an object; with a description it loses the null altogether.)
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);
