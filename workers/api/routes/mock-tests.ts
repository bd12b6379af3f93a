/**
 * Adaptive mock tests: start one, get its next item, read its report. Answers go through
 * the ordinary attempt endpoint (idempotent on clientAttemptId), which reports the test's
 * progress when the item belonged to one. Everything runs in the learner's Durable Object.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";
import type { MockReport, MockTestSummary } from "../../learner/mock-tests";
import type { JsonText, MockNextResult } from "../../learner/types";
import { LearnerIdSchema, callLearner, learnerStub } from "./learners";
import { sendJsonText } from "../lib/http";
import { ProblemSchema, PublicItemSchema, SkillIdSchema, orNull } from "./schemas";

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });
const errors = {
  400: problem("Invalid request"),
  401: problem("Missing or invalid bearer token"),
  403: problem("Token of another learner"),
  404: problem("No such mock test"),
  503: problem("Temporarily unavailable (retry)"),
} as const;
const security = [{ learnerToken: [] }];
const TestIdSchema = z.string().uuid().openapi({ param: { name: "testId", in: "path" } });

const StartBody = z
  .object({
    course: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/)
      .optional()
      .openapi({ description: '"all" (default: balanced over strands) or a strand such as "fractions" (balanced over its skills).' }),
    blueprint: z
      .array(z.object({ skillId: SkillIdSchema, target: z.number().positive().max(100) }).strict())
      .min(1)
      .max(80)
      .optional()
      .openapi({ description: "A custom blueprint over skills with target shares; overrides course." }),
    maxItems: z.number().int().min(1).max(80).optional(),
    seTarget: z.number().min(0.1).max(1).optional(),
    timeLimitMinutes: z.number().int().min(1).max(240).optional(),
  })
  .strict();

const SummarySchema = z
  .object({
    testId: z.string(),
    course: z.string(),
    status: z.enum(["active", "finished"]),
    blueprint: z.array(z.object({ stratum: z.string(), target: z.number() })),
    config: z.object({ minItems: z.number().int(), maxItems: z.number().int(), seTarget: z.number(), timeLimitMs: z.number().nullable(), randomesqueK: z.number().int() }),
    startedAt: z.number(),
    expiresAt: z.number(),
    answered: z.number().int(),
    theta: z.number(),
    se: z.number(),
  })
  .openapi("MockTest");

const StrandSchema = z
  .object({
    skillId: z.string().openapi({ description: "The stratum: a strand or a skill" }),
    target: z.number(),
    items: z.number().int(),
    correct: z.number().int(),
    share: z.number(),
    theta: z.number(),
    se: z.number(),
  })
  .openapi("MockTestStratum");

const ReportSchema = z
  .object({
    testId: z.string(),
    course: z.string(),
    status: z.enum(["active", "finished"]),
    startedAt: z.number(),
    theta: z.number(),
    se: z.number(),
    score: z.object({ value: z.number(), low: z.number(), high: z.number() }).openapi({ description: "200–800 score and its 95 % interval" }),
    itemsAnswered: z.number().int(),
    correct: z.number().int(),
    stopReason: z
      .enum(["se_target", "max_items", "time_limit", "pool_exhausted", "interrupted"])
      .nullable()
      .openapi({ description: "The stopping rule that ended the test; `interrupted`: ended from outside, see stopNote; null: expired before any rule fired" }),
    stopNote: z
      .string()
      .nullable()
      .openapi({ description: "Why the test ended, in words, when no stopping rule ended it (an interrupted test: the learner's storage was rebuilt mid-test, and what the report covers); null otherwise" }),
    elapsedMs: z.number(),
    skills: z.array(StrandSchema).readonly(),
    contentDeviation: z.number(),
    defaultsUsed: z.number().int(),
    recentUsed: z.number().int(),
    uncalibratedItemIds: z.array(z.string()).openapi({ description: "Items scored with default parameters (see parameterNote)" }),
    parameterNote: z.string(),
  })
  .openapi("MockTestReport", {
    description: "θ̂ with SE, a 200–800 score with a 95% interval, per-stratum breakdown, items answered, stop reason.",
  });
const NextSchema = z
  .object({
    testId: z.string(),
    item: orNull(PublicItemSchema),
    done: z.boolean(),
    answered: z.number().int(),
    theta: z.number().nullable().openapi({ description: "null while the test runs" }),
    se: z.number().nullable().openapi({ description: "null while the test runs" }),
    report: orNull(ReportSchema).openapi({ description: "null while the test runs" }),
  })
  .openapi("MockTestNext");

const startRoute = createRoute({
  method: "post",
  path: "/v1/learners/{id}/mock-tests",
  summary: "Start an adaptive mock test",
  security,
  request: { params: z.object({ id: LearnerIdSchema }), body: { required: true, content: { "application/json": { schema: StartBody } } } },
  responses: { 201: { description: "Started", content: { "application/json": { schema: SummarySchema } } }, 409: problem("A test is already running"), ...errors },
});

const nextRoute = createRoute({
  method: "post",
  path: "/v1/learners/{id}/mock-tests/{testId}/next",
  summary: "The next item of a mock test (the same one again until it is answered)",
  security,
  request: { params: z.object({ id: LearnerIdSchema, testId: TestIdSchema }) },
  responses: { 200: { description: "Next item, or the report when the test has stopped", content: { "application/json": { schema: NextSchema } } }, ...errors },
});

const reportRoute = createRoute({
  method: "get",
  path: "/v1/learners/{id}/mock-tests/{testId}",
  summary: "A finished mock test's report (409 while it runs: an interim score would reveal answers)",
  security,
  request: { params: z.object({ id: LearnerIdSchema, testId: TestIdSchema }) },
  responses: { 200: { description: "Report", content: { "application/json": { schema: ReportSchema } } }, 409: problem("The test is still running"), ...errors },
});

export function registerMockTestRoutes(app: OpenAPIHono<AppEnv>): void {
  // Authentication: the learner middleware registered for /v1/learners/:id/* covers these.

  app.openapi(startRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const value = await callLearner<MockTestSummary>(c, () => learnerStub(c.env, id).startMockTest(id, body));
    return c.json(value, 201);
  });

  app.openapi(nextRoute, async (c) => {
    const { id, testId } = c.req.valid("param");
    const json = await callLearner<JsonText<MockNextResult>>(c, () => learnerStub(c.env, id).mockNext(id, testId));
    return sendJsonText(c, json);
  });

  app.openapi(reportRoute, async (c) => {
    const { id, testId } = c.req.valid("param");
    const value = await callLearner<MockReport>(c, () => learnerStub(c.env, id).mockReport(id, testId));
    return c.json(value, 200);
  });
}
