/**
 * Content as the learner object needs it: the curriculum (skill graph) and, per skill, its
 * items WITH answer keys (grading happens here). Three levels: this object's memory, KV
 * (shared, edge-cached), Postgres. Answer keys live in KV under keys no route serves.
 */
import { buildCurriculum } from "../../src/core/engine";
import type { Curriculum } from "../../src/core/engine";
import type { Item, Skill } from "../../src/content/schema";
import type { Database } from "../../src/db/client";
import { getItem, itemsOfSkill, listSkills } from "../../src/db/content";
import { calling } from "../dependency";
import { KvContentCache } from "../api/lib/kv-cache";
import { contentKeys, skillGraph } from "../api/routes/content";
import { toPublicItem } from "../../src/content/schema";

export const bankKeys = {
  curriculum: () => "curriculum:v1",
  skillItems: (skillId: string) => `bank:v1:${skillId}`,
  item: (itemId: string) => `bank-item:v1:${itemId}`,
};

/**
 * Publishes the whole bank to KV (the curriculum and every skill's items), so learner
 * objects read content from KV alone: after an import, and to keep serving while Postgres
 * is away. Returns what was written.
 */
export async function publishContent(kv: KVNamespace, db: Database, ttlSeconds: number): Promise<{ skills: number; items: number }> {
  const cache = new KvContentCache(kv, null, () => {});
  const write = (key: string, value: unknown) => calling("kv", () => cache.write(key, value, ttlSeconds));
  const skills = await calling("postgres", () => listSkills(db.write));
  await write(bankKeys.curriculum(), skills);
  // What the content routes serve, too (public items, the skill graph): after a publish the
  // routes read KV, not Postgres, as the bank's own keys do.
  await write(contentKeys.skills(), skillGraph(skills));
  let items = 0;
  for (const s of skills) {
    const bank = await calling("postgres", () => itemsOfSkill(db.write, s.id));
    await write(bankKeys.skillItems(s.id), bank);
    await Promise.all(bank.map((it) => write(contentKeys.publicItem(it.id), toPublicItem(it))));
    items += bank.length;
  }
  return { skills: skills.length, items };
}

interface Timed<T> {
  value: T;
  loadedAt: number;
}

/**
 * Parsed content held in memory, shared by every learner object of an isolate: the curriculum
 * and each skill's bank are read from KV and parsed once per isolate per TTL, not once per
 * object (a new learner's object otherwise re-read and re-parsed the same banks). Plain data,
 * no binding: safe at module scope.
 */
export class ContentMemory {
  curriculum: Timed<{ curriculum: Curriculum; skills: Skill[] }> | null = null;
  readonly banks = new Map<string, Timed<Item[]>>();
  readonly items = new Map<string, Item>();
}

/** This isolate's content memory. */
export const isolateContent = new ContentMemory();

export class LearnerContent {
  private readonly cache: KvContentCache;
  private readonly banks: Map<string, Timed<Item[]>>;
  private readonly items: Map<string, Item>;
  /** KV and memory hits and misses since the object started (for metrics). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    kv: KVNamespace,
    private readonly db: () => Database,
    private readonly ttl: () => number,
    defer: (work: Promise<unknown>) => void,
    private readonly memory: ContentMemory = isolateContent,
  ) {
    this.cache = new KvContentCache(kv, null, defer);
    this.banks = memory.banks;
    this.items = memory.items;
  }

  private fresh(loadedAt: number, now: number): boolean {
    return now - loadedAt < this.ttl() * 1000;
  }

  async curriculum(now: number): Promise<{ curriculum: Curriculum; skills: Skill[] }> {
    const held = this.memory.curriculum;
    if (held && this.fresh(held.loadedAt, now)) return held.value;
    const read = await this.cache.readThrough(bankKeys.curriculum(), this.ttl(), () => listSkills(this.db().read));
    this.count(read.hit);
    const skills = JSON.parse(read.entry.body ?? "[]") as Skill[];
    const value = { curriculum: buildCurriculum(skills), skills };
    this.memory.curriculum = { value, loadedAt: now };
    return value;
  }

  /** Items of several skills, loaded concurrently; each skill's list is cached whole. */
  async skillItems(skillIds: readonly string[], now: number): Promise<Item[][]> {
    return Promise.all(skillIds.map((id) => this.oneSkill(id, now)));
  }

  private async oneSkill(skillId: string, now: number): Promise<Item[]> {
    const hit = this.banks.get(skillId);
    if (hit && this.fresh(hit.loadedAt, now)) return hit.value;
    const read = await this.cache.readThrough(bankKeys.skillItems(skillId), this.ttl(), () => itemsOfSkill(this.db().read, skillId));
    this.count(read.hit);
    const items = JSON.parse(read.entry.body ?? "[]") as Item[];
    this.banks.set(skillId, { value: items, loadedAt: now });
    for (const it of items) this.items.set(it.id, it);
    return items;
  }

  /** An item already in memory (no I/O), or null. */
  cachedItem(itemId: string): Item | null {
    return this.items.get(itemId) ?? null;
  }

  /** An item of a skill, through that skill's bank (one KV entry shared by every learner). */
  async itemOfSkill(skillId: string, itemId: string, now: number): Promise<Item | null> {
    const known = this.items.get(itemId);
    if (known) return known;
    const items = await this.oneSkill(skillId, now);
    return items.find((i) => i.id === itemId) ?? null;
  }

  /** One item with its answer key, or null when it does not exist. */
  async item(itemId: string): Promise<Item | null> {
    const known = this.items.get(itemId);
    if (known) return known;
    const read = await this.cache.readThrough(bankKeys.item(itemId), this.ttl(), () => getItem(this.db().read, itemId));
    this.count(read.hit);
    if (read.entry.body === null) return null;
    const item = JSON.parse(read.entry.body) as Item;
    this.items.set(itemId, item);
    return item;
  }

  private count(hit: boolean): void {
    if (hit) this.stats.hits++;
    else this.stats.misses++;
  }
}
