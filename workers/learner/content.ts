/**
 * Content as the learner object needs it: the curriculum (skill graph) and, per skill, its
 * items WITH answer keys (grading happens here). Three levels: this object's memory, KV
 * (shared, edge-cached), Postgres. Answer keys live in KV under keys no route serves.
 */
import { withCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { NO_LINKS } from "../../src/core/features";
import type { ItemLinks } from "../../src/core/features";
import { decodeLinks, linksOf } from "../../src/core/item-links";
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

/** Decoded links per calibration document (one decode per document an isolate reads). */
const LINKS_BY_DOCUMENT = new WeakMap<PublishedCalibration, ItemLinks>();

/** The calibrated item parameters the calibration job publishes (workers/calibration/job.ts). */
export const CALIBRATION_KV_KEY = "calibration:v1";

/**
 * How long an isolate keeps the calibration document before reading KV again. Parameters
 * change every job run (15 minutes); a minute of lag is invisible to learners, and one KV read
 * a minute per isolate costs nothing.
 */
export const CALIBRATION_REFRESH_MS = 60_000;

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

/**
 * An item's JSON as `next` serves it (public: no answer key) and as the serve log stores it
 * (whole), each serialised once per item object this isolate holds rather than on every serve.
 * Items are never mutated (a calibration or a reload makes new objects), so an object's JSON
 * cannot go stale; the maps hold nothing the content cache has dropped.
 */
const publicJson = new WeakMap<Item, string>();
const storedJson = new WeakMap<Item, string>();

export function publicItemJson(item: Item): string {
  let json = publicJson.get(item);
  if (json === undefined) {
    json = JSON.stringify(toPublicItem(item));
    publicJson.set(item, json);
  }
  return json;
}

export function storedItemJson(item: Item): string {
  let json = storedJson.get(item);
  if (json === undefined) {
    json = JSON.stringify(item);
    storedJson.set(item, json);
  }
  return json;
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
  /**
   * Items by id, each with the calibration version applied to it (0: none published). An entry
   * under another version than the one in force is not used (`LearnerContent.held`): an item
   * served from it would carry parameters the learner's features and knowledge model no longer use.
   */
  readonly items = new Map<string, { item: Item; version: number }>();
  calibration: Timed<PublishedCalibration | null> | null = null;
  /** Each skill's bank with the calibrated parameters applied, for one (bank, version) pair. */
  readonly calibrated = new Map<string, { raw: Item[]; version: number; items: Item[] }>();
  /** The item links table last read (the document's `linksRef`), decoded once per key. */
  links: { key: string; links: ItemLinks; answers: number } | null = null;
  /** The table being read, if one is: the objects of an isolate that refresh together share one read of it. */
  linksLoading: { key: string; done: Promise<void> } | null = null;
}

/** The version an item's parameters come from: the document's, 0 before any is published. */
function calibrationVersion(doc: PublishedCalibration | null): number {
  return doc?.version ?? 0;
}

/** This isolate's content memory. */
export const isolateContent = new ContentMemory();

export class LearnerContent {
  private readonly cache: KvContentCache;
  private readonly banks: Map<string, Timed<Item[]>>;
  private readonly items: Map<string, { item: Item; version: number }>;
  /** KV and memory hits and misses since the object started (for metrics). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly kv: KVNamespace,
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

  /**
   * The published calibration (null before the job's first version), re-read at most every
   * CALIBRATION_REFRESH_MS; when KV cannot be read the last one stays in force.
   */
  async calibration(now: number): Promise<PublishedCalibration | null> {
    const held = this.memory.calibration;
    if (held && now - held.loadedAt < CALIBRATION_REFRESH_MS && now >= held.loadedAt) return held.value;
    let doc = held?.value ?? null;
    try {
      doc = await this.kv.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json");
    } catch {
      /* KV unavailable: keep serving the last parameters */
    }
    this.memory.calibration = { value: doc, loadedAt: now };
    const ref = doc?.linksRef;
    if (ref && this.memory.links?.key !== ref.key) {
      // Once per key per isolate (a key never changes meaning), one read shared by the objects
      // that ask at the same time. Not readable now: the links already held stay in force (none:
      // features without links, and the model that needs none) until the next refresh tries again.
      const memory = this.memory;
      let loading = memory.linksLoading;
      if (loading?.key !== ref.key) {
        const load = async (): Promise<void> => {
          try {
            const table = await this.kv.get(ref.key, "arrayBuffer");
            if (table) memory.links = { key: ref.key, links: decodeLinks(table), answers: ref.answers };
          } catch {
            /* KV unavailable or a damaged table: keep what is held */
          }
        };
        // Registered before the read starts (a microtask later), and forgotten once it settled.
        const entry: { key: string; done: Promise<void> } = {
          key: ref.key,
          done: Promise.resolve()
            .then(load)
            .finally(() => {
              if (memory.linksLoading === entry) memory.linksLoading = null;
            }),
        };
        memory.linksLoading = entry;
        loading = entry;
      }
      await loading.done;
    }
    return doc;
  }

  /** The calibration last read (no I/O): what `why` and mock reports cite. */
  currentCalibration(): PublishedCalibration | null {
    return this.memory.calibration?.value ?? null;
  }

  /** The item links published with the calibration last read (no I/O; NO_LINKS before any): what feature rows are built with. */
  currentLinks(): ItemLinks {
    const doc = this.currentCalibration();
    // The table the document points at once it is read (until then, the one read before it).
    if (doc?.linksRef) return this.memory.links?.links ?? NO_LINKS;
    if (!doc?.links) return NO_LINKS;
    // A document from before `linksRef`, with the table inside.
    let links = LINKS_BY_DOCUMENT.get(doc);
    if (!links) {
      links = linksOf(doc.links);
      LINKS_BY_DOCUMENT.set(doc, links);
    }
    return links;
  }

  /** How many answers the links `currentLinks` returns were learnt from (null: no links held): what picks the model. */
  currentLinksAnswers(): number | null {
    const doc = this.currentCalibration();
    if (doc?.linksRef) return this.memory.links?.answers ?? null;
    return doc?.links?.answers ?? null;
  }

  /** A skill's items with the calibrated parameters in place of the authored ones. */
  private async oneSkill(skillId: string, now: number): Promise<Item[]> {
    const raw = await this.rawSkill(skillId, now);
    const doc = await this.calibration(now);
    const version = calibrationVersion(doc);
    const held = this.memory.calibrated.get(skillId);
    if (held && held.raw === raw && held.version === version) return held.items;
    const items = doc ? raw.map((it) => withCalibration(it, doc)) : raw;
    this.memory.calibrated.set(skillId, { raw, version, items });
    for (const it of items) this.items.set(it.id, { item: it, version });
    return items;
  }

  /** An item held in memory under the calibration in force (no I/O), or null. */
  private held(itemId: string): Item | null {
    const entry = this.items.get(itemId);
    return entry && entry.version === calibrationVersion(this.currentCalibration()) ? entry.item : null;
  }

  private async rawSkill(skillId: string, now: number): Promise<Item[]> {
    const hit = this.banks.get(skillId);
    if (hit && this.fresh(hit.loadedAt, now)) return hit.value;
    const read = await this.cache.readThrough(bankKeys.skillItems(skillId), this.ttl(), () => itemsOfSkill(this.db().read, skillId));
    this.count(read.hit);
    const items = JSON.parse(read.entry.body ?? "[]") as Item[];
    this.banks.set(skillId, { value: items, loadedAt: now });
    return items;
  }

  /** An item already in memory (no I/O), or null. */
  cachedItem(itemId: string): Item | null {
    return this.held(itemId);
  }

  /** An item of a skill, through that skill's bank (one KV entry shared by every learner). */
  async itemOfSkill(skillId: string, itemId: string, now: number): Promise<Item | null> {
    const known = this.held(itemId);
    if (known) return known;
    const items = await this.oneSkill(skillId, now);
    return items.find((i) => i.id === itemId) ?? null;
  }

  /** One item with its answer key, or null when it does not exist. */
  async item(itemId: string): Promise<Item | null> {
    const known = this.held(itemId);
    if (known) return known;
    const read = await this.cache.readThrough(bankKeys.item(itemId), this.ttl(), () => getItem(this.db().read, itemId));
    this.count(read.hit);
    if (read.entry.body === null) return null;
    const doc = this.currentCalibration();
    const item = withCalibration(JSON.parse(read.entry.body) as Item, doc);
    this.items.set(itemId, { item, version: calibrationVersion(doc) });
    return item;
  }

  private count(hit: boolean): void {
    if (hit) this.stats.hits++;
    else this.stats.misses++;
  }
}
