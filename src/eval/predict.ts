/**
 * The prediction study: for each dataset and each test fold k, fit on the training students
 * (fold ≠ k, including fold 0), then predict every answer of every test student online.
 *
 * Predictors:
 *   global mean     training success rate, the same for every answer.
 *   item rate       the item's training success rate (shrunk to its skill's): difficulty only.
 *   engine default  the production knowledge model with DEFAULT_KNOWLEDGE_CONFIG, replayed
 *                   online, item b fitted on training students (fit.ts).
 *   engine tuned    the same code with a configuration and skill mapping chosen from a small
 *                   grid by log-loss on a validation fifth of the TRAINING students of that
 *                   fold (test students never take part in the choice), then refitted on all
 *                   training students.
 *   ML recipes      each recipe of src/ml/recipes.ts refitted per fold (and links recipes fed
 *                   no links); the bundled .onnx file when given.
 *   mix:<version>   that recipe's predictions mixed, per test student, with the engine
 *                   default's by how well each predicted the student's earlier answers
 *                   (src/core/predictor-mix.ts, as the learner object mixes them).
 */
import { FEATURE_WIDTHS } from "../core/features";
import { DEFAULT_KNOWLEDGE_CONFIG, predictBatch } from "../core/knowledge";
import type { KnowledgeConfig } from "../core/knowledge";
import type { ItemParams, SkillState } from "../core/types";
import type { Dataset, MergeCounts, StudentSequence } from "../ml/dataset";
import { fitItemDifficulties, itemMapper } from "../ml/difficulty";
import type { FitOptions } from "../ml/difficulty";
import { servedItemLinks } from "../ml/item-links";
import { mappingsFor } from "../ml/mappings";
import { fitRates, rateFor } from "./baselines";
import { auc, calibration, logLoss, rmse } from "./metrics";
import type { CalibrationBin } from "./metrics";
import { replaySequence } from "../ml/replay";
import { scoreRows } from "../ml/onnx-node";
import type { ShippedModel } from "../ml/onnx-node";
import { featureTable, predictTable, recipeWidth, trainRecipe, trainingSet } from "../ml/pipeline";
import { RECIPES } from "../ml/recipes";
import { DEFAULT_PREDICTOR_MIX, mixSequence } from "../core/predictor-mix";
import type { PredictorMixConfig } from "../core/predictor-mix";

/** The tuning grid: per-attempt drift (how fast beliefs follow learning) × prior variance. */
export function tuningGrid(quick: boolean): { name: string; config: KnowledgeConfig }[] {
  const qs = quick ? [0.005, 0.05] : [0.001, 0.005, 0.015, 0.03, 0.1];
  const vs = quick ? [1] : [1, 2, 4];
  const out: { name: string; config: KnowledgeConfig }[] = [];
  for (const q of qs) {
    for (const v of vs) {
      out.push({ name: `q=${q}, σ0²=${v}`, config: { ...DEFAULT_KNOWLEDGE_CONFIG, processNoisePerAttempt: q, priorVariance: v } });
    }
  }
  return out;
}

export interface FoldMetrics {
  readonly fold: number;
  readonly auc: number;
  readonly logLoss: number;
  readonly rmse: number;
  readonly n: number;
}

export interface PredictorResult {
  readonly key: string;
  readonly label: string;
  readonly folds: FoldMetrics[];
  /** Calibration over all test answers of all folds (each student is tested once). */
  calibration: CalibrationBin[];
  /** Configuration chosen per fold (tuned predictor only). */
  readonly chosen: string[];
}

export interface DatasetResult {
  readonly dataset: string;
  readonly students: number;
  readonly interactions: number;
  readonly rows: number;
  /** What the loader merged (src/ml/dataset.ts). */
  readonly merges: MergeCounts;
  readonly predictors: PredictorResult[];
  readonly invariants: string[];
  readonly seconds: number;
}

export interface PredictOptions {
  readonly folds: readonly number[];
  readonly quick: boolean;
  readonly fit: FitOptions;
  readonly log?: (msg: string) => void;
  /** Also score the ML recipes of src/ml/recipes.ts (rows after the four engine rows). */
  readonly ml?: boolean;
  /**
   * Also score this bundled model FILE (onnxruntime, float32) on the same test rows as the
   * recipes: the last row. Its weights were fitted on every student, so on these folds it
   * is in-sample for the weights (not for the item difficulties); the report says so.
   */
  readonly shipped?: ShippedModel;
}

function score(fold: number, preds: Float64Array, labels: Uint8Array): FoldMetrics {
  return { fold, auc: auc(preds, labels), logLoss: logLoss(preds, labels), rmse: rmse(preds, labels), n: preds.length };
}

/** Every answer's label (1 right), students in order. */
export function labelsOf(students: readonly StudentSequence[]): Uint8Array {
  const n = students.reduce((a, s) => a + s.interactions.length, 0);
  const out = new Uint8Array(n);
  let i = 0;
  for (const s of students) for (const x of s.interactions) out[i++] = x.correct ? 1 : 0;
  return out;
}

/** Every student replayed online through the knowledge model (`replaySequence`), predictions in `labelsOf`'s order. */
export function replayAll(students: readonly StudentSequence[], toItem: ReturnType<typeof itemMapper>, config: KnowledgeConfig): Float64Array {
  const n = students.reduce((a, s) => a + s.interactions.length, 0);
  const out = new Float64Array(n);
  let offset = 0;
  for (const s of students) {
    out.set(replaySequence(s.interactions, toItem, config), offset);
    offset += s.interactions.length;
  }
  return out;
}

/** Recipes the study also scores mixed with the knowledge model: those production serves. */
export const MIXED_RECIPES: readonly string[] = ["correctness-v2", "correctness-v3"];

/** The key of a recipe's row mixed with the knowledge model. */
export function mixKey(version: string): string {
  return `mix:${version}`;
}

/**
 * Each student's answers predicted by the mixture of `model` and `knowledge` (both online
 * predictions of the same answers, students in `students` order), the weight from the
 * student's earlier answers only: the mixture as the learner object computes it.
 */
export function mixPerLearner(
  model: Float64Array,
  knowledge: Float64Array,
  labels: Uint8Array,
  students: readonly StudentSequence[],
  config: PredictorMixConfig = DEFAULT_PREDICTOR_MIX,
): Float64Array {
  if (model.length !== labels.length || knowledge.length !== labels.length) throw new Error("mixPerLearner: predictions and labels differ in length");
  const out = new Float64Array(labels.length);
  let i = 0;
  for (const s of students) {
    const start = i;
    const answers = s.interactions.map((_, k) => ({ model: model[start + k] as number, knowledge: knowledge[start + k] as number, correct: labels[start + k] === 1 }));
    out.set(mixSequence(answers, config).mixed, start);
    i += s.interactions.length;
  }
  if (i !== labels.length) throw new Error("mixPerLearner: students do not cover the labels");
  return out;
}

/** The key of a links-reading recipe's row scored without links. */
export function noLinksKey(version: string): string {
  return `${version} (no links)`;
}

/** Runs the study on one dataset; throws if an invariant fails. */
export async function runPrediction(ds: Dataset, options: PredictOptions): Promise<DatasetResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const mappings = mappingsFor(ds.name);
  const base = mappings[0];
  if (!base) throw new Error("no mapping");
  const grid = tuningGrid(options.quick);
  const labels: Record<string, string> = {
    global: "Baseline: global mean",
    item: "Baseline: item success rate (difficulty only)",
    engine: `Engine knowledge model, production default config (mapping: ${base.name})`,
    tuned: "Engine knowledge model, tuned config + mapping (chosen on training students)",
  };
  const recipes = options.ml ? RECIPES : [];
  for (const r of recipes) labels[r.version] = `ML ${r.version}: ${r.description} (fitted on training students)`;
  // A recipe that reads item links is also scored with none (the same fitted model): a bank whose links are not learnt yet.
  const linkRecipes = recipes.filter((r) => recipeWidth(r) > (FEATURE_WIDTHS["features/2"] ?? 0));
  for (const r of linkRecipes) labels[noLinksKey(r.version)] = `ML ${r.version} as above, fed no item links (a bank whose links are not learnt yet)`;
  const shipped = options.shipped;
  const shippedKey = shipped ? `${shipped.version}.onnx` : undefined;
  if (shipped && shippedKey) labels[shippedKey] = `Shipped file models/${shippedKey} via onnxruntime (fitted on all students: in-sample weights)`;
  // The recipes production runs (CORRECTNESS_MODEL, then LINKED_CORRECTNESS_MODEL), mixed with the knowledge model.
  const mixed = recipes.filter((r) => MIXED_RECIPES.includes(r.version));
  for (const r of mixed) labels[mixKey(r.version)] = `ML ${r.version} mixed per learner with the engine default by their earlier answers (predictor-mix.ts)`;
  const keys = [
    "global",
    "item",
    "engine",
    "tuned",
    ...recipes.map((r) => r.version),
    ...linkRecipes.map((r) => noLinksKey(r.version)),
    ...(shippedKey ? [shippedKey] : []),
    ...mixed.map((r) => mixKey(r.version)),
  ];
  const results = keys.map((key) => ({ key, label: labels[key] ?? key, folds: [] as FoldMetrics[], calibration: [] as CalibrationBin[], chosen: [] as string[] }));
  const pooled = keys.map(() => [] as Float64Array[]);
  const pooledLabels: Uint8Array[] = [];
  const invariants: string[] = [];

  for (const fold of options.folds) {
    const t0 = performance.now();
    const test = ds.students.filter((s) => s.fold === fold);
    const train = ds.students.filter((s) => s.fold !== fold);
    const testIds = new Set(test.map((s) => s.studentId));
    if (train.some((s) => testIds.has(s.studentId))) throw new Error(`fold ${fold}: a student is in both train and test`);
    if (test.length === 0 || train.length === 0) throw new Error(`fold ${fold}: empty train or test set`);
    const y = labelsOf(test);
    pooledLabels.push(y);

    const rates = fitRates(train, base.skills);
    const globalPreds = new Float64Array(y.length).fill(rates.global);
    const itemPreds = new Float64Array(y.length);
    let i = 0;
    for (const s of test) for (const x of s.interactions) itemPreds[i++] = rateFor(rates, base.skills, x);

    const fitted = fitItemDifficulties(train, base.skills, DEFAULT_KNOWLEDGE_CONFIG, options.fit);
    const enginePreds = replayAll(test, itemMapper(fitted, base.skills), DEFAULT_KNOWLEDGE_CONFIG);

    // Tuning inside the training students: every 5th of them validates.
    const fitPart = train.filter((_, j) => j % 5 !== 0);
    const valPart = train.filter((_, j) => j % 5 === 0);
    const yVal = labelsOf(valPart);
    let best = { loss: Number.POSITIVE_INFINITY, mapping: base, config: DEFAULT_KNOWLEDGE_CONFIG, name: "" };
    for (const m of mappings) {
      const f = fitItemDifficulties(fitPart, m.skills, DEFAULT_KNOWLEDGE_CONFIG, options.fit);
      const toItem = itemMapper(f, m.skills);
      for (const g of grid) {
        const loss = logLoss(replayAll(valPart, toItem, g.config), yVal);
        if (loss < best.loss) best = { loss, mapping: m, config: g.config, name: `${m.name}, ${g.name}` };
      }
    }
    const tunedFit = fitItemDifficulties(train, best.mapping.skills, best.config, options.fit);
    const tunedPreds = replayAll(test, itemMapper(tunedFit, best.mapping.skills), best.config);
    const tuned = results[3];
    if (tuned) tuned.chosen.push(best.name);

    // ML recipes: training rows cross-fitted on training students; test rows from the engine row's fit.
    const mlPreds: Float64Array[] = [];
    if (recipes.length > 0 || shipped) {
      const toTestItem = itemMapper(fitted, base.skills);
      const mlTable = featureTable(test, toTestItem, DEFAULT_KNOWLEDGE_CONFIG, servedItemLinks(train, toTestItem));
      for (let r = 0; r < y.length; r++) {
        if (mlTable.y[r] !== y[r] || Math.abs((mlTable.knowledge[r] ?? 0) - (enginePreds[r] ?? 0)) > 1e-12) throw new Error(`fold ${fold}: feature rows are not aligned with the engine replay at ${r}`);
      }
      if (recipes.length > 0) {
        const mlSet = trainingSet(train, base.skills, DEFAULT_KNOWLEDGE_CONFIG, options.fit);
        const withoutLinks: Float64Array[] = [];
        const noLinksTable = linkRecipes.length > 0 ? featureTable(test, toTestItem, DEFAULT_KNOWLEDGE_CONFIG) : null;
        for (const recipe of recipes) {
          const model = trainRecipe(mlSet, recipe);
          mlPreds.push(predictTable(model, mlTable));
          if (noLinksTable && linkRecipes.includes(recipe)) withoutLinks.push(predictTable(model, noLinksTable));
        }
        mlPreds.push(...withoutLinks);
      }
      if (shipped) mlPreds.push(await scoreRows(shipped, mlTable));
    }

    const mixPreds = mixed.map((r) => mixPerLearner(mlPreds[recipes.indexOf(r)] ?? new Float64Array(0), enginePreds, y, test));
    const all = [globalPreds, itemPreds, enginePreds, tunedPreds, ...mlPreds, ...mixPreds];
    all.forEach((p, k) => {
      const m = score(fold, p, y);
      for (const v of [m.auc, m.logLoss, m.rmse]) if (!Number.isFinite(v)) throw new Error(`fold ${fold}: non-finite metric`);
      if (m.auc < 0 || m.auc > 1 || m.logLoss < 0 || m.rmse < 0 || m.rmse > 1) throw new Error(`fold ${fold}: metric out of range`);
      for (const v of p) if (!(v >= 0 && v <= 1)) throw new Error(`fold ${fold}: prediction ${v} outside [0, 1]`);
      results[k]?.folds.push(m);
      pooled[k]?.push(p);
    });
    invariants.push(
      `fold ${fold}: ${train.length} train / ${test.length} test students, disjoint; ${y.length} test answers predicted online, ` +
        "each from exactly the earlier answers of its student (checked per step); all predictions in [0, 1]" +
        (recipes.length > 0 || shipped ? "; ML feature rows aligned with the engine replay (same labels, knowledge prediction = engine row's)" : ""),
    );
    const e = results[2]?.folds.at(-1);
    const t = results[3]?.folds.at(-1);
    const ml = results[4];
    log(
      `${ds.name} fold ${fold}: engine AUC ${e?.auc.toFixed(4)} / tuned ${t?.auc.toFixed(4)} (${best.name})${ml ? ` / ${ml.key} ${ml.folds.at(-1)?.auc.toFixed(4)}` : ""} ` +
        `[${((performance.now() - t0) / 1000).toFixed(1)} s]`,
    );
  }
  const yAll = concat8(pooledLabels);
  results.forEach((r, k) => {
    r.calibration = calibration(concat64(pooled[k] ?? []), yAll, 10);
  });
  return {
    dataset: ds.name,
    students: ds.students.length,
    interactions: ds.students.reduce((a, s) => a + s.interactions.length, 0),
    rows: ds.rows,
    merges: ds.merges,
    predictors: results,
    invariants,
    seconds: (performance.now() - started) / 1000,
  };
}

function concat64(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concat8(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * predictBatch throughput: µs to predict 500 candidates (5 skills × 100 items, the engine's
 * practice candidate set) for one learner, median over repeated timed blocks.
 */
export function measurePredictThroughput(repeats = 2000): { usPer500: number; nsPerItem: number } {
  const skills = Array.from({ length: 5 }, (_, s) => `skill-${s}`);
  const items: ItemParams[] = Array.from({ length: 500 }, (_, i) => ({
    id: `item-${i}`,
    skillIds: [skills[i % 5] ?? "skill-0"],
    difficulty: ((i % 41) - 20) / 10,
    discrimination: 1 + (i % 5) / 10,
    guessing: i % 3 === 0 ? 0.25 : 0,
  }));
  const states = new Map<string, SkillState>(
    skills.map((id, k) => [id, { skillId: id, mean: k / 2 - 1, variance: 0.3, attempts: 10, correct: 7, lastAttemptAt: 0 }]),
  );
  const lookup = (id: string) => states.get(id);
  const out = new Float64Array(500);
  for (let i = 0; i < 200; i++) predictBatch(items, lookup, DEFAULT_KNOWLEDGE_CONFIG, out); // warm up the JIT
  const blocks: number[] = [];
  const perBlock = Math.max(1, Math.floor(repeats / 10));
  for (let b = 0; b < 10; b++) {
    const t = performance.now();
    for (let i = 0; i < perBlock; i++) predictBatch(items, lookup, DEFAULT_KNOWLEDGE_CONFIG, out);
    blocks.push(((performance.now() - t) * 1000) / perBlock);
  }
  blocks.sort((a, b) => a - b);
  const us = ((blocks[4] ?? 0) + (blocks[5] ?? 0)) / 2;
  return { usPer500: us, nsPerItem: (us * 1000) / 500 };
}
