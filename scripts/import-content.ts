/**
 * `npm run import -- <file.json|file.ndjson> [--format json|ndjson] [--dry-run]`
 *
 * Validates every row (schema, references, prerequisite cycles) and reports each bad row by
 * line number with the reason. All or nothing: a file with any error imports nothing, and a
 * valid file is written in one transaction. Targets the running `npm start` stack, else
 * DATABASE_URL, else the embedded PGlite data folder.
 *
 * Cached copies in KV refresh within CONTENT_CACHE_TTL_SECONDS.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parseArgs } from "node:util";
import { parseContentFile } from "../src/content/parse";
import { importContent, skillIds } from "../src/db/content";
import { localSecrets } from "./lib/secrets";
import { openLocalDatabase } from "./lib/stack";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { format: { type: "string" }, "dry-run": { type: "boolean", default: false } },
});

async function main(): Promise<number> {
  const file = positionals[0];
  if (!file) {
    console.error("usage: npm run import -- <file.json|file.ndjson> [--format json|ndjson] [--dry-run]");
    return 2;
  }
  const format = values.format ?? (extname(file) === ".ndjson" || extname(file) === ".jsonl" ? "ndjson" : "json");
  if (format !== "json" && format !== "ndjson") {
    console.error(`unknown format ${format}: use json or ndjson`);
    return 2;
  }
  const text = readFileSync(file, "utf8");
  const stack = await openLocalDatabase({ log: (l) => console.log(`[import] ${l}`) });
  try {
    const existing = await skillIds(stack.db.read);
    const t0 = performance.now();
    const parsed = parseContentFile(text, format, { skillIds: existing });
    if (!parsed.ok) {
      console.error(`${file}: ${parsed.errors.length} bad row(s); nothing imported.`);
      for (const e of parsed.errors.slice(0, 200)) console.error(`  line ${e.line}${e.id ? ` (${e.id})` : ""}: ${e.reason}`);
      if (parsed.errors.length > 200) console.error(`  … and ${parsed.errors.length - 200} more`);
      return 1;
    }
    console.log(`[import] ${parsed.skills.length} skills and ${parsed.items.length} items valid (${Math.round(performance.now() - t0)} ms)`);
    if (values["dry-run"]) {
      console.log("[import] dry run: nothing written");
      return 0;
    }
    const t1 = performance.now();
    const counts = await importContent(stack.db.write, parsed);
    console.log(`[import] imported ${counts.skills} skills and ${counts.items} items in ${Math.round(performance.now() - t1)} ms`);
    if (stack.source === "running" && stack.info.apiUrl) {
      // Push the new bank to KV so learners see it now rather than after the cache TTL.
      const res = await fetch(`${stack.info.apiUrl}/v1/ops/content/publish`, {
        method: "POST",
        headers: { authorization: `Bearer ${localSecrets().OPS_TOKEN}` },
      });
      console.log(res.ok ? `[import] published to KV: ${await res.text()}` : `[import] publishing to KV failed (${res.status}); caches refresh within their TTL`);
    }
    return 0;
  } finally {
    await stack.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
