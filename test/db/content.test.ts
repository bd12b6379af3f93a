import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import { countItems, getItem, getItems, importContent, itemsOfSkill, listSkills, searchItems } from "../../src/db/content";
import { connectionUtilisation } from "../../src/db/health";
import { skills } from "../../src/db/schema";
import { backends, fixtureItems, fixtureSkills, openWithFixtures } from "./support";

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`content store on ${backend.name}`, () => {
    const open = openWithFixtures(backend);
    let db: Database;
    beforeAll(() => {
      db = open();
    });

    it("round-trips an item with its answer key and parameters", async () => {
      const item = await getItem(db.read, "frac-eq-1");
      expect(item).toEqual(fixtureItems[1]);
      expect(await getItem(db.read, "nope")).toBeNull();
      expect((await getItems(db.read, ["add-1", "ratio-1", "missing"])).map((i) => i.id).sort()).toEqual(["add-1", "ratio-1"]);
    });

    it("lists skills with the prerequisite graph in curriculum order", async () => {
      const listed = await listSkills(db.read);
      expect(listed.map((s) => s.id)).toEqual(["arith.add", "fractions.equivalent", "fractions.add-like"]);
      expect(listed[2]?.prerequisites).toEqual(["arith.add", "fractions.equivalent"]);
    });

    it("indexes items by primary skill", async () => {
      expect((await itemsOfSkill(db.read, "fractions.add-like")).map((i) => i.id)).toEqual(["frac-add-1", "frac-add-2"]);
    });

    it("ranks full-text matches, stems words and filters by skill", async () => {
      const all = await searchItems(db.read, { q: "fraction", limit: 10, offset: 0 });
      expect(all.total).toBe(3);
      // Two mentions of "fraction(s)" outrank one.
      expect(all.hits[0]?.id).toBe("frac-add-1");
      expect(all.hits.map((h) => h.rank).every((r, i, a) => i === 0 || (a[i - 1] ?? 0) >= r)).toBe(true);
      const filtered = await searchItems(db.read, { q: "fractions", skillId: "fractions.equivalent", limit: 10, offset: 0 });
      expect(filtered.hits.map((h) => h.id).sort()).toEqual(["frac-add-1", "frac-eq-1"]);
      const page2 = await searchItems(db.read, { q: "fraction", limit: 2, offset: 2 });
      expect(page2.total).toBe(3);
      expect(page2.hits).toHaveLength(1);
      const none = await searchItems(db.read, { q: "photosynthesis", limit: 10, offset: 0 });
      expect(none).toEqual({ total: 0, hits: [] });
      // websearch syntax never throws, whatever people type.
      await expect(searchItems(db.read, { q: 'ratio -"flour" OR (', limit: 5, offset: 0 })).resolves.toBeDefined();
    });

    it("uses the GIN index for search", async () => {
      await db.write.execute(sql`SET enable_seqscan = off`);
      const plan = await db.write.execute(sql`EXPLAIN SELECT id FROM items WHERE search @@ websearch_to_tsquery('english', 'fraction')`);
      await db.write.execute(sql`RESET enable_seqscan`);
      expect(JSON.stringify(plan.rows)).toContain("items_search_idx");
    });

    it("reports connection utilisation between 0 and 1", async () => {
      const u = await connectionUtilisation(db.write);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThanOrEqual(1);
      // A real server counts this very connection; PGlite has no backends to list.
      if (backend.name === "postgres") expect(u).toBeGreaterThan(0);
    });

    it("imports all or nothing", async () => {
      const before = await countItems(db.read);
      const broken = { ...fixtureItems[0], id: "orphan-1", skillIds: ["does.not-exist"] } as (typeof fixtureItems)[number];
      const good = { ...fixtureItems[0], id: "new-good-1" } as (typeof fixtureItems)[number];
      await expect(importContent(db.write, { skills: [], items: [good, broken] })).rejects.toThrow();
      expect(await countItems(db.read)).toBe(before);
      expect(await getItem(db.read, "new-good-1")).toBeNull();
    });

    it("re-importing updates rows in place", async () => {
      const renamed = fixtureSkills.map((s) => (s.id === "arith.add" ? { ...s, name: "Whole-number addition" } : s));
      const changed = fixtureItems.map((i) => (i.id === "add-1" ? { ...i, difficulty: -2 } : i));
      await importContent(db.write, { skills: renamed, items: changed });
      expect((await getItem(db.read, "add-1"))?.difficulty).toBe(-2);
      const names = await db.read.select({ name: skills.name }).from(skills).where(sql`${skills.id} = 'arith.add'`);
      expect(names[0]?.name).toBe("Whole-number addition");
      expect(await countItems(db.read)).toBe(fixtureItems.length);
    });
  });
}
