/**
 * Operator routes for the outbox writers (workers/writer):
 *   GET  /v1/ops/writers            every shard's queue and counters: Postgres transactions,
 *                                   attempts written, connections opened (load tests divide
 *                                   them to report transactions and connections per attempt)
 *   POST /v1/ops/learners/mark-known writes the KV "known learner" marker for learners already in
 *                                   Postgres (once, when upgrading a deployment whose learners
 *                                   predate the marker: without it their objects would start blank)
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { asc, gt } from "drizzle-orm";
import { learners } from "../../../src/db/schema";
import { calling } from "../../dependency";
import type { AppEnv } from "../lib/context";
import { knownLearnerKey } from "../../learner/outbox";
import { shardName } from "../../writer/writer-do";

const WriterStatus = z.object({
  shard: z.number(),
  pending: z.object({ attempts: z.number(), states: z.number(), reports: z.number() }),
  oldestAt: z.number().nullable(),
  failures: z.number(),
  lastError: z.string().nullable(),
  transactions: z.number(),
  attemptsWritten: z.number(),
  attemptsAlreadyWritten: z.number().openapi({ description: "Attempts written again that Postgres already held (a lost acknowledgement, a shard reset between commit and delete): ignored there, never counted twice" }),
  connectionsOpened: z.number(),
  lastFlushAt: z.number().nullable(),
});

const writersRoute = createRoute({
  method: "get",
  path: "/v1/ops/writers",
  summary: "Outbox writer shards: queues and counters",
  security: [{ operatorToken: [] }],
  responses: {
    200: {
      description: "One entry per shard, and their totals",
      content: { "application/json": { schema: z.object({ shards: z.array(WriterStatus), totals: z.object({ pending: z.number(), transactions: z.number(), attemptsWritten: z.number(), attemptsAlreadyWritten: z.number(), connectionsOpened: z.number() }) }) } },
    },
  },
});

const markKnownRoute = createRoute({
  method: "post",
  path: "/v1/ops/learners/mark-known",
  summary: "Write the known-learner marker for learners in Postgres (one page; repeat with `after`)",
  security: [{ operatorToken: [] }],
  request: {
    query: z.object({
      after: z.string().max(200).default(""),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
    }),
  },
  responses: {
    200: {
      description: "Marked; `next` is the `after` of the next page, null when done",
      content: { "application/json": { schema: z.object({ marked: z.number(), next: z.string().nullable() }) } },
    },
  },
});

export function registerOutboxRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(writersRoute, async (c) => {
    const { config } = c.get("services");
    const shards = await Promise.all(
      Array.from({ length: config.OUTBOX_WRITER_SHARDS }, async (_, shard) => ({
        shard,
        ...(await c.env.WRITER.get(c.env.WRITER.idFromName(shardName(shard))).status()),
      })),
    );
    const sum = (f: (s: (typeof shards)[number]) => number) => shards.reduce((a, s) => a + f(s), 0);
    return c.json(
      {
        shards,
        totals: { pending: sum((s) => s.pending.attempts), transactions: sum((s) => s.transactions), attemptsWritten: sum((s) => s.attemptsWritten), attemptsAlreadyWritten: sum((s) => s.attemptsAlreadyWritten), connectionsOpened: sum((s) => s.connectionsOpened) },
      },
      200,
    );
  });

  app.openapi(markKnownRoute, async (c) => {
    const { after, limit } = c.req.valid("query");
    const services = c.get("services");
    const page = await c.get("timing").measure("db", () =>
      calling("postgres", () => services.db().write.select({ id: learners.id }).from(learners).where(gt(learners.id, after)).orderBy(asc(learners.id)).limit(limit)),
    );
    await calling("kv", () => Promise.all(page.map((l) => c.env.CONTENT.put(knownLearnerKey(l.id), "1"))));
    return c.json({ marked: page.length, next: page.length === limit ? (page[page.length - 1]?.id ?? null) : null }, 200);
  });
}
