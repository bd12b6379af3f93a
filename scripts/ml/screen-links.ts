/**
 * `npx tsx scripts/ml/screen-links.ts [--datasets assist2009,statics2011] [--folds 1] [--keep 16,32,64,128,all]`:
 * how many item links into each item the calibration job should publish (src/core/item-links.ts
 * `publishLinks`, `DEFAULT_PUBLISH_LINKS`). Writes reports/link-pruning.md.
 *
 * For every cut (the strongest `keep` links into each item, or every fitted link), correctness-v3's
 * recipe is fitted on the prediction study's training rows with links cut that way and scored on
 * the fold's test rows with links cut the same way (src/ml/pipeline.ts `trainingSet`/`testTable`,
 * the protocol of reports/eval.md), so each AUC is what learners would be served under that cut.
 * One more column scores the model fitted on EVERY link against test rows cut to the default:
 * what training on the whole fit and serving the published cut gives. Runtime: about 40 s per
 * cut and fold per dataset on two shared cores.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { DEFAULT_PUBLISH_LINKS, encodeLinks, publishLinks, publishedLinkCount } from "../../src/core/item-links";
import type { PublishOptions } from "../../src/core/item-links";
import { auc, meanSd } from "../../src/eval/metrics";
import { loadDataset } from "../../src/ml/dataset";
import type { DatasetName } from "../../src/ml/dataset";
import { DEFAULT_FIT, fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import { fitItemLinks } from "../../src/ml/item-links";
import { mappingsFor } from "../../src/ml/mappings";
import { predictTable, testTable, trainRecipe, trainingSet } from "../../src/ml/pipeline";
import { V2, V3 } from "../../src/ml/recipes";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    datasets: { type: "string", default: "assist2009,statics2011" },
    folds: { type: "string", default: "1" },
    keep: { type: "string", default: "16,32,64,128,all" },
  },
});
const dataDir = resolve(root, process.env.KT_DATA_DIR ?? "../shared/data/kt");
const config = DEFAULT_KNOWLEDGE_CONFIG;
const folds = values.folds.split(",").map(Number);
const cuts: Array<{ label: string; publish: PublishOptions | null }> = values.keep.split(",").map((k) => {
  if (k === "all") return { label: "every link", publish: null };
  const n = Number(k);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--keep: ${k} is not a positive integer or "all"`);
  return { label: `${n} per item${n === DEFAULT_PUBLISH_LINKS.maxPerItem ? " (published now)" : ""}`, publish: { ...DEFAULT_PUBLISH_LINKS, maxPerItem: n } };
});
const started = performance.now();
const log = (m: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${m}`);

interface Row {
  dataset: string;
  cut: string;
  v3: number[];
  /** The published document of the first fold's training students: links and JSON bytes. */
  links: number;
  bytes: number;
  encoded: number;
}
const rows: Row[] = [];
const baselines: Array<{ dataset: string; v2: number[]; trainedOnAll: number[] }> = [];
for (const name of values.datasets.split(",") as DatasetName[]) {
  const ds = loadDataset(dataDir, name);
  const mapping = mappingsFor(name)[0];
  if (!mapping) throw new Error(`no skill mapping for ${name}`);
  // What the job would publish from the first fold's training students, per cut (the KV document's links part).
  const first = ds.students.filter((s) => s.fold !== folds[0]);
  const fitted = fitItemLinks(first, itemMapper(fitItemDifficulties(first, mapping.skills, config, DEFAULT_FIT), mapping.skills));
  const byCut = cuts.map((c): Row => {
    const doc = publishLinks(fitted, { answers: 0, learners: first.length, throughAttemptId: 0 }, c.publish ?? { ...DEFAULT_PUBLISH_LINKS, maxPerItem: Number.MAX_SAFE_INTEGER });
    return { dataset: name, cut: c.label, v3: [], links: publishedLinkCount(doc), bytes: JSON.stringify(doc.links).length, encoded: encodeLinks(doc).length };
  });
  const base = { dataset: name, v2: [] as number[], trainedOnAll: [] as number[] };
  for (const fold of folds) {
    const test = ds.students.filter((s) => s.fold === fold);
    const train = ds.students.filter((s) => s.fold !== fold);
    const published = testTable(train, test, mapping.skills, config, DEFAULT_FIT);
    for (const [i, cut] of cuts.entries()) {
      const set = trainingSet(train, mapping.skills, config, DEFAULT_FIT, () => undefined, cut.publish);
      const table = cut.publish?.maxPerItem === DEFAULT_PUBLISH_LINKS.maxPerItem ? published : testTable(train, test, mapping.skills, config, DEFAULT_FIT, cut.publish);
      const model = trainRecipe(set, V3);
      const a = auc(predictTable(model, table), table.y);
      byCut[i]?.v3.push(a);
      if (cut.publish === null) base.trainedOnAll.push(auc(predictTable(model, published), published.y));
      if (i === 0) base.v2.push(auc(predictTable(trainRecipe(set, V2), table), table.y));
      log(`${name} fold ${fold}, ${cut.label}: v3 AUC ${a.toFixed(4)}`);
    }
  }
  rows.push(...byCut);
  baselines.push(base);
}

const f4 = (v: readonly number[]) => {
  if (v.length === 0) return "–";
  const { mean, sd } = meanSd(v);
  return v.length > 1 ? `${mean.toFixed(4)} ± ${sd.toFixed(4)}` : mean.toFixed(4);
};
const lines = [
  "# Item links: how many to publish",
  "",
  `Generated by \`npx tsx scripts/ml/screen-links.ts --datasets ${values.datasets} --folds ${values.folds} --keep ${values.keep}\` in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  "",
  `correctness-v3's recipe (src/ml/recipes.ts) fitted and scored with the item links cut to the strongest N into each item, as the calibration job publishes them (src/core/item-links.ts \`publishLinks\`, support ≥ ${DEFAULT_PUBLISH_LINKS.minSupport}, weights rounded as published), on both the training rows (cross-fitted) and the test rows: the prediction study's protocol (reports/eval.md), test fold${folds.length > 1 ? "s" : ""} ${values.folds}. "Every link" is the whole fit, which the job does not publish. AUC${folds.length > 1 ? ": mean ± sd over folds" : ""}.`,
  "",
  "The last columns are what the job would publish from the first fold's training students: the table as JSON (how documents carried it inside the calibration document before) and encoded (src/core/item-links.ts `encodeLinks`: the KV value of its own that the calibration document now points at, read once per table by an isolate).",
  "",
  "| dataset | links into each item | correctness-v3 AUC | links published | as JSON | encoded |",
  "|---|---|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.dataset} | ${r.cut} | ${f4(r.v3)} | ${r.links.toLocaleString("en-US")} | ${(r.bytes / 1048576).toFixed(1)} MiB | ${(r.encoded / 1048576).toFixed(1)} MiB |`),
  "",
  `Beside them, on the same rows: correctness-v2 (no links) and correctness-v3 fitted on every link but served the published ${DEFAULT_PUBLISH_LINKS.maxPerItem} (training and serving on different tables).`,
  "",
  "| dataset | correctness-v2 | v3 fitted on every link, served the published cut |",
  "|---|---:|---:|",
  ...baselines.map((b) => `| ${b.dataset} | ${f4(b.v2)} | ${f4(b.trainedOnAll)} |`),
  "",
];
mkdirSync(join(root, "reports"), { recursive: true });
writeFileSync(join(root, "reports", "link-pruning.md"), `${lines.join("\n")}\n`);
log("wrote reports/link-pruning.md");
