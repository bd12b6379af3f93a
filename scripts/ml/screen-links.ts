/**
 * `npx tsx scripts/ml/screen-links.ts [--datasets assist2009,statics2011] [--folds 1] [--keep 16,32,64,128,all] [--young 5000,…]`:
 * how many item links into each item the calibration job should publish (src/core/item-links.ts
 * `publishLinks`, `DEFAULT_PUBLISH_LINKS`). Writes reports/link-pruning.md.
 *
 * For every cut (the strongest `keep` links into each item, or every fitted link), correctness-v3's
 * recipe is fitted on the prediction study's training rows with links cut that way and scored on
 * the fold's test rows with links cut the same way (src/ml/pipeline.ts `trainingSet`/`testTable`,
 * the protocol of reports/eval.md), so each AUC is what learners would be served under that cut.
 * One more column scores the model fitted on EVERY link against test rows cut to the default:
 * what training on the whole fit and serving the published cut gives; and the published cut's
 * model served links learnt from only the first few thousand answers (`--young`): when learner
 * objects should switch to it. Runtime: about 40 s per cut and fold per dataset on two shared cores.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { DEFAULT_PUBLISH_LINKS, decodeLinks, encodeLinks, linksOf, publishLinks, publishedLinkCount } from "../../src/core/item-links";
import type { PublishOptions } from "../../src/core/item-links";
import { auc, meanSd, median } from "../../src/eval/metrics";
import { loadDataset } from "../../src/ml/dataset";
import type { DatasetName } from "../../src/ml/dataset";
import { DEFAULT_FIT, fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import { fitItemLinks, servedItemLinks } from "../../src/ml/item-links";
import { mappingsFor } from "../../src/ml/mappings";
import { featureTable, predictTable, testTable, trainRecipe, trainingSet } from "../../src/ml/pipeline";
import { V2, V3 } from "../../src/ml/recipes";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    datasets: { type: "string", default: "assist2009,statics2011" },
    folds: { type: "string", default: "1" },
    keep: { type: "string", default: "16,32,64,128,all" },
    young: { type: "string", default: "5000,10000,20000,40000,80000,160000" },
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
const young = values.young.split(",").filter(Boolean).map(Number);
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
  /** CPU an isolate spends reading it (ms, median of 5): the document's JSON with the table inside, read as before; the encoded table decoded. */
  parseInline: number;
  decode: number;
}

/** Median wall time of `f` over `n` runs, ms. */
function timed(f: () => unknown, n = 5): number {
  return median(
    Array.from({ length: n }, () => {
      const start = performance.now();
      f();
      return performance.now() - start;
    }),
  );
}
const rows: Row[] = [];
const baselines: Array<{ dataset: string; v2: number[]; trainedOnAll: number[] }> = [];
/** The published cut's model served links learnt from only the first `answers` of the training students' answers (a young platform). */
const youth: Array<{ dataset: string; answers: number; v3: number[] }> = [];
for (const name of values.datasets.split(",") as DatasetName[]) {
  const ds = loadDataset(dataDir, name);
  const mapping = mappingsFor(name)[0];
  if (!mapping) throw new Error(`no skill mapping for ${name}`);
  // What the job would publish from the first fold's training students, per cut (the KV document's links part).
  const first = ds.students.filter((s) => s.fold !== folds[0]);
  const fitted = fitItemLinks(first, itemMapper(fitItemDifficulties(first, mapping.skills, config, DEFAULT_FIT), mapping.skills));
  const byCut = cuts.map((c): Row => {
    const doc = publishLinks(fitted, { answers: 0, learners: first.length, throughAttemptId: 0 }, c.publish ?? { ...DEFAULT_PUBLISH_LINKS, maxPerItem: Number.MAX_SAFE_INTEGER });
    const json = JSON.stringify(doc);
    const encoded = encodeLinks(doc);
    return {
      dataset: name,
      cut: c.label,
      v3: [],
      links: publishedLinkCount(doc),
      bytes: JSON.stringify(doc.links).length,
      encoded: encoded.length,
      parseInline: timed(() => linksOf(JSON.parse(json) as typeof doc)),
      decode: timed(() => decodeLinks(encoded)),
    };
  });
  const base = { dataset: name, v2: [] as number[], trainedOnAll: [] as number[] };
  const byAge = young.map((answers) => ({ dataset: name, answers, v3: [] as number[] }));
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
      if (cut.publish?.maxPerItem !== DEFAULT_PUBLISH_LINKS.maxPerItem) continue;
      // A young platform: links learnt from the first training students only, until they hold `answers` answers.
      const toItem = itemMapper(fitItemDifficulties(train, mapping.skills, config, DEFAULT_FIT), mapping.skills);
      for (const age of byAge) {
        const few: typeof train = [];
        let n = 0;
        for (const s of train) {
          if (n >= age.answers) break;
          few.push(s);
          n += s.interactions.length;
        }
        const rows = featureTable(test, toItem, config, servedItemLinks(few, toItem, cut.publish));
        age.v3.push(auc(predictTable(model, rows), rows.y));
        log(`${name} fold ${fold}, links from ${n} answers: v3 AUC ${age.v3.at(-1)?.toFixed(4)}`);
      }
    }
  }
  rows.push(...byCut);
  baselines.push(base);
  youth.push(...byAge);
}

const f4 = (v: readonly number[]) => {
  if (v.length === 0) return "–";
  const { mean, sd } = meanSd(v);
  return v.length > 1 ? `${mean.toFixed(4)} ± ${sd.toFixed(4)}` : mean.toFixed(4);
};
const lines = [
  "# Item links: how many to publish",
  "",
  `Generated by \`npx tsx scripts/ml/screen-links.ts --datasets ${values.datasets} --folds ${values.folds} --keep ${values.keep} --young ${values.young}\` in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  "",
  `correctness-v3's recipe (src/ml/recipes.ts) fitted and scored with the item links cut to the strongest N into each item, as the calibration job publishes them (src/core/item-links.ts \`publishLinks\`, support ≥ ${DEFAULT_PUBLISH_LINKS.minSupport}, weights rounded as published), on both the training rows (cross-fitted) and the test rows: the prediction study's protocol (reports/eval.md), test fold${folds.length > 1 ? "s" : ""} ${values.folds}. "Every link" is the whole fit, which the job does not publish. AUC${folds.length > 1 ? ": mean ± sd over folds" : ""}.`,
  "",
  "The last columns are what the job would publish from the first fold's training students: the table as JSON (how documents carried it inside the calibration document before, which every isolate parsed again at each refresh, once a minute) and encoded (src/core/item-links.ts `encodeLinks`: the KV value of its own that the calibration document now points at, read once per table by an isolate), with what reading each costs on this machine's V8 (median of 5): `JSON.parse` of the table's JSON and `linksOf`, against `decodeLinks`.",
  "",
  "| dataset | links into each item | correctness-v3 AUC | links published | as JSON | parsed in | encoded | decoded in |",
  "|---|---|---:|---:|---:|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.dataset} | ${r.cut} | ${f4(r.v3)} | ${r.links.toLocaleString("en-US")} | ${(r.bytes / 1048576).toFixed(1)} MiB | ${r.parseInline.toFixed(0)} ms | ${(r.encoded / 1048576).toFixed(1)} MiB | ${r.decode.toFixed(1)} ms |`,
  ),
  "",
  `Beside them, on the same rows: correctness-v2 (no links) and correctness-v3 fitted on every link but served the published ${DEFAULT_PUBLISH_LINKS.maxPerItem} (training and serving on different tables).`,
  "",
  "| dataset | correctness-v2 | v3 fitted on every link, served the published cut |",
  "|---|---:|---:|",
  ...baselines.map((b) => `| ${b.dataset} | ${f4(b.v2)} | ${f4(b.trainedOnAll)} |`),
  "",
  ...(youth.length > 0
    ? [
        `A young platform: the published cut's model (${DEFAULT_PUBLISH_LINKS.maxPerItem} into each item) served links learnt from only the first training students, until they hold the answers named (at least that many: whole students), against correctness-v2 on the same rows (it reads no links). Learner objects switch to the links model once the published links rest on LINKED_MODEL_MIN_ANSWERS answers (workers/api/lib/env.ts).`,
        "",
        "| dataset | links learnt from (answers) | correctness-v3 AUC | correctness-v2 AUC |",
        "|---|---:|---:|---:|",
        ...youth.map((y) => `| ${y.dataset} | ${y.answers.toLocaleString("en-US")} | ${f4(y.v3)} | ${f4(baselines.find((b) => b.dataset === y.dataset)?.v2 ?? [])} |`),
        "",
      ]
    : []),
];
mkdirSync(join(root, "reports"), { recursive: true });
writeFileSync(join(root, "reports", "link-pruning.md"), `${lines.join("\n")}\n`);
log("wrote reports/link-pruning.md");
