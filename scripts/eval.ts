/**
 * Evaluation harness: `npm run eval [-- --quick] [--seed N] [--only predict|teach|cat]`.
 * KT_DATA_DIR overrides the data folder (default ../shared/data/kt from the project root).
 * Writes reports/eval.md and its SVG plots. The numbers come from src/eval (which drives
 * the production core); this file only parses flags, prints progress and writes files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_STUDY, runCatStudy } from "../src/core/cat-sim";
import type { StudyResult } from "../src/core/cat-sim";
import { DEFAULT_ENGINE_CONFIG } from "../src/core/engine";
import { generateDemoBank } from "../src/content/generate/index";
import { loadDataset, subsetStudents } from "../src/ml/dataset";
import type { DatasetName } from "../src/ml/dataset";
import { DEFAULT_FIT } from "../src/ml/difficulty";
import { openShippedModel } from "../src/ml/onnx-node";
import { CURRENT } from "../src/ml/recipes";
import { measurePredictThroughput, runPrediction } from "../src/eval/predict";
import type { DatasetResult } from "../src/eval/predict";
import { renderReport } from "../src/eval/report";
import { readFileSync } from "node:fs";
import { learnerFamilies } from "../src/eval/families";
import { POLICY_NAMES } from "../src/eval/policies";
import { fitBkt, fitPfa } from "../src/eval/sim-fit";
import { DEFAULT_TEACH, runTeachingStudy } from "../src/eval/teach";
import type { FamilyTeachResult, TeachResult } from "../src/eval/teach";
import { modelFromJson } from "../src/ml/model";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes("--quick");
const seed = Number.parseInt(flag("--seed") ?? "7", 10);
const only = flag("--only");
if (only !== undefined && !["predict", "teach", "cat"].includes(only)) throw new Error(`--only must be predict, teach or cat (got ${only})`);
if (!Number.isFinite(seed)) throw new Error("--seed must be an integer");
const dataDir = resolve(root, process.env.KT_DATA_DIR ?? "../shared/data/kt");
const outDir = join(root, "reports");
const started = performance.now();
const stamp = () => `[${((performance.now() - started) / 1000).toFixed(1)} s]`;
const log = (msg: string) => console.log(`${stamp()} ${msg}`);
const timings: Array<[string, number]> = [];

log(`eval: ${quick ? "QUICK" : "full"} run, seed ${seed}, data ${dataDir}${only ? `, only ${only}` : ""}`);

const prediction: DatasetResult[] = [];
let throughput: { usPer500: number; nsPerItem: number } | undefined;
if (!only || only === "predict") {
  const t = performance.now();
  const shipped = await openShippedModel(root, CURRENT.version);
  for (const name of ["assist2009", "statics2011"] as DatasetName[]) {
    log(`loading ${name}`);
    const full = loadDataset(dataDir, name);
    const ds = quick ? subsetStudents(full, 300) : full;
    log(`${name}: ${ds.students.length} students${quick ? ` (subset of ${full.students.length})` : ""}`);
    prediction.push(await runPrediction(ds, { folds: quick ? [1, 2] : [1, 2, 3, 4, 5], quick, fit: quick ? { ...DEFAULT_FIT, passes: 2 } : DEFAULT_FIT, log, ml: true, shipped }));
  }
  throughput = measurePredictThroughput(quick ? 500 : 5000);
  log(`predictBatch: ${throughput.usPer500.toFixed(1)} µs per 500 candidates`);
  timings.push(["prediction", (performance.now() - t) / 1000]);
}

let teaching: TeachResult | undefined;
let families: FamilyTeachResult[] | undefined;
if (!only || only === "teach") {
  const t = performance.now();
  // The fitted families learn from ASSISTments 2009 (all students: the simulator is not scored on it).
  const assist = loadDataset(dataDir, "assist2009");
  const bktStudents = subsetStudents(assist, quick ? 200 : 1000);
  const fits = {
    bkt: fitBkt(bktStudents.students),
    pfa: fitPfa(assist.students),
    source: `ASSISTments 2009 (BKT: ${bktStudents.students.length} students, every k-th; PFA: all ${assist.students.length})`,
  };
  log(`fitted BKT (L0 ${fits.bkt.init.toFixed(3)}, T ${fits.bkt.learn.toFixed(3)}, G ${fits.bkt.guess.toFixed(3)}, S ${fits.bkt.slip.toFixed(3)}) and PFA (γ ${fits.pfa.correct.toFixed(3)}, ρ ${fits.pfa.wrong.toFixed(3)})`);
  const bank = generateDemoBank(1);
  const model = modelFromJson(JSON.parse(readFileSync(join(root, "models", `${CURRENT.version}.json`), "utf8")));
  log(`demo bank: ${bank.skills.length} skills, ${bank.items.length} items; learner seed ${seed}; model ${model.version}`);
  families = runTeachingStudy(bank, learnerFamilies(fits), {
    ...DEFAULT_TEACH,
    seed,
    replicates: quick ? 2 : 5,
    learners: quick ? 3 : 16,
    attempts: quick ? 150 : 600,
    checkpoints: quick ? [75, 150] : [200, 400, 600],
    policies: POLICY_NAMES,
    config: DEFAULT_ENGINE_CONFIG,
    model,
    log,
  });
  teaching = families[0]?.replicates[0];
  timings.push(["teaching", (performance.now() - t) / 1000]);
}

let cat: StudyResult | undefined;
if (!only || only === "cat") {
  const t = performance.now();
  const options = quick
    ? { ...DEFAULT_STUDY, seed, examinees: 200, calibrationExaminees: 150, calibrationRounds: 3, fixedSearchLength: 100, forms: 20 }
    : { ...DEFAULT_STUDY, seed };
  cat = runCatStudy({ ...options, progress: (m) => log(`cat: ${m}`) });
  timings.push(["mock tests", (performance.now() - t) / 1000]);
}

timings.push(["total", (performance.now() - started) / 1000]);
const report = renderReport({
  quick,
  seed,
  command: args.length > 0 ? `npm run eval -- ${args.join(" ")}` : "npm run eval",
  dataDir: process.env.KT_DATA_DIR ?? "../shared/data/kt",
  prediction,
  ...(throughput ? { throughput } : {}),
  ...(teaching ? { teaching } : {}),
  ...(families ? { families } : {}),
  ...(cat ? { cat } : {}),
  timings,
  modelVersion: CURRENT.version,
});
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "eval.md"), report.markdown);
for (const [name, svg] of report.svgs) writeFileSync(join(outDir, name), svg);
log(`wrote reports/eval.md and ${[...report.svgs.keys()].join(", ")}`);
