/**
 * Writes loadtests/data/answer-key.json: the demo bank's right answers as sorted
 * [itemId, response] pairs, so k6's virtual learners can answer with a chosen accuracy.
 * The demo bank is deterministic (seed 1, as `npm start` seeds it); imported content is
 * not in the key and gets guessed.
 *
 *   npx tsx loadtests/tools/answer-key.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDemoBank } from "../../src/content/generate/index";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "data", "answer-key.json");
const { items } = generateDemoBank(1);
const pairs: Array<[string, number | string]> = items.map((item) => {
  const a = item.answer;
  return [item.id, a.type === "choice" ? a.index : a.type === "numeric" ? a.value : (a.accepted[0] ?? "")];
});
pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(pairs)}\n`);
console.log(`wrote ${pairs.length} answers to ${out}`);
