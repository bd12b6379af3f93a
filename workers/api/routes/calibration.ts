/**
 * Operator routes for item calibration (workers/calibration/job.ts):
 *   POST /v1/ops/calibration/run   runs the calibration job now, refitting every changed item (the Cron Trigger runs it on schedule)
 *   GET  /v1/ops/calibration       the published parameters: version, counts, the item links, and one item's entry and links
 *   GET  /v1/ops/calibration/versions  the newest versions in Postgres: counts and each run's scale shift
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { decodeCalibration } from "../../../src/core/calibration";
import type { PublishedCalibration } from "../../../src/core/calibration";
import { decodeLinks, encodeLinks } from "../../../src/core/item-links";
import { versionHistory } from "../../../src/db/calibration";
import { createItemStats } from "../../../src/stats/item-stats";
import { calling } from "../../dependency";
import { CALIBRATION_KV_KEY, reportScaleShift, runCalibration } from "../../calibration/job";
import type { AppEnv } from "../lib/context";

const RunSchema = z
  .object({
    version: z.number().nullable(),
    wrote: z.boolean(),
    claimed: z.number(),
    changed: z.number(),
    calibrated: z.number(),
    items: z.number(),
    maxExposure: z.number(),
    linksRefitted: z.boolean().openapi({ description: "Whether this run refitted the item links (enough new attempts since the last fit)" }),
    links: z.number().openapi({ description: "Item links published (0: none yet)" }),
    scaleShift: z.number().openapi({ description: "Common shift (logits) taken out of this run's fits to keep them on the authored scale; persistently large means learners' anchors disagree with it" }),
    statsEnabled: z.boolean(),
  })
  .openapi("CalibrationRun");

const runRoute = createRoute({
  method: "post",
  path: "/v1/ops/calibration/run",
  summary: "Run the item calibration job now",
  security: [{ operatorToken: [] }],
  responses: { 200: { description: "The run", content: { "application/json": { schema: RunSchema } } } },
});

const ItemCalibrationSchema = z.object({
  difficulty: z.number(),
  discrimination: z.number(),
  guessing: z.number(),
  responses: z.number(),
  seDifficulty: z.number(),
  status: z.enum(["authored", "provisional", "calibrated"]),
});

const LinkSchema = z.object({ itemId: z.string(), weight: z.number() });

const showRoute = createRoute({
  method: "get",
  path: "/v1/ops/calibration",
  summary: "The published item calibration",
  security: [{ operatorToken: [] }],
  request: {
    query: z.object({
      // Not ItemIdParam: that one names itself as the path parameter `id` in the OpenAPI document.
      item: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "item ids are 1–64 letters, digits, '_', '.' or '-'")
        .optional()
        .openapi({ param: { name: "item", in: "query" }, example: "fr-add-unlike-0042" }),
    }),
  },
  responses: {
    200: {
      description: "null version: nothing published yet",
      content: {
        "application/json": {
          schema: z.object({
            version: z.number().nullable(),
            createdAt: z.number().nullable(),
            items: z.number(),
            calibrated: z.number(),
            sympsonHetter: z.boolean(),
            exposureControlled: z.number(),
            links: z
              .object({ published: z.number(), answers: z.number(), learners: z.number(), throughAttemptId: z.number() })
              .nullable()
              .openapi({ description: "Item links learnt from the platform's attempts (src/core/item-links.ts); null before the job published any" }),
            item: ItemCalibrationSchema.nullable().optional(),
            itemLinks: z
              .object({ into: z.array(LinkSchema), outOf: z.array(LinkSchema) })
              .optional()
              .openapi({ description: "With `item`: the published links into it (answers on these items predict it) and out of it, strongest first" }),
          }),
        },
      },
    },
  },
});

const versionsRoute = createRoute({
  method: "get",
  path: "/v1/ops/calibration/versions",
  summary: "Calibration versions, newest first, with each run's scale shift",
  security: [{ operatorToken: [] }],
  request: {
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
  },
  responses: {
    200: {
      description: "The newest `limit` versions (from Postgres, the system of record)",
      content: {
        "application/json": {
          schema: z
            .object({
              versions: z.array(
                z.object({
                  version: z.number(),
                  createdAt: z.number(),
                  items: z.number(),
                  calibrated: z.number(),
                  scaleShift: z
                    .number()
                    .nullable()
                    .openapi({ description: "The common shift (logits) taken out of the version's refitted difficulties; null when it refitted no item or predates the record" }),
                }),
              ),
            })
            .openapi("CalibrationVersions"),
        },
      },
    },
  },
});

export function registerCalibrationRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(runRoute, async (c) => {
    const services = c.get("services");
    const { config } = services;
    const stats = createItemStats({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, prefix: config.ITEM_STATS_KEY_PREFIX });
    const run = await c.get("timing").measure("db", () => runCalibration({ db: services.db().write, stats, kv: c.env.CONTENT, now: Date.now(), all: true }));
    reportScaleShift(c.env, c.executionCtx, run);
    return c.json({ ...run, statsEnabled: stats.enabled }, 200);
  });

  app.openapi(versionsRoute, async (c) => {
    const { limit } = c.req.valid("query");
    const services = c.get("services");
    const rows = await c.get("timing").measure("db", () => calling("postgres", () => versionHistory(services.db().read, limit)));
    return c.json({ versions: rows.map((r) => ({ ...r, createdAt: r.createdAt.getTime() })) }, 200);
  });

  app.openapi(showRoute, async (c) => {
    const { item } = c.req.valid("query");
    const doc = await c.env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json");
    const entries = Object.values(doc?.items ?? {});
    // The table: under its own key (`linksRef`), or inside a document from before it.
    const ref = doc?.linksRef;
    const stored = ref ? await c.env.CONTENT.get(ref.key, "arrayBuffer") : null;
    const table = stored ? decodeLinks(stored) : doc?.links ? decodeLinks(encodeLinks(doc.links)) : null;
    const source = ref ?? doc?.links ?? null;
    const strongest = (list: Iterable<readonly [string, number]>) => Array.from(list, ([itemId, weight]) => ({ itemId, weight })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.itemId < b.itemId ? -1 : 1));
    const itemLinks = (id: string) => ({ into: strongest(table?.into(id) ?? []), outOf: strongest(table?.outgoing(id) ?? []) });
    const links = source ? { published: table?.count ?? 0, answers: source.answers, learners: source.learners, throughAttemptId: source.throughAttemptId } : null;
    return c.json(
      {
        version: doc?.version ?? null,
        createdAt: doc?.createdAt ?? null,
        items: entries.length,
        calibrated: entries.filter((e) => e[5] === 2).length,
        sympsonHetter: doc?.sympsonHetter ?? false,
        exposureControlled: Object.keys(doc?.exposure ?? {}).length,
        links,
        ...(item ? { item: decodeCalibration(doc, item), itemLinks: itemLinks(item) } : {}),
      },
      200,
    );
  });
}
