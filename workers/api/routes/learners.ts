/**
 * The learner's three hot endpoints, each one call to the learner's own Durable Object:
 * next item, attempt submission, progress. No shared database on this path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";
import { requireLearner } from "../lib/auth";
import { ApiError } from "../lib/problem";
import type { Context } from "hono";
import type { AttemptResult, NextResult, ProgressResult, RpcResult } from "../../learner/types";
import { ItemIdParam, ProblemSchema, PublicItemSchema, SkillIdSchema } from "./schemas";

export const LearnerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "learner ids are 1–64 letters, digits, '_' or '-'")
  .openapi({ param: { name: "id", in: "path" }, example: "demo-learner" });

const params = z.object({ id: LearnerIdSchema });
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });
const errors = {
  400: problem("Invalid request"),
  401: problem("Missing or invalid bearer token"),
  403: problem("Token of another learner"),
  503: problem("Learner state temporarily unavailable (retry)"),
} as const;
const security = [{ learnerToken: [] }];

const TermsSchema = z.record(z.string(), z.number());
const WhySchema = z
  .object({
    score: z.number(),
    terms: TermsSchema,
    prediction: z.number(),
    predictor: z.string(),
    targetBand: z.tuple([z.number(), z.number()]),
    skillId: z.string(),
    mastery: z.number(),
    candidates: z.number().int(),
    parameters: z
      .object({ source: z.enum(["calibrated", "provisional", "authored"]), version: z.number().int().nullable(), responses: z.number().int() })
      .optional()
      .openapi({ description: "Whose item parameters the prediction used: the calibration job's (version, responses) or the authored ones" }),
  })
  .openapi("Why", { description: "Why this item: each scoring term's contribution." });

const NextSchema = z
  .object({
    mode: z.enum(["practice", "review"]),
    item: PublicItemSchema.nullable(),
    why: WhySchema.nullable(),
    source: z.enum(["start-ranking", "cache", "scored", "none"]),
    servedAt: z.number().nullable(),
    session: z.number().int(),
    message: z.string().optional(),
    nextReviewAt: z.number().nullable().optional(),
  })
  .openapi("NextItem");

const nextRoute = createRoute({
  method: "post",
  path: "/v1/learners/{id}/next",
  summary: "The next item for this learner",
  security,
  request: {
    params,
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ mode: z.enum(["practice", "review"]).default("practice") }).strict() } },
    },
  },
  responses: { 200: { description: "The chosen item (or none, with the reason)", content: { "application/json": { schema: NextSchema } } }, ...errors },
});

const AttemptBody = z
  .object({
    clientAttemptId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "1–64 letters, digits, '_', '.', ':' or '-'")
      .openapi({ description: "Client-chosen id: a retry with the same id returns the first result and changes nothing." }),
    itemId: ItemIdParam,
    response: z.union([z.string().max(1000), z.number(), z.object({ choice: z.number().int() }).strict()]).openapi({
      description: "Choice index (number or {choice}), a number, or text.",
    }),
    responseMs: z.number().int().min(0).max(86_400_000),
  })
  .strict();

const AttemptSchema = z
  .object({
    clientAttemptId: z.string(),
    seq: z.number().int(),
    itemId: z.string(),
    correct: z.boolean(),
    correctAnswer: z.string(),
    explanation: z.string(),
    mastery: z.array(z.object({ skillId: z.string(), before: z.number(), after: z.number(), mastered: z.boolean(), newlyMastered: z.boolean() })),
    nextReviewAt: z.number().nullable(),
    answeredAt: z.number(),
    replayed: z.boolean(),
    mockTest: z
      .object({ testId: z.string(), answered: z.number().int(), theta: z.number(), se: z.number(), done: z.boolean(), stopReason: z.string().nullable() })
      .optional(),
  })
  .openapi("AttemptResult");

const attemptRoute = createRoute({
  method: "post",
  path: "/v1/learners/{id}/attempts",
  summary: "Submit an answer (idempotent on clientAttemptId)",
  security,
  request: { params, body: { required: true, content: { "application/json": { schema: AttemptBody } } } },
  responses: {
    200: { description: "Graded; the learner's state is updated", content: { "application/json": { schema: AttemptSchema } } },
    404: problem("No such item"),
    409: problem("Item not served to this learner, already answered, or attempt id reused"),
    ...errors,
  },
});

const progressRoute = createRoute({
  method: "get",
  path: "/v1/learners/{id}/progress",
  summary: "Mastery, readiness, reviews due, accuracy, streak",
  security,
  request: { params, query: z.object({ utcOffsetMinutes: z.coerce.number().int().min(-840).max(840).default(0) }) },
  responses: {
    200: { description: "Progress", content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi("Progress") } } },
    ...errors,
  },
});

const goalsRoute = createRoute({
  method: "put",
  path: "/v1/learners/{id}/goals",
  summary: "Set the learner's goal skills",
  security,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: z.object({ skillIds: z.array(SkillIdSchema).max(50) }).strict() } } },
  },
  responses: {
    200: { description: "Goals set", content: { "application/json": { schema: z.object({ goalSkillIds: z.array(z.string()) }) } } },
    ...errors,
  },
});

/**
 * Calls the learner's Durable Object and unwraps its result, timing the call. The cast is
 * deliberate: workers-types' RPC mapping of a discriminated union does not narrow, and the
 * object's methods are declared to return exactly `RpcResult<T>`.
 */
export async function callLearner<T>(c: Context<AppEnv>, call: () => Promise<unknown>): Promise<T> {
  const result = (await c.get("timing").measure("do", call)) as RpcResult<T>;
  if (result.ok) return result.value;
  throw new ApiError(result.code, result.detail, result.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: result.retryAfterSeconds });
}

/** The learner's own Durable Object. */
export const learnerStub = (env: Env, id: string) => env.LEARNER.get(env.LEARNER.idFromName(id));

export function registerLearnerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "learnerToken", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.use("/v1/learners/:id/*", requireLearner);

  app.openapi(nextRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { mode } = c.req.valid("json");
    const { scoreCache, ...value } = await callLearner<NextResult>(c, () => learnerStub(c.env, id).next(id, mode));
    // The learner's score cache, for metrics (workers/api/lib/metrics.ts) and load tests:
    // x-cache is per request (a cached or shared ranking is a HIT, any fresh prediction a
    // MISS); x-score-cache counts entries, as the capacity plan's score cache did.
    if (value.source !== "none") c.header("x-cache", value.source !== "scored" || scoreCache?.reused === scoreCache?.candidates ? "HIT" : "MISS");
    if (scoreCache) c.header("x-score-cache", `reused=${scoreCache.reused}; candidates=${scoreCache.candidates}`);
    return c.json(value, 200);
  });

  app.openapi(attemptRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const response = typeof body.response === "object" ? body.response.choice : body.response;
    const value = await callLearner<AttemptResult>(c, () => learnerStub(c.env, id).attempt({ learnerId: id, ...body, response }));
    return c.json(value, 200);
  });

  app.openapi(goalsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { skillIds } = c.req.valid("json");
    const value = await callLearner<{ goalSkillIds: string[] }>(c, () => learnerStub(c.env, id).setGoals(id, skillIds));
    return c.json(value, 200);
  });

  app.openapi(progressRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { utcOffsetMinutes } = c.req.valid("query");
    const value = await callLearner<ProgressResult>(c, () => learnerStub(c.env, id).progress(id, utcOffsetMinutes));
    return c.json(value as unknown as Record<string, unknown>, 200);
  });
}
