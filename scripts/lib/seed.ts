import { generateDemoBank } from "../../src/content/generate/index";
import type { Database } from "../../src/db/client";
import { countItems, importContent } from "../../src/db/content";

/** Imports the generated demo bank when the database has no items yet. Returns what it did. */
export async function seedDemoContentIfEmpty(db: Database, seed = 1): Promise<{ seeded: boolean; skills: number; items: number }> {
  const existing = await countItems(db.read);
  if (existing > 0) return { seeded: false, skills: 0, items: existing };
  const bank = generateDemoBank(seed);
  const counts = await importContent(db.write, bank);
  return { seeded: true, ...counts };
}
