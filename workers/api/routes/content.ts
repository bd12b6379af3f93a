/**
 * Content delivery: one item, and the skill graph. Served from the isolate's hot-content
 * memory (a few seconds, ../lib/memory-cache.ts), else KV (read-through), falling back to
 * Postgres (the read replica when configured) on a miss; the ETag is the same from each. Learners never receive the
 * answer key: only `toPublicItem` output is cached under these keys.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { toPublicItem } from "../../../src/content/schema";
import type { Skill } from "../../../src/content/schema";
import { topologicalOrder } from "../../../src/core/graph";
import { getItem, listSkills } from "../../../src/db/content";
import type { AppEnv } from "../lib/context";
import { sendCachedJson } from "../lib/http";
import type { CacheRead } from "../lib/kv-cache";
import type { Services } from "../lib/services";
import { ApiError } from "../lib/problem";
import { ItemIdParam, PublicItemSchema, SkillSchema, problemResponses } from "./schemas";

/** KV key versions: bump when the cached shape changes so old entries are never misread. */
export const contentKeys = {
  publicItem: (id: string) => `item:v1:${id}`,
  skills: () => "skills:v1",
};

/** The body of `GET /v1/skills`: the skills, a teaching order, the prerequisite edges. */
export function skillGraph(skills: Skill[]): { skills: Skill[]; order: string[]; edges: Array<{ from: string; to: string }> } {
  return { skills, order: topologicalOrder(skills), edges: skills.flatMap((s) => s.prerequisites.map((p) => ({ from: p, to: s.id }))) };
}

/** One item as learners see it, through the content cache (memory, KV, Postgres); `entry.body` null when the bank has no such item. */
export function readPublicItem(services: Services, id: string): Promise<CacheRead> {
  return services.cache.readThrough(contentKeys.publicItem(id), services.config.CONTENT_CACHE_TTL_SECONDS, async () => {
    const item = await getItem(services.db().read, id);
    return item ? toPublicItem(item) : null;
  });
}

const cacheControl = (ttl: number) => `public, max-age=${Math.min(ttl, 300)}, stale-while-revalidate=${ttl}`;

const getItemRoute = createRoute({
  method: "get",
  path: "/v1/items/{id}",
  summary: "Fetch one item (without its answer)",
  request: { params: z.object({ id: ItemIdParam }) },
  responses: {
    200: { description: "The item", content: { "application/json": { schema: PublicItemSchema } } },
    304: { description: "Not modified (If-None-Match matched the ETag)" },
    ...problemResponses,
  },
});

const SkillGraphSchema = z
  .object({
    skills: z.array(SkillSchema),
    order: z.array(z.string()).openapi({ description: "Skill ids, prerequisites before dependants." }),
    edges: z.array(z.object({ from: z.string(), to: z.string() })).openapi({ description: "prerequisite → dependant" }),
  })
  .openapi("SkillGraph");

const listSkillsRoute = createRoute({
  method: "get",
  path: "/v1/skills",
  summary: "All skills with the prerequisite graph",
  responses: {
    200: { description: "The skill graph", content: { "application/json": { schema: SkillGraphSchema } } },
    304: { description: "Not modified" },
    503: problemResponses[503],
  },
});

export function registerContentRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getItemRoute, async (c) => {
    const { id } = c.req.valid("param");
    const services = c.get("services");
    const ttl = services.config.CONTENT_CACHE_TTL_SECONDS;
    const read = await readPublicItem(services, id);
    if (read.entry.body === null) throw new ApiError("not_found", `item ${id} does not exist`);
    return sendCachedJson(c, read, cacheControl(ttl));
  });

  app.openapi(listSkillsRoute, async (c) => {
    const services = c.get("services");
    const ttl = services.config.CONTENT_CACHE_TTL_SECONDS;
    const read = await services.cache.readThrough(contentKeys.skills(), ttl, async () => skillGraph(await listSkills(services.db().read)));
    return sendCachedJson(c, read, cacheControl(ttl));
  });
}
