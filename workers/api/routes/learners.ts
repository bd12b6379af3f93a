/**
 * The learner's three hot endpoints, each one call to the learner's own Durable Object:
 * next item, attempt submission, progress. No shared database on this path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";
import { requireLearner } from "../lib/auth";
import { limitByLearner } from "../lib/rate-limit";
import { ApiError } from "../lib/problem";
import { sendJsonText } from "../lib/http";
import type { Context } from "hono";
import type { AttemptNextReply, AttemptResult, JsonText, LearnerExport, NextReply, NextResult, ProgressResult, RpcResult } from "../../learner/types";
import { recordDataRequest } from "../../../src/db/learners";
import { calling } from "../../dependency";
import { ItemIdParam, ProblemSchema, PublicItemSchema, SkillIdSchema, orNull } from "./schemas";

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
    mix: z
      .object({ model: z.number(), knowledge: z.number(), modelWeight: z.number() })
      .optional()
      .openapi({
        description:
          "Set when the correctness model's prediction was mixed with the knowledge model's (`prediction` is the mixture): each one's P(correct) and the model's weight for this learner, from how well each predicted their earlier answers",
      }),
    fallbackReason: z.string().optional().openapi({ description: "Set when the configured model could not be used and the knowledge model stood in: why." }),
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
    item: orNull(PublicItemSchema),
    why: orNull(WhySchema),
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
      .openapi({
        description:
          "Client-chosen id. A retry with the same id and the same body (itemId, response, responseMs) returns the first result with `replayed: true` and changes nothing; the same id with a different body is a 409.",
      }),
    itemId: ItemIdParam,
    response: z.union([z.string().max(1000), z.number(), z.object({ choice: z.number().int() }).strict()]).openapi({
      description: "Choice index (number or {choice}), a number, or text.",
    }),
    responseMs: z.number().int().min(0).max(86_400_000),
    next: z
      .enum(["practice", "review"])
      .optional()
      .openapi({
        description:
          "Also choose and serve the learner's next item in this mode, returned as `next` (what POST /next would answer right after this attempt): one request per practice step instead of two. Ignored for an answer to a mock-test item (`next: null`).",
      }),
  })
  .strict();

const MasteryChangeSchema = z
  .object({ skillId: z.string(), before: z.number(), after: z.number(), mastered: z.boolean(), newlyMastered: z.boolean() })
  .openapi("MasteryChange");

/** What every attempt result says: which attempt, when it was recorded, whether this is a retry's answer; the next item when asked for. */
const recorded = {
  clientAttemptId: z.string(),
  seq: z.number().int(),
  itemId: z.string(),
  answeredAt: z.number(),
  replayed: z.boolean(),
  next: orNull(NextSchema)
    .optional()
    .openapi({ description: "Present when the request asked for it (`next`): the learner's next item, as POST /next answers; null for a mock-test item, or when choosing it failed (see nextProblem)." }),
  nextProblem: z
    .object({ status: z.number().int(), code: z.string(), detail: z.string() })
    .optional()
    .openapi({ description: "Why `next` is null although it was asked for: the attempt is recorded; ask POST /next." }),
};

const GradedAttemptSchema = z
  .object({
    withheld: z.literal(false),
    ...recorded,
    correct: z.boolean(),
    correctAnswer: z.string(),
    explanation: z.string(),
    mastery: z.array(MasteryChangeSchema),
    nextReviewAt: z.number().nullable(),
    mockTest: z
      .object({ testId: z.string(), answered: z.number().int(), theta: z.number(), se: z.number(), done: z.boolean(), stopReason: z.string().nullable() })
      .optional(),
  })
  .openapi("GradedAttempt", { description: "Graded: correctness, the answer key, the worked explanation and the mastery change." });

const WithheldAttemptSchema = z
  .object({
    withheld: z.literal(true),
    ...recorded,
    mockTest: z.object({ testId: z.string(), answered: z.number().int(), done: z.literal(false) }),
  })
  .openapi("WithheldAttempt", { description: "An answer to a running mock test: recorded; feedback waits for the test's report." });

const AttemptSchema = z.union([GradedAttemptSchema, WithheldAttemptSchema]).openapi("AttemptResult");

const SkillProgressSchema = z
  .object({
    skillId: z.string(),
    mastery: z.number().openapi({ description: "P(θ > mastery threshold)" }),
    mastered: z.boolean(),
    ready: z.boolean().openapi({ description: "Every prerequisite mastered" }),
    mean: z.number(),
    variance: z.number(),
    attempts: z.number().int(),
    correct: z.number().int(),
  })
  .openapi("SkillProgress");

const ProgressSchema = z
  .object({
    learnerId: z.string(),
    masteryRule: z.string(),
    skills: z.array(SkillProgressSchema).readonly().openapi({ description: "Every skill, prerequisites first" }),
    readyToLearn: z.array(z.string()).readonly(),
    reviews: z.object({
      dueNow: z.number().int(),
      byDay: z.array(z.object({ date: z.string(), count: z.number().int() })).readonly().openapi({ description: "byDay[0] is today (overdue included)" }),
    }),
    attempts: z.number().int(),
    accuracy: z.number().nullable(),
    streakDays: z.number().int(),
    practiceTimeMs: z.number(),
    outbox: z.object({ pending: z.number().int(), oldestAt: z.number().nullable(), lastFlushAt: z.number().nullable(), failures: z.number().int() }),
  })
  .openapi("Progress");

const attemptRoute = createRoute({
  method: "post",
  path: "/v1/learners/{id}/attempts",
  summary: "Submit an answer (idempotent on clientAttemptId)",
  security,
  request: { params, body: { required: true, content: { "application/json": { schema: AttemptBody } } } },
  responses: {
    200: { description: "Graded; the learner's state is updated", content: { "application/json": { schema: AttemptSchema } } },
    404: problem("No such item"),
    409: problem("Item not served to this learner, already answered, or the clientAttemptId already used with a different body"),
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
    200: { description: "Progress", content: { "application/json": { schema: ProgressSchema } } },
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

const exportRoute = createRoute({
  method: "get",
  path: "/v1/learners/{id}/data",
  summary: "Export all of the learner's data (JSON); the request is recorded in the audit table",
  security,
  request: { params },
  responses: {
    200: {
      description: "Progress, goals, every attempt with its result, skill states, review memory, served items and mock tests",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi("LearnerExport") } },
    },
    ...errors,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/learners/{id}/data",
  summary: "Delete all of the learner's data (object storage, Postgres rows, queued writes); an audit row records it",
  description:
    "Irreversible. Item statistics in Redis keep the learner's answers only as anonymous per-item counts. Retrying after a 503 finishes the deletion.",
  security,
  request: { params },
  responses: {
    200: {
      description: "What was deleted",
      content: {
        "application/json": {
          schema: z.object({
            deleted: z.object({
              attempts: z.number().int().openapi({ description: "Attempt rows deleted from Postgres" }),
              skillStates: z.number().int(),
              mockTestReports: z.number().int(),
              queued: z.number().int().openapi({ description: "Writes that had not reached Postgres yet, dropped: rows in the learner's outbox and in its writer's queue" }),
            }),
            requestId: z.string(),
          }),
        },
      },
    },
    ...errors,
  },
});

/**
 * Calls the learner's Durable Object and unwraps its result, timing the call. The cast is
 * deliberate: workers-types' RPC mapping of a discriminated union does not narrow, and the
 * object's methods are declared to return exactly `RpcResult<T>`.
 */
export async function callLearner<T>(c: Context<AppEnv>, call: () => Promise<unknown>): Promise<T> {
  const result = (await c.get("timing").measure("do", call).catch(rethrowUnlessRetryable)) as RpcResult<T>;
  if (result.ok) return result.value;
  throw new ApiError(result.code, result.detail, result.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: result.retryAfterSeconds });
}

/**
 * The runtime marks Durable Object failures a client may retry (the object was reset,
 * overloaded, or its machine went away) as `retryable`/`overloaded`: those are 503s. Errors a
 * learner object throws itself are bugs and go on to the 500 handler.
 */
function rethrowUnlessRetryable(err: unknown): never {
  const e = err as { retryable?: unknown; overloaded?: unknown };
  if (e !== null && typeof e === "object" && (e.retryable === true || e.overloaded === true)) {
    throw new ApiError("unavailable", "the learner's state is being moved or restarted; retry shortly", { retryAfterSeconds: 1, cause: err });
  }
  throw err;
}

/**
 * The learner's score cache behind a served next item, for metrics (workers/api/lib/metrics.ts)
 * and load tests: x-cache is per request (a cached or shared ranking is a HIT, any fresh
 * prediction a MISS); x-score-cache counts entries, as the capacity plan's score cache did, and
 * the predictions the ranking took wherever it was computed (ahead of the request included).
 */
function scoreCacheHeaders(c: Context<AppEnv>, source: NextResult["source"] | undefined, scoreCache: NextResult["scoreCache"]): void {
  if (source !== undefined && source !== "none") c.header("x-cache", source !== "scored" || scoreCache?.reused === scoreCache?.candidates ? "HIT" : "MISS");
  if (scoreCache) c.header("x-score-cache", `reused=${scoreCache.reused}; candidates=${scoreCache.candidates}; predicted=${scoreCache.predicted}`);
}

/** The learner's own Durable Object. */
export const learnerStub = (env: Env, id: string) => env.LEARNER.get(env.LEARNER.idFromName(id));

export function registerLearnerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "learnerToken", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.use("/v1/learners/:id/*", requireLearner, limitByLearner);

  app.openapi(nextRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { mode } = c.req.valid("json");
    const { body, source, scoreCache } = await callLearner<NextReply>(c, () => learnerStub(c.env, id).next(id, mode));
    scoreCacheHeaders(c, source, scoreCache);
    return sendJsonText<Omit<NextResult, "scoreCache">>(c, body);
  });

  app.openapi(attemptRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { next, ...body } = c.req.valid("json");
    const response = typeof body.response === "object" ? body.response.choice : body.response;
    const input = { learnerId: id, ...body, response };
    if (!next) return sendJsonText(c, await callLearner<JsonText<AttemptResult>>(c, () => learnerStub(c.env, id).attempt(input)));
    const reply = await callLearner<AttemptNextReply>(c, () => learnerStub(c.env, id).attemptThenNext(input, next));
    scoreCacheHeaders(c, reply.source, reply.scoreCache);
    return sendJsonText(c, reply.body);
  });

  app.openapi(goalsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { skillIds } = c.req.valid("json");
    const value = await callLearner<{ goalSkillIds: string[] }>(c, () => learnerStub(c.env, id).setGoals(id, skillIds));
    return c.json(value, 200);
  });

  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid("param");
    const value = await callLearner<LearnerExport>(c, () => learnerStub(c.env, id).exportData(id));
    await calling("postgres", () =>
      recordDataRequest(c.get("services").db().write, { learnerId: id, kind: "export", requestId: c.get("requestId"), requestedAt: Date.now(), details: {} }),
    );
    c.header("content-disposition", `attachment; filename="learner-${id}.json"`);
    c.header("cache-control", "no-store");
    return c.json(value as unknown as Record<string, unknown>, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    const requestId = c.get("requestId");
    const value = await callLearner<{ deleted: { attempts: number; skillStates: number; mockTestReports: number; queued: number } }>(c, () =>
      learnerStub(c.env, id).deleteData(id, requestId),
    );
    return c.json({ ...value, requestId }, 200);
  });

  app.openapi(progressRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { utcOffsetMinutes } = c.req.valid("query");
    const json = await callLearner<JsonText<ProgressResult>>(c, () => learnerStub(c.env, id).progress(id, utcOffsetMinutes));
    return sendJsonText(c, json);
  });
}
