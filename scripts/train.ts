/**
 * `npm run train [-- --from-postgres] [--quick]`: fits the shipped recipe (CURRENT in
 * src/ml/recipes.ts, e.g. correctness-v2) and writes models/<version>.onnx,
 * models/<version>.json (the same weights, for the TypeScript evaluation and the tests) and
 * models/<version>.card.md.
 *
 * Public data (default): ASSISTments 2009 and Statics 2011 from KT_DATA_DIR (default
 * ../shared/data/kt from the project root). For every test fold k of each dataset the
 * recipe is fitted on the other students only (src/ml/pipeline.ts: cross-fitted item
 * difficulties, features from the evaluation replay, early stopping on training students)
 * and scored on fold k next to the knowledge model alone. The shipped model is then fitted
 * by the same recipe on every student of both datasets together.
 *
 * --check-card: only re-measures the bundled models/<version>.onnx on the fixed check
 * fold (src/eval/shipped.ts) and rewrites that section of the card; nothing is retrained.
 *
 * --from-postgres: the platform's own attempts table instead (DATABASE_URL, NEON_WS_PROXY
 * for a local relay), each learner's attempts replayed in `seq` order through the same
 * engine and feature code; learners are put in 5 folds by a hash of their id.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { asc } from "drizzle-orm";
import { DEFAULT_ENGINE_CONFIG } from "../src/core/engine";
import { FEATURE_NAMES } from "../src/core/features";
import { seedFromString } from "../src/core/random";
import { attempts } from "../src/db/schema";
import { loadDataset } from "../src/ml/dataset";
import type { Dataset, DatasetName, StudentSequence } from "../src/ml/dataset";
import { DEFAULT_FIT } from "../src/ml/difficulty";
import type { SkillMapping } from "../src/ml/difficulty";
import { auc, logLoss, meanSd } from "../src/eval/metrics";
import { mappingsFor } from "../src/ml/mappings";
import { openShippedModel } from "../src/ml/onnx-node";
import { checkShippedModel, renderShippedChecks, withShippedChecks } from "../src/eval/shipped";
import { MLP_FIT } from "../src/ml/fit";
import { modelToJson } from "../src/ml/model";
import { concatTables, predictTable, recipeWidth, testTable, trainRecipe, trainingSet } from "../src/ml/pipeline";
import type { TrainingSet } from "../src/ml/pipeline";
import { CURRENT as RECIPE, LOGISTIC } from "../src/ml/recipes";
import { exportOnnx } from "../src/ml/export";
import { openNodeDatabase } from "./lib/db";

const VERSION = RECIPE.version;
/** The shipped recipe's feature layout: its width and column names (a prefix of FEATURE_NAMES). */
const WIDTH = recipeWidth(RECIPE);
const NAMES = FEATURE_NAMES.slice(0, WIDTH);

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const fromPostgres = args.includes("--from-postgres");
const checkCardOnly = args.includes("--check-card");
const started = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${msg}`);
const config = DEFAULT_ENGINE_CONFIG.knowledge; // the production model: serving computes km_logit with it

interface FoldRow {
  fold: number;
  n: number;
  knowledge: number;
  logistic: number;
  model: number;
  knowledgeLoss: number;
  modelLoss: number;
}

interface Source {
  name: string;
  students: readonly StudentSequence[];
  mapping: SkillMapping;
  description: string;
}


function merge(sets: readonly TrainingSet[]): TrainingSet {
  return { fit: concatTables(sets.map((s) => s.fit)), validation: concatTables(sets.map((s) => s.validation)) };
}

async function postgresSource(): Promise<Source> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("--from-postgres needs DATABASE_URL (and NEON_WS_PROXY for a local relay)");
  const db = openNodeDatabase(url, process.env.NEON_WS_PROXY);
  try {
    const rows = await db.read
      .select({ learnerId: attempts.learnerId, seq: attempts.seq, itemId: attempts.itemId, skillIds: attempts.skillIds, correct: attempts.correct })
      .from(attempts)
      .orderBy(asc(attempts.learnerId), asc(attempts.seq));
    const byLearner = new Map<string, StudentSequence & { interactions: { itemId: string; skillIds: string[]; correct: boolean }[] }>();
    for (const r of rows) {
      let s = byLearner.get(r.learnerId);
      if (!s) {
        s = { studentId: r.learnerId, fold: (seedFromString(r.learnerId) % 5) + 1, interactions: [] };
        byLearner.set(r.learnerId, s);
      }
      s.interactions.push({ itemId: r.itemId, skillIds: r.skillIds, correct: r.correct });
    }
    log(`postgres: ${rows.length} attempts of ${byLearner.size} learners`);
    return { name: "platform attempts", students: [...byLearner.values()], mapping: (x) => (x.skillIds.length > 0 ? x.skillIds : ["none"]), description: "the platform's attempts table" };
  } finally {
    await db.end();
  }
}

function publicSource(dataDir: string, name: DatasetName): Source {
  const ds: Dataset = loadDataset(dataDir, name);
  const mapping = mappingsFor(name)[0];
  if (!mapping) throw new Error("no mapping");
  log(`${name}: ${ds.students.length} students, ${ds.students.reduce((a, s) => a + s.interactions.length, 0)} interactions`);
  return { name, students: ds.students, mapping: mapping.skills, description: `${name} (skills: ${mapping.description})` };
}

/** Held-out evaluation of the recipe on one source, fold by fold. */
function evaluateFolds(src: Source, folds: readonly number[]): { rows: FoldRow[]; sets: Map<number, TrainingSet> } {
  const out: FoldRow[] = [];
  const sets = new Map<number, TrainingSet>();
  for (const fold of folds) {
    const t0 = performance.now();
    const train = src.students.filter((s) => s.fold !== fold);
    const test = src.students.filter((s) => s.fold === fold);
    if (train.length === 0 || test.length === 0) continue;
    const set = trainingSet(train, src.mapping, config, DEFAULT_FIT);
    sets.set(fold, set);
    const table = testTable(train, test, src.mapping, config, DEFAULT_FIT);
    const model = trainRecipe(set, RECIPE);
    const lr = trainRecipe(set, { ...LOGISTIC, features: RECIPE.features }); // "same features" as the shipped recipe
    const p = predictTable(model, table);
    const row = {
      fold,
      n: table.n,
      knowledge: auc(table.knowledge, table.y),
      logistic: auc(predictTable(lr, table), table.y),
      model: auc(p, table.y),
      knowledgeLoss: logLoss(table.knowledge, table.y),
      modelLoss: logLoss(p, table.y),
    };
    out.push(row);
    log(
      `${src.name} fold ${fold}: AUC knowledge ${row.knowledge.toFixed(4)} / logistic ${row.logistic.toFixed(4)} / ${VERSION} ${row.model.toFixed(4)} ` +
        `(${table.n} test answers, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  return { rows: out, sets };
}

const ms = (v: readonly number[]) => {
  const { mean, sd } = meanSd(v);
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
};

function card(results: ReadonlyArray<{ src: Source; rows: FoldRow[] }>, pooled: ReadonlyArray<{ name: string; rows: Array<{ fold: number; auc: number }> }>, trainedOn: string, rowsUsed: number, seconds: number): string {
  const md: string[] = [];
  md.push(`# Model card: ${VERSION}`, "");
  md.push(
    `- **Predicts** P(correct) of a learner's next answer to an item, for the scorer's desirable-difficulty term (src/core/scoring.ts via \`rankItems(…, predictions)\`).`,
    `- **Model**: ${RECIPE.description}; L2 ${MLP_FIT.l2}, batch ${MLP_FIT.batchSize}, learning rate ${MLP_FIT.learningRate}, up to ${MLP_FIT.epochs} epochs, seed ${MLP_FIT.seed} (src/ml/fit.ts). Input standardisation folded into the first layer.`,
    `- **File**: models/${VERSION}.onnx (IR 8, opset 13, input \`features\` float32 [N, ${WIDTH}], output \`p_correct\` float32 [N, 1]); weights also in models/${VERSION}.json.`,
    `- **Feature version**: \`${RECIPE.features}\` (src/core/features.ts, shared by training, evaluation and serving): the first ${WIDTH} columns of the newest layout. A model whose feature layout the worker cannot write, or whose width differs, is refused by the predictor.`,
    `- **Trained on**: ${trainedOn}; ${rowsUsed} answer rows (cross-fitted item difficulties; every 5th student held out for early stopping). ${quick ? "**QUICK run (subset): not the reportable model.**" : ""}`,
    `- **Knowledge model inside the features**: DEFAULT_KNOWLEDGE_CONFIG (the production configuration), replayed online.`,
    `- Generated by \`npm run train${args.length > 0 ? ` -- ${args.join(" ")}` : ""}\` in ${seconds.toFixed(0)} s.`,
    "",
  );
  md.push("## Features", "", "| # | name |", "|---|---|");
  NAMES.forEach((n, i) => md.push(`| ${i} | \`${n}\` |`));
  md.push("", "Definitions and the reasons for each (and for what is left out: wall-clock gaps, retrievability and response times, absent from the training data) are in the doc comment of src/core/features.ts.", "");
  md.push("## Held-out evaluation", "");
  md.push(
    "Protocol of src/eval/predict.ts: for each test fold k, everything (item difficulties, the model) is fitted on the other students only; each test student is replayed online, every answer predicted from that student's earlier answers only. AUC mean ± sd over folds.",
    "",
  );
  md.push(`| Data | Knowledge model alone | Logistic regression (same features) | ${VERSION}, per-dataset recipe | ${VERSION}, pooled recipe (as shipped) |`, "|---|---|---|---|---|");
  for (const r of results) {
    const pool = pooled.find((p) => p.name === r.src.name);
    md.push(
      `| ${r.src.name} | ${ms(r.rows.map((f) => f.knowledge))} | ${ms(r.rows.map((f) => f.logistic))} | ${ms(r.rows.map((f) => f.model))} | ${pool ? ms(pool.rows.map((f) => f.auc)) : "–"} |`,
    );
  }
  md.push("", "Per fold:", "", "| Data | Fold | Test answers | Knowledge AUC | Model AUC | Knowledge log-loss | Model log-loss |", "|---|---|---|---|---|---|---|");
  for (const r of results) for (const f of r.rows) md.push(`| ${r.src.name} | ${f.fold} | ${f.n} | ${f.knowledge.toFixed(4)} | ${f.model.toFixed(4)} | ${f.knowledgeLoss.toFixed(4)} | ${f.modelLoss.toFixed(4)} |`);
  md.push(
    "",
    "Published for scale (pyKT protocol, different preprocessing): AKT 0.785 (ASSISTments 2009), 0.831 (Statics 2011). The pooled recipe is the one shipped: one model for both datasets, since the features carry no item or skill identities.",
    "",
  );
  return `${md.join("\n")}\n`;
}

/** The shipped-file section of the card, measured on the bundled file now in models/. */
async function shippedSection(dataDir: string): Promise<string> {
  const model = await openShippedModel(root, VERSION);
  const checks = [];
  for (const name of ["assist2009", "statics2011"] as DatasetName[]) {
    const c = await checkShippedModel(model, loadDataset(dataDir, name));
    log(`shipped ${VERSION}.onnx on ${name} fold ${c.fold}: AUC ${c.auc.toFixed(4)} over ${c.answers} answers`);
    checks.push(c);
  }
  return renderShippedChecks(VERSION, checks);
}

async function main(): Promise<void> {
  const dataDir = resolve(root, process.env.KT_DATA_DIR ?? "../shared/data/kt");
  const cardPath = join(root, "models", `${VERSION}.card.md`);
  if (checkCardOnly) {
    writeFileSync(cardPath, withShippedChecks(readFileSync(cardPath, "utf8"), await shippedSection(dataDir)));
    log(`rewrote the shipped file check of ${cardPath}`);
    return;
  }
  const sources: Source[] = [];
  if (fromPostgres) sources.push(await postgresSource());
  else {
    for (const name of ["assist2009", "statics2011"] as DatasetName[]) {
      const src = publicSource(dataDir, name);
      sources.push(quick ? { ...src, students: src.students.filter((_, i) => i % 4 === 0) } : src);
    }
  }
  const folds = quick ? [1, 2] : [1, 2, 3, 4, 5];
  const results = sources.map((src) => ({ src, ...evaluateFolds(src, folds) }));

  // The shipped recipe, evaluated: one model fitted on the training folds of every source.
  const pooled = sources.map((s) => ({ name: s.name, rows: [] as Array<{ fold: number; auc: number }> }));
  if (sources.length > 1) {
    for (const fold of folds) {
      const sets = results.map((r) => r.sets.get(fold)).filter((s): s is TrainingSet => s !== undefined);
      const model = trainRecipe(merge(sets), RECIPE);
      results.forEach((r, k) => {
        const train = r.src.students.filter((s) => s.fold !== fold);
        const test = r.src.students.filter((s) => s.fold === fold);
        const table = testTable(train, test, r.src.mapping, config, DEFAULT_FIT);
        pooled[k]?.rows.push({ fold, auc: auc(predictTable(model, table), table.y) });
      });
      log(`pooled fold ${fold}: ${pooled.map((p) => `${p.name} ${p.rows.at(-1)?.auc.toFixed(4)}`).join(", ")}`);
    }
  }

  log("fitting the shipped model on every student");
  const all = merge(sources.map((s) => trainingSet(s.students, s.mapping, config, DEFAULT_FIT)));
  const model = trainRecipe(all, RECIPE, log);
  const dir = join(root, "models");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${VERSION}.onnx`), exportOnnx(model, NAMES));
  writeFileSync(join(dir, `${VERSION}.json`), `${JSON.stringify(modelToJson(model))}\n`);
  const seconds = (performance.now() - started) / 1000;
  const text = card(results, pooled, sources.map((s) => s.description).join("; "), all.fit.n + all.validation.n, seconds);
  // The check needs the public data's folds; a model trained on the platform's attempts has none.
  writeFileSync(cardPath, fromPostgres || quick ? text : withShippedChecks(text, await shippedSection(dataDir)));
  for (const r of results) log(`${r.src.name}: knowledge ${ms(r.rows.map((f) => f.knowledge))}, ${VERSION} ${ms(r.rows.map((f) => f.model))}`);
  log(`wrote models/${VERSION}.onnx, .json and .card.md`);
}

await main();
