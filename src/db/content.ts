/**
 * Content in Postgres: skills with their prerequisite graph, items, search and import.
 * Every function takes a drizzle handle so the caller decides which pool (read replica or
 * primary) and when the connection ends.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Item, Skill } from "../content/schema";
import type { Drizzle } from "./client";
import { items, skillPrerequisites, skills } from "./schema";

type ItemRow = typeof items.$inferSelect;

function toItem(row: ItemRow): Item {
  const item: Item = {
    id: row.id,
    skillIds: row.skillIds,
    prompt: row.prompt,
    answer: row.answer,
    explanation: row.explanation,
    difficulty: row.difficulty,
    discrimination: row.discrimination,
    guessing: row.guessing,
    calibrated: row.calibrated,
    tags: row.tags,
  };
  if (row.choices) item.choices = row.choices;
  return item;
}

export async function getItem(db: Drizzle, id: string): Promise<Item | null> {
  const rows = await db.select().from(items).where(eq(items.id, id)).limit(1);
  const row = rows[0];
  return row ? toItem(row) : null;
}

export async function getItems(db: Drizzle, ids: readonly string[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(items)
    .where(inArray(items.id, [...ids]));
  return rows.map(toItem);
}

/** Items whose primary skill is `skillId`, in id order: the skill → items index. */
export async function itemsOfSkill(db: Drizzle, skillId: string): Promise<Item[]> {
  const rows = await db.select().from(items).where(eq(items.primarySkillId, skillId)).orderBy(asc(items.id));
  return rows.map(toItem);
}

/** All skills with their prerequisites, in curriculum position order. */
export async function listSkills(db: Drizzle): Promise<Skill[]> {
  const [skillRows, edgeRows] = await Promise.all([
    db.select().from(skills).orderBy(asc(skills.position), asc(skills.id)),
    db.select().from(skillPrerequisites).orderBy(asc(skillPrerequisites.skillId), asc(skillPrerequisites.prerequisiteId)),
  ]);
  const prereqs = new Map<string, string[]>();
  for (const e of edgeRows) {
    const list = prereqs.get(e.skillId);
    if (list) list.push(e.prerequisiteId);
    else prereqs.set(e.skillId, [e.prerequisiteId]);
  }
  return skillRows.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    strand: s.strand,
    position: s.position,
    prerequisites: prereqs.get(s.id) ?? [],
  }));
}

export async function skillIds(db: Drizzle): Promise<Set<string>> {
  const rows = await db.select({ id: skills.id }).from(skills);
  return new Set(rows.map((r) => r.id));
}

export interface SearchQuery {
  q: string;
  skillId?: string | undefined;
  limit: number;
  offset: number;
}

export interface SearchHit {
  id: string;
  prompt: string;
  skillIds: string[];
  difficulty: number;
  rank: number;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
}

/**
 * Full-text search over item prompts, ranked by `ts_rank_cd` (cover density: terms close
 * together rank higher), ties broken by id so pages are stable. `websearch_to_tsquery`
 * accepts what people type ("fraction -mixed", quoted phrases) and never throws on syntax.
 * The total comes from a window count in the same query: one round trip per page.
 */
export async function searchItems(db: Drizzle, query: SearchQuery): Promise<SearchResult> {
  const tsq = sql`websearch_to_tsquery('english', ${query.q})`;
  const rank = sql<number>`ts_rank_cd(${items.search}, ${tsq})`;
  const where = query.skillId
    ? and(sql`${items.search} @@ ${tsq}`, sql`${items.skillIds} @> ARRAY[${query.skillId}]::text[]`)
    : sql`${items.search} @@ ${tsq}`;
  const rows = await db
    .select({
      id: items.id,
      prompt: items.prompt,
      skillIds: items.skillIds,
      difficulty: items.difficulty,
      rank,
      total: sql<number>`count(*) over ()`.mapWith(Number),
    })
    .from(items)
    .where(where)
    .orderBy(sql`${rank} desc`, asc(items.id))
    .limit(query.limit)
    .offset(query.offset);
  const total = rows[0]?.total ?? (query.offset > 0 ? await countMatches(db, where) : 0);
  return {
    total,
    hits: rows.map((r) => ({ id: r.id, prompt: r.prompt, skillIds: r.skillIds, difficulty: r.difficulty, rank: Number(r.rank) })),
  };
}

async function countMatches(db: Drizzle, where: ReturnType<typeof sql> | undefined): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(items).where(where);
  return rows[0]?.n ?? 0;
}

export interface ImportCounts {
  skills: number;
  items: number;
}

const BATCH = 500;

/**
 * Upserts skills (replacing their prerequisite edges) and items in ONE transaction: a
 * failure anywhere leaves the database as it was. Callers validate first (src/content/parse.ts).
 */
export async function importContent(db: Drizzle, content: { skills: readonly Skill[]; items: readonly Item[] }): Promise<ImportCounts> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < content.skills.length; i += BATCH) {
      const chunk = content.skills.slice(i, i + BATCH);
      await tx
        .insert(skills)
        .values(chunk.map((s) => ({ id: s.id, name: s.name, description: s.description, strand: s.strand, position: s.position })))
        .onConflictDoUpdate({
          target: skills.id,
          set: {
            name: sql`excluded.name`,
            description: sql`excluded.description`,
            strand: sql`excluded.strand`,
            position: sql`excluded.position`,
            updatedAt: sql`now()`,
          },
        });
    }
    const touched = content.skills.map((s) => s.id);
    if (touched.length > 0) await tx.delete(skillPrerequisites).where(inArray(skillPrerequisites.skillId, touched));
    const edges = content.skills.flatMap((s) => s.prerequisites.map((p) => ({ skillId: s.id, prerequisiteId: p })));
    for (let i = 0; i < edges.length; i += BATCH) {
      await tx.insert(skillPrerequisites).values(edges.slice(i, i + BATCH));
    }
    for (let i = 0; i < content.items.length; i += BATCH) {
      const chunk = content.items.slice(i, i + BATCH);
      await tx
        .insert(items)
        .values(
          chunk.map((it) => ({
            id: it.id,
            primarySkillId: it.skillIds[0] ?? "",
            skillIds: it.skillIds,
            prompt: it.prompt,
            choices: it.choices ?? null,
            answer: it.answer,
            explanation: it.explanation,
            difficulty: it.difficulty,
            discrimination: it.discrimination,
            guessing: it.guessing,
            calibrated: it.calibrated,
            tags: it.tags,
          })),
        )
        .onConflictDoUpdate({
          target: items.id,
          set: {
            primarySkillId: sql`excluded.primary_skill_id`,
            skillIds: sql`excluded.skill_ids`,
            prompt: sql`excluded.prompt`,
            choices: sql`excluded.choices`,
            answer: sql`excluded.answer`,
            explanation: sql`excluded.explanation`,
            difficulty: sql`excluded.difficulty`,
            discrimination: sql`excluded.discrimination`,
            guessing: sql`excluded.guessing`,
            calibrated: sql`excluded.calibrated`,
            tags: sql`excluded.tags`,
            updatedAt: sql`now()`,
          },
        });
    }
  });
  return { skills: content.skills.length, items: content.items.length };
}

export async function countItems(db: Drizzle): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(items);
  return rows[0]?.n ?? 0;
}
