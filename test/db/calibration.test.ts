/**
 * Calibration versions in Postgres (src/db/calibration.ts): a version stores an item-links table
 * only when the job refitted it, the table in force is the newest stored one, and only the newest
 * LINK_TABLES_KEPT tables are kept (each is megabytes).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { LINK_WINDOW } from "../../src/core/features";
import type { PublishedLinks } from "../../src/core/item-links";
import { LINK_TABLES_KEPT, latestLinks, latestVersion, versionHistory, writeVersion } from "../../src/db/calibration";
import { calibrationVersions } from "../../src/db/schema";
import { backends } from "./support";

const table = (throughAttemptId: number): PublishedLinks => ({
  answers: throughAttemptId,
  learners: 3,
  throughAttemptId,
  window: LINK_WINDOW,
  shrink: 5,
  maxPerItem: 64,
  minSupport: 1,
  links: { a: [["b", 0.1 * throughAttemptId]] },
});

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`calibration versions on ${backend.name}`, () => {
    it("stores a links table only with a refit, reads the newest stored one, and keeps the newest LINK_TABLES_KEPT", async () => {
      const { db, close } = await backend.open();
      try {
        const write = (links: PublishedLinks | null) => writeVersion(db.write, { changed: [], items: 0, calibrated: 0, config: {}, exposure: {}, links, scaleShift: null, now: new Date() });
        expect(await latestLinks(db.read)).toBeNull();
        const first = await write(table(1));
        expect(await latestLinks(db.read)).toEqual({ version: first, links: table(1) });
        // A version that did not refit carries no copy; the table in force is still the first.
        const plain = await write(null);
        expect((await latestVersion(db.read))?.version).toBe(plain);
        // The newest version is read without the links column: only latestLinks reads a table.
        expect(await latestVersion(db.read)).not.toHaveProperty("links");
        expect((await db.read.select({ links: calibrationVersions.links }).from(calibrationVersions).where(eq(calibrationVersions.version, plain)))[0]?.links).toBeNull();
        expect(await latestLinks(db.read)).toEqual({ version: first, links: table(1) });
        const refits: number[] = [];
        for (let k = 2; k <= LINK_TABLES_KEPT + 2; k++) refits.push(await write(table(k)));
        expect(await latestLinks(db.read)).toEqual({ version: refits.at(-1), links: table(LINK_TABLES_KEPT + 2) });
        const stored = (await db.read.select({ version: calibrationVersions.version, links: calibrationVersions.links }).from(calibrationVersions)).filter((r) => r.links !== null);
        expect(stored.map((r) => r.version).sort((x, y) => x - y)).toEqual(refits.slice(-LINK_TABLES_KEPT));
      } finally {
        await close();
      }
    });

    it("keeps each version's scale shift, and lists the newest versions first", async () => {
      const { db, close } = await backend.open();
      try {
        const write = (scaleShift: number | null, items: number) => writeVersion(db.write, { changed: [], items, calibrated: 1, config: {}, exposure: {}, links: null, scaleShift, now: new Date() });
        const a = await write(-0.125, 10);
        const b = await write(null, 11);
        const c = await write(0.0625, 12);
        expect((await latestVersion(db.read))?.scaleShift).toBe(0.0625);
        const history = await versionHistory(db.read, 2);
        expect(history.map((v) => [v.version, v.items, v.scaleShift])).toEqual([
          [c, 12, 0.0625],
          [b, 11, null],
        ]);
        expect((await versionHistory(db.read, 10)).find((v) => v.version === a)?.scaleShift).toBe(-0.125);
      } finally {
        await close();
      }
    });
  });
}
