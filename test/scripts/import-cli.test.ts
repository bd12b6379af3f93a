import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serializeNdjson } from "../../src/content/parse";
import { fixtureItems, fixtureSkills } from "../db/support";
import { openLocalDatabase } from "../../scripts/lib/stack";
import { countItems } from "../../src/db/content";

/** `npm run import` end to end, on its own embedded database in a temporary data folder. */
describe("content import command", () => {
  const dir = mkdtempSync(join(tmpdir(), "import-cli-"));
  const dataDir = join(dir, "data");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runImport(file: string): { status: number | null; out: string } {
    const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/import-content.ts", file], { env, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  async function items(): Promise<number> {
    const stack = await openLocalDatabase({ own: true, dataDir });
    try {
      return await countItems(stack.db.read);
    } finally {
      await stack.close();
    }
  }

  it("reports every bad row by line and imports nothing from that file", async () => {
    const lines = serializeNdjson({ skills: fixtureSkills, items: fixtureItems }).trimEnd().split("\n");
    lines[3] = lines[3]?.replace('"difficulty":', '"difficulty":"hard","was":') ?? "";
    lines.push(JSON.stringify({ type: "item", ...fixtureItems[0], id: "orphan", skillIds: ["missing.skill"] }));
    const file = join(dir, "bad.ndjson");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const r = runImport(file);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/line 4\b/);
    expect(r.out).toMatch(new RegExp(`line ${lines.length}\\b.*missing\\.skill`));
    expect(r.out).toContain("nothing imported");
    expect(await items()).toBe(0);
  }, 120_000);

  it("imports a valid file in one go", async () => {
    const file = join(dir, "good.ndjson");
    writeFileSync(file, serializeNdjson({ skills: fixtureSkills, items: fixtureItems }));
    const r = runImport(file);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`imported ${fixtureSkills.length} skills and ${fixtureItems.length} items`);
    expect(await items()).toBe(fixtureItems.length);
  }, 120_000);
});
