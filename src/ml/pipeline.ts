/**
 * From student sequences to a fitted correctness model, leak-free — used by `npm run train`
 * (scripts/train.ts) and by the evaluation harness (src/eval/predict.ts), so the model the
 * report scores is built exactly as the shipped one.
 *
 * Rows come from the evaluation replay (`replaySequence`): row i is written by its observer
 * from the beliefs holding interactions 0…i−1 of that student (the replay checks this per
 * step), then the outcome enters the LearnerHistory — so every feature is strictly causal.
 *
 * Item difficulty is a feature and is itself fitted from outcomes, so the model's TRAINING
 * rows use cross-fitted difficulties: training students are split into parts (their test
 * folds, fold-0 students spread over the parts) and each part's rows use difficulties
 * fitted on the other parts only. Otherwise an item answered by a handful of students
 * would carry its own answers in b, the model would learn to trust b far too much, and it
 * would lose on new students (whose rows, like production's, use b fitted on everyone else).
 * Test rows use difficulties fitted on all training students — the engine row's fit.
 * Item links (features/3, src/ml/item-links.ts) are learnt from outcomes too and are
 * cross-fitted the same way, beside the difficulties; both training and test rows get them cut
 * as the calibration job publishes them (the strongest few into each item), so a links model is
 * fitted and scored on the table learners are served with.
 */
import { FEATURE_COUNT, NO_LINKS, emptyHistory, featureWidth, learnerPart, recordOutcome, writeFeatureRow } from "../core/features";
import type { ItemLinks } from "../core/features";
import type { KnowledgeConfig } from "../core/knowledge";
import type { StudentSequence } from "./dataset";
import { fitItemDifficulties, itemMapper } from "./difficulty";
import type { FitOptions, SkillMapping } from "./difficulty";
import { servedItemLinks } from "./item-links";
import { DEFAULT_PUBLISH_LINKS } from "../core/item-links";
import type { PublishOptions } from "../core/item-links";
import type { ItemMapper } from "./replay";
import { replaySequence } from "./replay";
import { fitModel } from "./fit";
import type { FitConfig, FitData } from "./fit";
import { evaluate } from "./model";
import type { CorrectnessModel } from "./model";

export interface FeatureTable extends FitData {
  /** The knowledge model's own P(correct) per row (the engine baseline). */
  readonly knowledge: Float64Array;
}

function count(students: readonly StudentSequence[]): number {
  return students.reduce((a, s) => a + s.interactions.length, 0);
}

/**
 * Feature rows of every interaction of `students`, in order, through the replay: rows of the
 * newest layout (FEATURE_COUNT columns); a recipe of an older layout reads their prefix.
 * `links` feeds features/3's link columns (none: zeros).
 */
export function featureTable(students: readonly StudentSequence[], toItem: ItemMapper, config: KnowledgeConfig, links: ItemLinks = NO_LINKS): FeatureTable {
  const n = count(students);
  const x = new Float32Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const knowledge = new Float64Array(n);
  let row = 0;
  for (const s of students) {
    const history = emptyHistory();
    replaySequence(s.interactions, toItem, config, (_i, p, item, interaction, lookup) => {
      writeFeatureRow(item, lookup, history, learnerPart(history), config, x, row * FEATURE_COUNT, FEATURE_COUNT, links);
      y[row] = interaction.correct ? 1 : 0;
      knowledge[row] = p;
      row++;
      recordOutcome(history, item, interaction.correct); // after the row: causal
    });
  }
  return { x, y, n, knowledge };
}

/** Rows of several tables, in order, as one table. */
export function concatTables(parts: readonly FeatureTable[]): FeatureTable {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const x = new Float32Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const knowledge = new Float64Array(n);
  let o = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.n * FEATURE_COUNT), o * FEATURE_COUNT);
    y.set(p.y.subarray(0, p.n), o);
    knowledge.set(p.knowledge.subarray(0, p.n), o);
    o += p.n;
  }
  return { x, y, n, knowledge };
}

/**
 * Parts for cross-fitting: the students' test folds when there are at least two (fold-0
 * students dealt round-robin over them), otherwise four parts by position.
 */
export function partsOf(train: readonly StudentSequence[]): StudentSequence[][] {
  const folds = [...new Set(train.map((s) => s.fold).filter((f) => f > 0))].sort((a, b) => a - b);
  const byFold = folds.length >= 2;
  const keys = byFold ? folds : [0, 1, 2, 3];
  const parts = new Map<number, StudentSequence[]>(keys.map((k) => [k, []]));
  let dealt = 0;
  train.forEach((s, i) => {
    const key = byFold && s.fold > 0 ? s.fold : (keys[(byFold ? dealt++ : i) % keys.length] ?? 0);
    parts.get(key)?.push(s);
  });
  return [...parts.values()].filter((p) => p.length > 0);
}

export interface Recipe {
  /** Model version, e.g. "correctness-v1". */
  readonly version: string;
  readonly description: string;
  /** Feature layout the model reads (a key of FEATURE_WIDTHS, src/core/features.ts). */
  readonly features: string;
  readonly fit: FitConfig;
}

/** Width of a recipe's layout; throws for a layout src/core/features.ts cannot write. */
export function recipeWidth(recipe: Pick<Recipe, "version" | "features">): number {
  const width = featureWidth(recipe.features);
  if (width === undefined) throw new Error(`${recipe.version}: unknown feature layout ${recipe.features}`);
  return width;
}

/**
 * The first `width` columns of every row of `table` (a features/1 model reads the first 18
 * columns of a features/2 row). The table itself when it already has that width.
 */
export function tableColumns<T extends FitData>(table: T, width: number): FitData {
  if (width === FEATURE_COUNT) return table;
  if (width > FEATURE_COUNT) throw new RangeError(`rows have ${FEATURE_COUNT} columns, ${width} asked`);
  const x = new Float32Array(table.n * width);
  for (let i = 0; i < table.n; i++) x.set(table.x.subarray(i * FEATURE_COUNT, i * FEATURE_COUNT + width), i * width);
  return { x, y: table.y, n: table.n };
}

export interface TrainingSet {
  /** Cross-fitted rows, model-fitting part. */
  readonly fit: FeatureTable;
  /** Cross-fitted rows of every 5th training student: early stopping only. */
  readonly validation: FeatureTable;
}

/**
 * Cross-fitted training rows of `train` (see the module comment), split by student into a
 * fitting part and an early-stopping part (every 5th student).
 */
export function trainingSet(
  train: readonly StudentSequence[],
  mapping: SkillMapping,
  config: KnowledgeConfig,
  fitOptions: FitOptions,
  log: (msg: string) => void = () => undefined,
  links: PublishOptions | null = DEFAULT_PUBLISH_LINKS,
): TrainingSet {
  const fitParts: FeatureTable[] = [];
  const valParts: FeatureTable[] = [];
  const validationIds = new Set(train.filter((_, i) => i % 5 === 0).map((s) => s.studentId));
  for (const part of partsOf(train)) {
    const inPart = new Set(part.map((s) => s.studentId));
    const others = train.filter((s) => !inPart.has(s.studentId));
    const toItem = itemMapper(fitItemDifficulties(others, mapping, config, fitOptions), mapping);
    const partLinks = servedItemLinks(others, toItem, links);
    fitParts.push(featureTable(part.filter((s) => !validationIds.has(s.studentId)), toItem, config, partLinks));
    valParts.push(featureTable(part.filter((s) => validationIds.has(s.studentId)), toItem, config, partLinks));
    log(`cross-fitted part of ${part.length} students`);
  }
  return { fit: concatTables(fitParts), validation: concatTables(valParts) };
}

export function trainRecipe(set: TrainingSet, recipe: Recipe, log: (msg: string) => void = () => undefined): CorrectnessModel {
  const width = recipeWidth(recipe);
  return fitModel(tableColumns(set.fit, width), tableColumns(set.validation, width), width, recipe.fit, recipe.version, recipe.features, log).model;
}

/** Test rows of `test` with difficulties and item links (as published: `servedItemLinks`) fitted on all of `train`. */
export function testTable(
  train: readonly StudentSequence[],
  test: readonly StudentSequence[],
  mapping: SkillMapping,
  config: KnowledgeConfig,
  fitOptions: FitOptions,
  links: PublishOptions | null = DEFAULT_PUBLISH_LINKS,
): FeatureTable {
  const toItem = itemMapper(fitItemDifficulties(train, mapping, config, fitOptions), mapping);
  return featureTable(test, toItem, config, servedItemLinks(train, toItem, links));
}

/** P(correct) of every row of `table` by `model`, which reads the first `model.inputs` columns. */
export function predictTable(model: CorrectnessModel, table: FeatureTable): Float64Array {
  return evaluate(model, tableColumns(table, model.inputs).x, table.n);
}
