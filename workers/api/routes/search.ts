/**
 * Full-text search over item prompts (Postgres `websearch_to_tsquery` + `ts_rank_cd`), with
 * a skill filter and pagination, behind a short-lived cache keyed by the normalised query: the
 * isolate's hot-content memory (../lib/memory-cache.ts), then the Cache API — never KV, whose
 * keys anyone typing queries could otherwise multiply without bound.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { searchItems } from "../../../src/db/content";
import type { AppEnv } from "../lib/context";
import { sendCachedJson } from "../lib/http";
import { etagOf } from "../lib/kv-cache";
import { SkillIdSchema, problemResponses } from "./schemas";

export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_MAX_OFFSET = 1000;

const SearchQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1, "q must not be empty")
    .max(200, "q is limited to 200 characters")
    .refine((q) => /[\p{L}\p{N}]/u.test(q), "q needs at least one letter or digit")
    .refine((q) => !/[\u0000-\u001f\u007f]/.test(q), "q must not contain control characters")
    .openapi({
      example: "fraction",
      description: "1–200 characters after trimming, at least one letter or digit, no control characters. Words are matched as in a web search (quotes, OR, -word).",
    }),
  skill: SkillIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(20),
  offset: z.coerce.number().int().min(0).max(SEARCH_MAX_OFFSET).default(0),
});

const SearchResultSchema = z
  .object({
    query: z.string().openapi({ description: "The query as searched: trimmed, lower-cased, each run of white space one space. Every spelling of one query shares one cached page, so the page names the query they share." }),
    skill: z.string().nullable(),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    results: z.array(
      z.object({ id: z.string(), prompt: z.string(), skillIds: z.array(z.string()), difficulty: z.number(), rank: z.number() }),
    ),
    next: z.string().nullable().openapi({ description: "Path of the next page, or null." }),
  })
  .openapi("SearchResult");

const searchRoute = createRoute({
  method: "get",
  path: "/v1/search",
  summary: "Search items by text",
  request: { query: SearchQuerySchema },
  responses: {
    200: { description: "Ranked results", content: { "application/json": { schema: SearchResultSchema } } },
    304: { description: "Not modified" },
    400: problemResponses[400],
    503: problemResponses[503],
  },
});

export function registerSearchRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(searchRoute, async (c) => {
    const { q, skill, limit, offset } = c.req.valid("query");
    const services = c.get("services");
    const ttl = services.config.SEARCH_CACHE_TTL_SECONDS;
    const normalised = q.toLowerCase().replace(/\s+/g, " ");
    // Memory is keyed by the normalised query itself; KV by its hash (bounded key length),
    // computed only when memory misses.
    const query = JSON.stringify([normalised, skill ?? null, limit, offset]);
    const kvKey = async () => `search:v1:${(await etagOf(query)).replaceAll('"', "")}`;
    const cache = await services.searchCache();
    const read = await cache.readThrough(`search:v1:${query}`, ttl, async () => {
      const result = await searchItems(services.db().read, { q: normalised, skillId: skill, limit, offset });
      const nextOffset = offset + limit;
      // Only the normalised query may appear in the page: the page is cached under it and
      // served to every spelling of it.
      const params = new URLSearchParams({ q: normalised, limit: String(limit), offset: String(nextOffset) });
      if (skill) params.set("skill", skill);
      return {
        query: normalised,
        skill: skill ?? null,
        total: result.total,
        limit,
        offset,
        results: result.hits,
        next: nextOffset < result.total && nextOffset <= SEARCH_MAX_OFFSET ? `/v1/search?${params}` : null,
      };
    }, kvKey);
    return sendCachedJson(c, read, `public, max-age=${ttl}`);
  });
}
