/**
 * `npx tsx scripts/ml/screen-features.ts [--datasets assist2009,statics2011] [--folds 1,2,3,4,5]
 * [--only name,name]`: the screening behind features/2 and features/3 (src/core/features.ts). Writes
 * reports/feature-screening.md.
 *
 * Each candidate is a feature layout (features/1 or features/2) plus groups of candidate
 * columns, fitted with correctness-v1's network and fit (MLP_FIT) on exactly the prediction
 * study's folds and training rows (src/ml/pipeline.ts: cross-fitted item difficulties, every
 * 5th training student for early stopping, test rows from difficulties fitted on all training
 * students), so the AUCs are comparable with reports/eval.md's recipe rows. The candidate
 * columns come from throw-away trackers below, updated after each row exactly as
 * `recordOutcome` updates a LearnerHistory (causal: a row is written before its answer is
 * recorded); none of them is in features.ts unless it earned its place here — that is the
 * point of the script. The "learning rates" groups (src/ml/skill-rates.ts) also learn from
 * students: PFA coefficients per skill (or per block of item ids), fitted like the item
 * difficulties on students other than the rows' own (the other training parts for training
 * rows, all training students for test rows). Runtime: about 10 minutes per dataset on two
 * shared cores.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FEATURE_COUNT, FEATURE_WIDTHS, emptyHistory, learnerPart, recordOutcome, writeFeatureRow } from "../../src/core/features";
import { NO_LINKS } from "../../src/core/features";
import type { ItemLinks } from "../../src/core/features";
import { DEFAULT_KNOWLEDGE_CONFIG, sigmoid } from "../../src/core/knowledge";
import type { ItemParams } from "../../src/core/types";
import { auc, logLoss, meanSd } from "../../src/eval/metrics";
import { loadDataset } from "../../src/ml/dataset";
import type { DatasetName, StudentSequence } from "../../src/ml/dataset";
import { DEFAULT_FIT, fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import type { SkillMapping } from "../../src/ml/difficulty";
import { MLP_FIT, fitModel } from "../../src/ml/fit";
import { servedItemLinks } from "../../src/ml/item-links";
import type { FitData } from "../../src/ml/fit";
import { mappingsFor } from "../../src/ml/mappings";
import { evaluate } from "../../src/ml/model";
import { partsOf } from "../../src/ml/pipeline";
import { replaySequence } from "../../src/ml/replay";
import type { ItemMapper } from "../../src/ml/replay";
import { NO_RATES, RATE_TERMS, fitSkillRates, rateColumns } from "../../src/ml/skill-rates";
import type { RateTerms, SkillRates } from "../../src/ml/skill-rates";

const { values } = parseArgs({
  options: { datasets: { type: "string", default: "assist2009,statics2011" }, folds: { type: "string", default: "1,2,3,4,5" }, only: { type: "string" } },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = resolve(root, process.env.KT_DATA_DIR ?? "../shared/data/kt");
const config = DEFAULT_KNOWLEDGE_CONFIG;
const started = performance.now();
const log = (m: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${m}`);

/** Success chance of an average learner on the item (the residuals' baseline, as in features.ts). */
const par = (item: ItemParams) => sigmoid(-item.difficulty);

/** One group of candidate columns: written before an answer, updated after it. */
interface Tracker {
  write(item: ItemParams, out: Float32Array, o: number, knowledgeP?: number): void;
  record(item: ItemParams, y: number, knowledgeP: number): void;
}
/** What a group may learn from the students outside the rows it writes (cross-fitted, as item difficulties are). */
interface FoldContext {
  /** Per-key learning rates, by rates group name. */
  readonly rates: ReadonlyMap<string, SkillRates>;
  /** Item links for features/3's columns (src/ml/item-links.ts), fitted on the same students. */
  readonly links: ItemLinks;
}
interface Group {
  readonly name: string;
  readonly columns: readonly string[];
  readonly make: (ctx: FoldContext) => Tracker;
}

const RATES = [0.5, 0.8, 0.95];
const decayed = (forSkill: boolean): Group => ({
  name: forSkill ? "skill_decayed_counts" : "total_decayed_counts",
  columns: RATES.flatMap((r) => [`${forSkill ? "skill" : "total"}_success_${r}`, `${forSkill ? "skill" : "total"}_failure_${r}`]),
  make: () => {
    // Success/failure counts decayed by r per answer (all answers), lazily for the skills.
    const total = RATES.map(() => ({ s: 0, f: 0 }));
    const skills = new Map<string, { s: number; f: number; at: number }[]>();
    let n = 0;
    return {
      write(item, out, o) {
        const sk = skills.get(item.skillIds[0] ?? "");
        RATES.forEach((r, i) => {
          const d = forSkill ? sk?.[i] : total[i];
          const decay = forSkill && sk?.[i] ? r ** (n - (sk[i]?.at ?? n)) : 1;
          out[o + 2 * i] = d ? d.s * decay : 0;
          out[o + 2 * i + 1] = d ? d.f * decay : 0;
        });
      },
      record(item, y) {
        RATES.forEach((r, i) => {
          const t = total[i];
          if (t) {
            t.s = r * t.s + y;
            t.f = r * t.f + (1 - y);
          }
        });
        for (const id of item.skillIds) {
          const sk = skills.get(id) ?? RATES.map(() => ({ s: 0, f: 0, at: n }));
          RATES.forEach((r, i) => {
            const d = sk[i];
            if (!d) return;
            const decay = r ** (n - d.at);
            d.s = d.s * decay + y;
            d.f = d.f * decay + (1 - y);
            d.at = n + 1;
          });
          skills.set(id, sk);
        }
        n++;
      },
    };
  },
});

const itemCounts: Group = {
  name: "item_counts",
  columns: ["item_correct", "item_wrong"],
  make: () => {
    const items = new Map<string, { c: number; w: number }>();
    return {
      write(item, out, o) {
        const it = items.get(item.id);
        out[o] = Math.log1p(it?.c ?? 0);
        out[o + 1] = Math.log1p(it?.w ?? 0);
      },
      record(item, y) {
        const it = items.get(item.id) ?? { c: 0, w: 0 };
        it.c += y;
        it.w += 1 - y;
        items.set(item.id, it);
      },
    };
  },
};

/** Residual EWMAs against the knowledge model's own prediction instead of σ(−b). */
const knowledgeResiduals: Group = {
  name: "knowledge_residuals",
  columns: ["kresid_0.1", "kresid_0.3", "skill_kresid_0.3"],
  make: () => {
    let a = 0;
    let b = 0;
    const skills = new Map<string, number>();
    return {
      write(item, out, o) {
        out[o] = a;
        out[o + 1] = b;
        out[o + 2] = skills.get(item.skillIds[0] ?? "") ?? 0;
      },
      record(item, y, p) {
        const r = y - p;
        a += 0.1 * (r - a);
        b += 0.3 * (r - b);
        for (const id of item.skillIds) skills.set(id, (skills.get(id) ?? 0) + 0.3 * (r - (skills.get(id) ?? 0)));
      },
    };
  },
};

/** Residuals with faster memories: λ = 0.6 overall and per skill, and the last answer's. */
const fastResiduals: Group = {
  name: "fast_residuals",
  columns: ["resid_last", "resid_0.6", "skill_resid_0.6"],
  make: () => {
    let last = 0;
    let six = 0;
    const skills = new Map<string, number>();
    return {
      write(item, out, o) {
        out[o] = last;
        out[o + 1] = six;
        out[o + 2] = skills.get(item.skillIds[0] ?? "") ?? 0;
      },
      record(item, y) {
        const r = y - par(item);
        last = r;
        six += 0.6 * (r - six);
        for (const id of item.skillIds) skills.set(id, (skills.get(id) ?? 0) + 0.6 * (r - (skills.get(id) ?? 0)));
      },
    };
  },
};

/** Online Kalman/Elo abilities θ (p = σ(θ − b)) over all answers, slow and fast drift, and a fast one per skill; features θ − b. */
const abilities: Group = {
  name: "online_abilities",
  columns: ["theta_slow", "theta_slow_sd", "theta_fast", "skill_theta_fast"],
  make: () => {
    const slow = { m: 0, v: 1 };
    const fast = { m: 0, v: 1 };
    const skills = new Map<string, { m: number; v: number }>();
    const step = (t: { m: number; v: number }, b: number, y: number, q: number) => {
      const p = sigmoid(t.m - b);
      const v = 1 / (1 / t.v + p * (1 - p));
      t.m += v * (y - p);
      t.v = v + q;
    };
    return {
      write(item, out, o) {
        const b = item.difficulty;
        out[o] = slow.m - b;
        out[o + 1] = Math.sqrt(slow.v);
        out[o + 2] = fast.m - b;
        out[o + 3] = (skills.get(item.skillIds[0] ?? "")?.m ?? slow.m) - b;
      },
      record(item, y) {
        const primary = item.skillIds[0] ?? "";
        const s = skills.get(primary) ?? { m: slow.m, v: 1 };
        step(s, item.difficulty, y, 0.1);
        skills.set(primary, s);
        step(slow, item.difficulty, y, 0.005);
        step(fast, item.difficulty, y, 0.05);
      },
    };
  },
};

/** Practice blocks: consecutive answers on the primary skill, visits to it, accuracy in the current block. */
const blocks: Group = {
  name: "skill_blocks",
  columns: ["skill_run", "skill_visits", "skill_run_rate"],
  make: () => {
    let last: string | null = null;
    let run = 0;
    let runCorrect = 0;
    const visits = new Map<string, number>();
    return {
      write(item, out, o) {
        const p = item.skillIds[0] ?? "";
        const inRun = last === p;
        out[o] = Math.log1p(inRun ? run : 0);
        out[o + 1] = Math.log1p(visits.get(p) ?? 0);
        out[o + 2] = inRun && run > 0 ? runCorrect / run - 0.5 : 0;
      },
      record(item, y) {
        const p = item.skillIds[0] ?? "";
        if (last === p) {
          run++;
          runCorrect += y;
        } else {
          run = 1;
          runCorrect = y;
          visits.set(p, (visits.get(p) ?? 0) + 1);
        }
        last = p;
      },
    };
  },
};

/** Long-memory and mean residual on the primary skill, and b's change from the previous item. */
const skillResiduals: Group = {
  name: "skill_residuals_long",
  columns: ["skill_resid_0.1", "skill_resid_mean", "b_change"],
  make: () => {
    const skills = new Map<string, { l: number; sum: number; n: number }>();
    let prevB: number | null = null;
    return {
      write(item, out, o) {
        const s = skills.get(item.skillIds[0] ?? "");
        out[o] = s ? s.l : 0;
        out[o + 1] = s ? s.sum / s.n : 0;
        out[o + 2] = prevB === null ? 0 : item.difficulty - prevB;
      },
      record(item, y) {
        const r = y - par(item);
        for (const id of item.skillIds) {
          const s = skills.get(id) ?? { l: 0, sum: 0, n: 0 };
          s.l += 0.1 * (r - s.l);
          s.sum += r;
          s.n++;
          skills.set(id, s);
        }
        prevB = item.difficulty;
      },
    };
  },
};

/** Learning rates per key (`keysOf`), written as the means over the item's keys. */
interface RatesGroup extends Group {
  readonly keysOf: (item: ItemParams) => readonly string[];
  readonly variant: RateTerms;
}
const ratesGroup = (name: string, keysOf: (item: ItemParams) => readonly string[], variant: RateTerms = RATE_TERMS.pfa): RatesGroup => ({
  name,
  keysOf,
  variant,
  columns: [...Array.from({ length: variant.size }, (_, q) => `${name}_w${q}`), `${name}_learning`],
  make: (ctx) => {
    const columns = rateColumns(ctx.rates.get(name) ?? NO_RATES, keysOf, variant);
    return { write: (item, out, o, kp) => columns.write(item, out, o, kp), record: (item, y) => columns.record(item, y === 1) };
  },
});
const blockOf = (size: number) => (item: ItemParams) => [`block-${Math.floor(Number(item.id) / size)}`];
const RATE_GROUPS: readonly RatesGroup[] = [
  ratesGroup("skill_rates", (item) => item.skillIds.slice(0, 1)),
  ratesGroup("all_skill_rates", (item) => item.skillIds),
  ratesGroup("block20_rates", blockOf(20)),
  ratesGroup("block10_rates", blockOf(10)),
  ratesGroup("block50_rates", blockOf(50)),
  ratesGroup("all_skill_rates_total", (item) => item.skillIds, RATE_TERMS.total),
  ratesGroup("all_skill_rates_recent", (item) => item.skillIds, RATE_TERMS.recent),
  ratesGroup("block10_rates_recent", blockOf(10), RATE_TERMS.recent),
  ratesGroup("all_skill_rates_total_recent", (item) => item.skillIds, RATE_TERMS.totalRecent),
  ratesGroup("all_skill_rates_total_knowledge", (item) => item.skillIds, RATE_TERMS.totalKnowledge),
  ratesGroup("block10_rates_total_knowledge", blockOf(10), RATE_TERMS.totalKnowledge),
];

const GROUPS: readonly Group[] = [decayed(false), decayed(true), itemCounts, knowledgeResiduals, fastResiduals, abilities, blocks, skillResiduals, ...RATE_GROUPS];
const V1 = FEATURE_WIDTHS["features/1"] ?? 18;
const V2 = FEATURE_WIDTHS["features/2"] ?? 22;
const V3 = FEATURE_WIDTHS["features/3"] ?? FEATURE_COUNT;

interface Candidate {
  readonly name: string;
  readonly layout: number;
  readonly groups: readonly string[];
}
const CANDIDATES: readonly Candidate[] = [
  { name: "features/1 (correctness-v1)", layout: V1, groups: [] },
  { name: "features/1 + total decayed counts (Best-LR+ style, λ 0.5/0.8/0.95)", layout: V1, groups: ["total_decayed_counts"] },
  { name: "features/1 + skill decayed counts (λ 0.5/0.8/0.95)", layout: V1, groups: ["skill_decayed_counts"] },
  { name: "features/1 + item right/wrong counts", layout: V1, groups: ["item_counts"] },
  { name: "features/1 + residuals vs the knowledge model's prediction", layout: V1, groups: ["knowledge_residuals"] },
  { name: "features/1 + online Kalman/Elo abilities (θ − b)", layout: V1, groups: ["online_abilities"] },
  { name: "features/2 (correctness-v2: + residuals vs σ(−b))", layout: V2, groups: [] },
  { name: "features/2 + faster residuals (λ 0.6, last)", layout: V2, groups: ["fast_residuals"] },
  { name: "features/2 + online abilities + faster residuals", layout: V2, groups: ["online_abilities", "fast_residuals"] },
  { name: "features/2 + practice blocks (run, visits, block accuracy)", layout: V2, groups: ["skill_blocks"] },
  { name: "features/2 + long/mean skill residual, b change", layout: V2, groups: ["skill_residuals_long"] },
  { name: "features/2 + every group above", layout: V2, groups: GROUPS.filter((g) => !RATE_GROUPS.some((r) => r.name === g.name)).map((g) => g.name) },
  { name: "features/2 + learning rates per primary skill (PFA per skill, cross-fitted)", layout: V2, groups: ["skill_rates"] },
  { name: "features/2 + learning rates per skill, all the item's skills", layout: V2, groups: ["all_skill_rates"] },
  { name: "features/2 + learning rates per block of 20 item ids", layout: V2, groups: ["block20_rates"] },
  { name: "features/2 + learning rates per block of 10 item ids", layout: V2, groups: ["block10_rates"] },
  { name: "features/2 + learning rates per block of 50 item ids", layout: V2, groups: ["block50_rates"] },
  { name: "features/2 + learning rates per skill (all), + the learner's total answers", layout: V2, groups: ["all_skill_rates_total"] },
  { name: "features/2 + learning rates per skill (all), + decayed counts (0.7 per answer on the skill)", layout: V2, groups: ["all_skill_rates_recent"] },
  { name: "features/2 + learning rates per block of 10 item ids, + decayed counts", layout: V2, groups: ["block10_rates_recent"] },
  { name: "features/2 + learning rates per skill (all), + total answers, + decayed counts", layout: V2, groups: ["all_skill_rates_total_recent"] },
  { name: "features/2 + learning rates per skill (all), + total answers, + the knowledge model's logit", layout: V2, groups: ["all_skill_rates_total_knowledge"] },
  { name: "features/2 + learning rates per block of 10 item ids, + total answers, + the knowledge model's logit", layout: V2, groups: ["block10_rates_total_knowledge"] },
  { name: "features/2 + learning rates per primary skill + every group above", layout: V2, groups: GROUPS.filter((g) => !RATE_GROUPS.some((r) => r.name === g.name) || g.name === "skill_rates").map((g) => g.name) },
  { name: "features/3 (correctness-v3: + item links, cross-fitted)", layout: V3, groups: [] },
  { name: "features/3 + learning rates per skill (all), + total answers", layout: V3, groups: ["all_skill_rates_total"] },
  { name: "features/3 + learning rates per block of 10 item ids, + total answers, + the knowledge model's logit", layout: V3, groups: ["block10_rates_total_knowledge"] },
];

const offsets = new Map<string, number>();
let width = FEATURE_COUNT;
for (const g of GROUPS) {
  offsets.set(g.name, width);
  width += g.columns.length;
}
const W = width;

function table(students: readonly StudentSequence[], toItem: ItemMapper, ctx: FoldContext): FitData {
  const n = students.reduce((a, s) => a + s.interactions.length, 0);
  const x = new Float32Array(n * W);
  const y = new Uint8Array(n);
  let row = 0;
  for (const s of students) {
    const history = emptyHistory();
    const trackers = GROUPS.map((g) => ({ tracker: g.make(ctx), at: offsets.get(g.name) ?? 0 }));
    replaySequence(s.interactions, toItem, config, (_i, p, item, interaction, lookup) => {
      writeFeatureRow(item, lookup, history, learnerPart(history), config, x, row * W, FEATURE_COUNT, ctx.links);
      for (const t of trackers) t.tracker.write(item, x, row * W + t.at, p);
      y[row] = interaction.correct ? 1 : 0;
      row++;
      recordOutcome(history, item, interaction.correct);
      for (const t of trackers) t.tracker.record(item, interaction.correct ? 1 : 0, p);
    });
  }
  return { x, y, n };
}

function concat(parts: readonly FitData[]): FitData {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const x = new Float32Array(n * W);
  const y = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.n * W), o * W);
    y.set(p.y.subarray(0, p.n), o);
    o += p.n;
  }
  return { x, y, n };
}

function columnsOf(c: Candidate): number[] {
  const cols = Array.from({ length: c.layout }, (_, i) => i);
  for (const name of c.groups) {
    const g = GROUPS.find((k) => k.name === name);
    const at = offsets.get(name);
    if (!g || at === undefined) throw new Error(`no group ${name}`);
    for (let j = 0; j < g.columns.length; j++) cols.push(at + j);
  }
  return cols;
}

function select(t: FitData, cols: readonly number[]): FitData {
  const f = cols.length;
  const x = new Float32Array(t.n * f);
  for (let i = 0; i < t.n; i++) for (let j = 0; j < f; j++) x[i * f + j] = t.x[i * W + (cols[j] ?? 0)] ?? 0;
  return { x, y: t.y, n: t.n };
}

const only = values.only?.split(",");
const candidates = CANDIDATES.filter((_, i) => !only || only.includes(String(i)));
const folds = values.folds.split(",").map(Number);
const neededRates = RATE_GROUPS.filter((r) => candidates.some((c) => c.groups.includes(r.name)));
const needLinks = candidates.some((c) => c.layout > V2);
/** What the rows of one part (or the test rows) learn from `students`: learning rates and item links. */
const contextFor = (students: readonly StudentSequence[], toItem: ItemMapper): FoldContext => ({
  rates: new Map(neededRates.map((r) => [r.name, fitSkillRates(students, toItem, r.keysOf, r.variant, config)] as const)),
  links: needLinks ? servedItemLinks(students, toItem) : NO_LINKS,
});
const results: Array<{ dataset: string; candidate: string; auc: number[]; logLoss: number[] }> = [];
for (const name of values.datasets.split(",") as DatasetName[]) {
  const ds = loadDataset(dataDir, name);
  const mapping = mappingsFor(name)[0]?.skills as SkillMapping;
  const rows = candidates.map((c) => ({ dataset: name, candidate: c.name, auc: [] as number[], logLoss: [] as number[] }));
  results.push(...rows);
  for (const fold of folds) {
    // The rows of src/ml/pipeline.ts trainingSet/testTable, with the candidate columns beside them.
    const train = ds.students.filter((s) => s.fold !== fold);
    const test = ds.students.filter((s) => s.fold === fold);
    const validationIds = new Set(train.filter((_, i) => i % 5 === 0).map((s) => s.studentId));
    const fitParts: FitData[] = [];
    const valParts: FitData[] = [];
    for (const part of partsOf(train)) {
      const inPart = new Set(part.map((s) => s.studentId));
      const others = train.filter((s) => !inPart.has(s.studentId));
      const toItem = itemMapper(fitItemDifficulties(others, mapping, config, DEFAULT_FIT), mapping);
      const ctx = contextFor(others, toItem);
      fitParts.push(table(part.filter((s) => !validationIds.has(s.studentId)), toItem, ctx));
      valParts.push(table(part.filter((s) => validationIds.has(s.studentId)), toItem, ctx));
    }
    const fit = concat(fitParts);
    const val = concat(valParts);
    const toTestItem = itemMapper(fitItemDifficulties(train, mapping, config, DEFAULT_FIT), mapping);
    const testT = table(test, toTestItem, contextFor(train, toTestItem));
    candidates.forEach((c, k) => {
      const cols = columnsOf(c);
      const model = fitModel(select(fit, cols), select(val, cols), cols.length, MLP_FIT, "screen", "screen").model;
      const p = evaluate(model, select(testT, cols).x, testT.n);
      rows[k]?.auc.push(auc(p, testT.y));
      rows[k]?.logLoss.push(logLoss(p, testT.y));
      log(`${name} fold ${fold}: ${c.name} AUC ${rows[k]?.auc.at(-1)?.toFixed(4)}`);
    });
  }
}

const f4 = (v: readonly number[]) => {
  const { mean, sd } = meanSd(v);
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
};
const md = [
  "# Feature screening for the correctness model",
  "",
  `Generated by \`npx tsx scripts/ml/screen-features.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}\` in ${((performance.now() - started) / 1000).toFixed(0)} s; folds ${folds.join(", ")}.`,
  "",
  "Every candidate is fitted with correctness-v1's network and fit (src/ml/fit.ts MLP_FIT) on the prediction study's rows (src/ml/pipeline.ts: cross-fitted item difficulties on training students, early stopping on every 5th of them, test students unseen), " +
    "so the three layout rows reproduce reports/eval.md's correctness-v1, correctness-v2 and correctness-v3 rows (features/3's item links are fitted, like the difficulties, on students other than the rows' own: src/ml/item-links.ts). Candidate columns not in features.ts are computed by throw-away trackers in this script, updated after each row as `recordOutcome` is. " +
    "\"Learning rates\" candidates add PFA coefficients per key (a skill, or a block of consecutive item ids; Statics 2011 has no skill ids): logit P = α_student − b_item + the mean over the item's keys of w_k · (1, log(1 + successes on k), log(1 + failures on k)[, more terms as named]), fitted like the item difficulties on students other than the rows' own (priors α ~ N(0, 1), w ~ N(0, 0.5²)); the columns are the item's mean coefficients and its learning term. AUC and log-loss: mean ± sd over folds.",
  "",
  "| Dataset | Candidate | AUC | Log-loss | AUC per fold |",
  "|---|---|---|---|---|",
  ...results.map((r) => `| ${r.dataset} | ${r.candidate} | ${f4(r.auc)} | ${f4(r.logLoss)} | ${r.auc.map((a) => a.toFixed(4)).join(", ")} |`),
  "",
];
mkdirSync(join(root, "reports"), { recursive: true });
writeFileSync(join(root, "reports", "feature-screening.md"), `${md.join("\n")}\n`);
log("wrote reports/feature-screening.md");
