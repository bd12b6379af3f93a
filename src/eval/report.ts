/**
 * Renders the evaluation results as Markdown (headline first) plus SVG files. Pure: returns
 * text; the CLI writes it.
 */
import type { StudyResult } from "../core/cat-sim";
import { expectedCalibrationError, meanSd, median } from "./metrics";
import { POLICY_LABELS } from "./policies";
import { mixKey, noLinksKey } from "./predict";
import type { DatasetResult, FoldMetrics, PredictorResult } from "./predict";
import { DEFAULT_PREDICTOR_MIX } from "../core/predictor-mix";
import { lineChart } from "./svg";
import { comparePolicies, engineAdvantage, intervalSummaries, summarise } from "./teach";
import type { FamilyTeachResult, PolicySummary, TeachResult } from "./teach";

/** Published AUCs (pyKT leaderboard, data/README.md): a different protocol, a guide only. */
export const PUBLISHED_AUC: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  assist2009: [
    ["DKT", 0.754],
    ["DKVMN", 0.747],
    ["SAKT", 0.725],
    ["AKT", 0.785],
  ],
  statics2011: [
    ["DKT", 0.822],
    ["AKT", 0.831],
  ],
};

export interface EvalReport {
  readonly quick: boolean;
  readonly seed: number;
  readonly command: string;
  readonly dataDir: string;
  readonly prediction: readonly DatasetResult[];
  readonly throughput?: { usPer500: number; nsPerItem: number };
  /** Detail of one population (the reference family's first replicate). */
  readonly teaching?: TeachResult;
  /** Every learner family over replicate populations. */
  readonly families?: readonly FamilyTeachResult[];
  readonly cat?: StudyResult;
  readonly timings: ReadonlyArray<readonly [string, number]>;
  /** Version of the shipped correctness model (src/ml/recipes.ts CURRENT): models/<version>.*. */
  readonly modelVersion: string;
}

export interface RenderedReport {
  readonly markdown: string;
  /** File name → SVG text. */
  readonly svgs: ReadonlyMap<string, string>;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "–");
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");
const ms = (values: readonly number[], digits = 4) => {
  const { mean, sd } = meanSd(values);
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`;
};

function predictionTable(d: DatasetResult): string[] {
  const lines = [`| Predictor | AUC | Log-loss | RMSE | ECE |`, `|---|---|---|---|---|`];
  for (const p of d.predictors) {
    lines.push(
      `| ${p.label} | ${ms(p.folds.map((f) => f.auc))} | ${ms(p.folds.map((f) => f.logLoss))} | ${ms(p.folds.map((f) => f.rmse))} | ${f3(expectedCalibrationError(p.calibration))} |`,
    );
  }
  for (const [name, value] of PUBLISHED_AUC[d.dataset] ?? []) {
    lines.push(`| *Published ${name} (pyKT protocol, not comparable run-for-run)* | *${value.toFixed(3)}* | – | – | – |`);
  }
  return lines;
}

function teachingTable(t: TeachResult, sums: readonly PolicySummary[]): string[] {
  const cps = t.options.checkpoints;
  const lines = [
    `| Policy | Attempts to mastery (median / mean) | Skills learned | ${cps.map((c) => `Mastered @${c} (gained)`).join(" | ")} | Retention after ${t.options.retentionDays} d (share / mean P) | Too hard (P<0.3) | Too easy (P>0.95) |`,
    `|---|---|---|${cps.map(() => "---").join("|")}|---|---|---|`,
  ];
  for (const s of sums) {
    lines.push(
      `| ${POLICY_LABELS[s.policy]} | ${f1(s.attemptsToMasteryMedian)} / ${f1(s.attemptsToMasteryMean)} | ${f1(s.skillsMasteredDuringRun)} | ` +
        `${s.masteredAt.map((m, k) => `${f1(m)} (+${f1(s.gainedAt[k] ?? Number.NaN)})`).join(" | ")} | ` +
        `${pct(s.retentionShare)} / ${f3(s.retentionP)} | ${pct(s.tooHardShare)} | ${pct(s.tooEasyShare)} |`,
    );
  }
  return lines;
}

type Ci = { mean: number; half: number; n: number };
const ci = (c: Ci, fmt: (x: number) => string) => (Number.isFinite(c.half) ? `${fmt(c.mean)} ± ${fmt(c.half)}` : fmt(c.mean));
const pctCi = (c: Ci) => ci(c, (x) => `${(100 * x).toFixed(1)} %`);

/**
 * Headline rows per family: the engine as shipped (with the model) against the best of every
 * other policy, the engine without the model included; then the engine without the model
 * against the best non-engine baseline. "Met" needs the interval's lower end at ≥ 30 % fewer
 * attempts and the retention difference's interval to reach 0 or above (no significant loss).
 */
function advantageTable(families: readonly FamilyTeachResult[]): string[] {
  const lines = [
    "| Learner family | Engine | Best other policy (fewest attempts per skill mastered) | Engine: fewer attempts per skill mastered than it (95 % CI) | Skills mastered / 1,000 attempts, engine − it | 30-day retention, engine − it | Goal (≥ 30 % fewer, no retention loss) |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const f of families) {
    for (const a of [engineAdvantage(f, "engine-model"), engineAdvantage(f, "engine")]) {
    if (!a) continue;
    const met = a.fewerAttempts.mean - (Number.isFinite(a.fewerAttempts.half) ? a.fewerAttempts.half : 0) >= 0.3 && a.retentionDiff.mean + (Number.isFinite(a.retentionDiff.half) ? a.retentionDiff.half : 0) >= 0;
    lines.push(
      `| ${f.label} | ${POLICY_LABELS[a.engine]} | ${POLICY_LABELS[a.best]} | ${pctCi(a.fewerAttempts)} | ${ci(a.per1000Diff, f1)} | ${ci(a.retentionDiff, (x) => `${(100 * x).toFixed(1)} pts`)} | ${met ? "met" : "**not met**"} |`,
    );
    }
  }
  return lines;
}

/**
 * The most a better predictor could give: the engine handed each candidate's TRUE P(correct)
 * (the `engine-oracle` policy) against the same engine on the knowledge model's predictions,
 * and against it as shipped. Where even the oracle falls short of the goal, no correctness
 * model can reach it through ranking, the only way the engine uses predictions.
 */
function oracleTable(families: readonly FamilyTeachResult[]): string[] {
  const lines = [
    "| Learner family | Oracle: fewer attempts per skill mastered than the engine without the model (95 % CI) | 30-day retention, oracle − it | Oracle: fewer attempts than the engine as shipped | 30-day retention, oracle − shipped |",
    "|---|---|---|---|---|",
  ];
  for (const f of families) {
    const policies = new Set(f.replicates[0]?.policies.map((p) => p.policy));
    if (!policies.has("engine-oracle") || !policies.has("engine") || !policies.has("engine-model")) continue;
    const bare = comparePolicies(f, "engine-oracle", "engine");
    const shipped = comparePolicies(f, "engine-oracle", "engine-model");
    const pts = (x: number) => `${(100 * x).toFixed(1)} pts`;
    lines.push(`| ${f.label} | ${pctCi(bare.fewerAttempts)} | ${ci(bare.retentionDiff, pts)} | ${pctCi(shipped.fewerAttempts)} | ${ci(shipped.retentionDiff, pts)} |`);
  }
  return lines.length > 2 ? lines : [];
}

function familyTable(f: FamilyTeachResult): string[] {
  const lines = [
    "| Policy | Attempts per skill mastered | Attempts on a skill until mastered (pooled) | Skills mastered / 1,000 attempts | 30-day retention | Attempts on skills already mastered (of which before the engine's rule said so) | From true mastery to the rule (median attempts, skills) | Skills practised |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const s of intervalSummaries(f)) {
    const lags = s.certificationLags;
    const lag = lags.length === 0 ? "–" : `${median(lags).toFixed(0)} (${lags.length})`;
    lines.push(`| ${POLICY_LABELS[s.policy]} | ${ci(s.attemptsPerSkill, f1)} | ${ci(s.attemptsToMastery, f1)} | ${ci(s.masteredPer1000, f1)} | ${pctCi(s.retention)} | ${pctCi(s.onMasteredShare)} (${pctCi(s.beforeRuleShare)}) | ${lag} | ${ci(s.distinctSkills, f1)} |`);
  }
  return lines;
}

function catTable(r: StudyResult): string[] {
  const lines = [
    "| Condition | Mean items | p90 items | Reached SE | RMSE | Bias | Fixed-form length for same RMSE | Max exposure |",
    "|---|---|---|---|---|---|---|---|",
  ];
  r.conditions.forEach((c, i) => {
    const s = c.sim;
    const match = r.fixedLengthToMatch[i];
    lines.push(
      `| ${c.label} | ${s.meanLength.toFixed(1)} | ${s.p90Length} | ${pct(s.reachedSe)} | ${f3(s.rmse)} | ${f3(s.bias)} | ` +
        `${match === null || match === undefined ? `> ${r.options.fixedSearchLength}` : match} | ${s.maxExposure.toFixed(2)} |`,
    );
  });
  lines.push(
    `| Fixed random forms, ${r.fixedAtMeanLength.length} items | ${r.fixedAtMeanLength.length} | ${r.fixedAtMeanLength.length} | – | ${f3(r.fixedAtMeanLength.rmse)} | ${f3(r.fixedAtMeanLength.bias)} | – | – |`,
  );
  lines.push("", "Precision by test length (EAP RMSE of θ̂):", "", "| Length | CAT | Fixed forms |", "|---|---|---|");
  for (const l of [1, 5, 10, 15, 20, 25, 30, 40, 60, 80]) {
    if (l > r.curves.cat.length && l > r.curves.fixed.length) break;
    lines.push(`| ${l} | ${f3(r.curves.cat[l - 1] ?? Number.NaN)} | ${f3(r.curves.fixed[l - 1] ?? Number.NaN)} |`);
  }
  return lines;
}

export function renderReport(r: EvalReport): RenderedReport {
  const svgs = new Map<string, string>();
  const md: string[] = [];
  const sums = r.teaching ? r.teaching.policies.map(summarise) : [];
  md.push("# Evaluation: prediction on real students, teaching simulated learners, mock tests", "");
  md.push(
    `Generated by \`${r.command}\`${r.quick ? " (**quick mode: subsets, not the reportable numbers**)" : ""}; base seed ${r.seed}; data from \`${r.dataDir}\`. ` +
      `Run time: ${r.timings.map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")}.`,
    "",
  );

  md.push("## Headline", "");
  if (r.prediction.length > 0) {
    md.push("Prediction of real students' next answers (online replay, test students unseen, mean ± sd over folds):", "");
    md.push(
      "| Dataset | Global mean AUC | Item rate AUC | Engine default AUC / log-loss | Engine tuned AUC / log-loss | ML recipe, refitted per fold (float64) AUC / log-loss | Shipped .onnx file via onnxruntime AUC / log-loss (in-sample weights) | Best recipe not shipped, refitted per fold AUC / log-loss | Published (pyKT protocol) |",
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const d of r.prediction) {
      const by = (key: string) => d.predictors.find((p) => p.key === key);
      const [g, it, e, t] = ["global", "item", "engine", "tuned"].map(by);
      // The shipped recipe's row (refitted per fold) beside its bundled file.
      const ml = by(r.modelVersion) ?? d.predictors[4];
      const file = d.predictors.find((p) => p.key.endsWith(".onnx"));
      const auc = (p: PredictorResult | undefined) => (p ? meanSd(p.folds.map((f) => f.auc)).mean : Number.NaN);
      const ll = (p: PredictorResult | undefined) => (p ? meanSd(p.folds.map((f) => f.logLoss)).mean : Number.NaN);
      const both = (p: PredictorResult | undefined) => (p ? `${f3(auc(p))} / ${f3(ll(p))} (${p.key})` : "–");
      // Recipes are the rows after the four engine rows, the bundled file excluded.
      const candidates = d.predictors.slice(4).filter((p) => p !== ml && p !== file && !p.key.endsWith(noLinksKey("")) && !p.key.startsWith(mixKey("")));
      const best = candidates.reduce<PredictorResult | undefined>((b, p) => (b === undefined || auc(p) > auc(b) ? p : b), undefined);
      md.push(
        `| ${d.dataset} | ${f3(auc(g))} | ${f3(auc(it))} | ${f3(auc(e))} / ${f3(ll(e))} | ${f3(auc(t))} / ${f3(ll(t))} | ${ml && ml !== file ? both(ml) : "–"} | ${both(file)} | ${both(best)} | ${(PUBLISHED_AUC[d.dataset] ?? []).map(([n, v]) => `${n} ${v}`).join(", ")} |`,
      );
    }
    md.push(
      "",
      "The recipe columns refit the model on each fold's training students (held-out). The shipped file is the bundled model itself, scored as it runs in production " +
        "(float32 graph, onnxruntime) on the same test rows; it was fitted on every student of both datasets, so on these folds its weights have seen the test students " +
        `(its item difficulties have not): read it as a check that the file behaves like its recipe, not as a held-out score. Its held-out counterpart is the card's pooled-recipe column (models/${r.modelVersion}.card.md). ` +
        "\"Best recipe not shipped\" is the recipe of src/ml/recipes.ts with the highest mean AUC other than the shipped one: a candidate, not what learners are served. " +
        "Feature candidates screened for the recipes (and left out) are in reports/feature-screening.md.",
    );
    md.push("");
    const mixRows = r.prediction.flatMap((d) =>
      d.predictors
        .filter((p) => p.key.startsWith(mixKey("")))
        .map((p) => ({ d, p, alone: d.predictors.find((q) => q.key === p.key.slice(mixKey("").length)), engine: d.predictors.find((q) => q.key === "engine") })),
    );
    if (mixRows.length > 0) {
      md.push(
        "Each model mixed per learner with the engine's knowledge model, weighted by how well each predicted that learner's earlier answers (src/core/predictor-mix.ts; prior weight " +
          `${DEFAULT_PREDICTOR_MIX.modelPrior}, discount ${DEFAULT_PREDICTOR_MIX.discount} per answer), against the model alone (refitted per fold) and the engine default, mean over folds:`,
        "",
        "| Dataset | Model | Alone AUC / log-loss | Mixed AUC / log-loss | Engine default AUC / log-loss | Mixed − alone AUC, per fold |",
        "|---|---|---|---|---|---|",
      );
      const m = (p: PredictorResult | undefined, f: (x: FoldMetrics) => number) => (p ? meanSd(p.folds.map(f)).mean : Number.NaN);
      for (const { d, p, alone, engine } of mixRows) {
        const perFold = p.folds.map((f, k) => f.auc - (alone?.folds[k]?.auc ?? Number.NaN));
        md.push(
          `| ${d.dataset} | ${alone?.key ?? "–"} | ${f4(m(alone, (x) => x.auc))} / ${f4(m(alone, (x) => x.logLoss))} | ${f4(m(p, (x) => x.auc))} / ${f4(m(p, (x) => x.logLoss))} | ${f4(m(engine, (x) => x.auc))} / ${f4(m(engine, (x) => x.logLoss))} | ${perFold.map((x) => (x >= 0 ? "+" : "") + x.toFixed(4)).join(", ")} |`,
        );
      }
      md.push("");
    }
  }
  if (r.families && r.families.length > 0) {
    const o = r.families[0]?.replicates[0]?.options;
    md.push(
      `Teaching simulated learners of ${r.families.length} families (${o?.learners} learners × ${r.families[0]?.replicates.length} replicate populations each, ${o?.attempts} attempts, ${o?.itemsPerDay} a day; mean ± 95 % interval over replicates, paired by replicate):`,
      "",
    );
    md.push(...advantageTable(r.families), "");
    const oracle = oracleTable(r.families);
    if (oracle.length > 0) {
      md.push(
        "The bound on any predictor: the same engine handed each candidate's TRUE P(correct) (the simulated learner's own; `engine-oracle`, a diagnosis no platform can run). " +
          "The engine uses predictions only to rank candidates by desirable difficulty, so no correctness model, however good, can do better through them than this row; where it falls short of 30 % fewer attempts than the engine without the model, the goal cannot be reached by a better predictor (and a change to the engine's rules moves the engine without the model alike):",
        "",
        ...oracle,
        "",
      );
    }
  } else if (r.teaching) {
    const t = r.teaching;
    md.push(`Teaching ${t.options.learners} simulated learners for ${t.options.attempts} attempts (${t.options.itemsPerDay} a day):`, "");
    md.push("| Policy | Skills mastered @" + t.options.checkpoints.at(-1) + " | Gained | Attempts to mastery (median) | Retention 30 d | Too hard / too easy |", "|---|---|---|---|---|---|");
    for (const s of sums) {
      md.push(
        `| ${POLICY_LABELS[s.policy]} | ${f1(s.masteredAt.at(-1) ?? Number.NaN)} | +${f1(s.gainedAt.at(-1) ?? Number.NaN)} | ${f1(s.attemptsToMasteryMedian)} | ${pct(s.retentionShare)} | ${pct(s.tooHardShare)} / ${pct(s.tooEasyShare)} |`,
      );
    }
    md.push("");
  }
  if (r.throughput) {
    md.push(`Prediction cost: \`predictBatch\` of 500 candidates takes **${r.throughput.usPer500.toFixed(1)} µs** (${r.throughput.nsPerItem.toFixed(0)} ns per item, median of timed blocks, this machine).`, "");
  }

  if (r.prediction.length > 0) {
    md.push("## 1. Predicting real students", "");
    md.push(
      "Protocol. For fold k the test students are those with `test_fold = k`; everything fitted (item difficulties, success rates, the tuned configuration) " +
        "uses only the other students (including fold 0). Each test student's sequence is replayed online through the production knowledge model: " +
        "interaction i is predicted by `predictCorrect` on the beliefs built from interactions 0…i−1 of that student (neighbour-prior lookup `resolveSkills`, as `rankItems` uses), " +
        "then `applyAttempt` learns its outcome. ASSISTments multi-skill duplicate rows are collapsed into one interaction with all its skills and predicted once (merge key: same problem, a skill id not yet in the run; labels never decide a merge). " +
        "There are no timestamps: the clock advances one minute per answer, so only the per-attempt drift of the model acts.",
      "",
      "Item difficulty: alternating fit on the training students — replay them through the same model, then one penalised Newton step per item on " +
        "Σ(y − P) with a N(skill mean, 1) prior, three passes (see `src/ml/difficulty.ts`); a = 1, c = 0; unseen items get their skill's mean. " +
        "Statics has no skill ids: the default mapping is one global skill (θ = the student's course ability, items carry the difficulty); " +
        "steps are rarely repeated (1 % of answers), so an item-as-its-own-skill mapping would add a skill that is almost never practised twice. " +
        "The tuned row may instead add a secondary skill per block of 20 consecutive step ids (a guess that nearby ids are steps of the same problem; kept only when validation prefers it). " +
        "For ASSISTments the tuned row may add a global 'student' skill as an extra secondary skill. " +
        "The tuned configuration is chosen per fold by validation log-loss on every 5th training student (item difficulties refitted on the rest), then refitted on all training students.",
      "",
    );
    for (const d of r.prediction) {
      md.push(`### ${d.dataset}`, "");
      md.push(`${d.students} students, ${d.interactions} interactions (${d.rows} rows in the full file before collapsing); folds ${d.predictors[0]?.folds.map((f) => f.fold).join(", ")}; ${d.seconds.toFixed(1)} s.`, "");
      if (d.dataset === "assist2009") {
        md.push(
          `Loader merges (full file, src/ml/dataset.ts; the key is problem + skill id, never the label): ${d.merges.multiSkillRows} rows folded into the answer before them ` +
            `(same problem, a skill id not yet in that answer), of which ${d.merges.mergedWithOtherLabel} carried a different label than the answer's first row; ` +
            `${d.merges.retriesKept} immediate repeats of a problem with a skill already in the answer kept as separate answers (genuine retries).`,
          "",
        );
      }
      md.push(...predictionTable(d), "");
      const tuned = d.predictors[3];
      if (tuned) md.push(`Tuned choice per fold: ${tuned.chosen.map((c, i) => `fold ${tuned.folds[i]?.fold}: ${c}`).join("; ")}.`, "");
      md.push("Per fold AUC:", "", `| Predictor | ${d.predictors[0]?.folds.map((f) => `fold ${f.fold}`).join(" | ")} |`, `|---|${d.predictors[0]?.folds.map(() => "---").join("|")}|`);
      for (const p of d.predictors) md.push(`| ${p.label} | ${p.folds.map((f) => f4(f.auc)).join(" | ")} |`);
      md.push("");
      md.push(`Calibration over all test answers (10 bins of predicted P): mean predicted / observed (count).`, "");
      md.push(`| Bin | ${d.predictors.map((p) => p.key).join(" | ")} |`, `|---|${d.predictors.map(() => "---").join("|")}|`);
      for (let b = 0; b < 10; b++) {
        const cells = d.predictors.map((p) => {
          const c = p.calibration[b];
          return c && c.count > 0 ? `${c.meanPredicted.toFixed(3)} / ${c.observed.toFixed(3)} (${c.count})` : "–";
        });
        md.push(`| ${(b / 10).toFixed(1)}–${((b + 1) / 10).toFixed(1)} | ${cells.join(" | ")} |`);
      }
      md.push("");
      const calName = `eval-calibration-${d.dataset}.svg`;
      svgs.set(
        calName,
        lineChart(
          d.predictors
            .filter((p) => p.key !== "global")
            .map((p) => ({ name: p.key, dots: true, points: p.calibration.filter((c) => c.count > 0).map((c) => [c.meanPredicted, c.observed] as const) })),
          { title: `Calibration, ${d.dataset} (all test folds)`, xLabel: "Mean predicted P(correct)", yLabel: "Observed rate", xRange: [0, 1], yRange: [0, 1], diagonal: true },
        ),
      );
      md.push(`![Calibration ${d.dataset}](${calName})`, "");
      md.push("Invariants checked:", "", ...d.invariants.map((s) => `- ${s}`), "");
    }
    const folds = r.prediction.flatMap((d) => d.predictors.filter((p) => p.key === "engine" || p.key === "tuned").map((p) => ({ d, p })));
    svgs.set(
      "eval-auc-folds.svg",
      lineChart(
        folds.map(({ d, p }) => ({ name: `${d.dataset} ${p.key}`, dots: true, points: p.folds.map((f) => [f.fold, f.auc] as const) })),
        { title: "Test AUC per fold", xLabel: "Fold", yLabel: "AUC", yRange: [0.65, 0.9] },
      ),
    );
    md.push("![AUC per fold](eval-auc-folds.svg)", "");
  }

  if (r.families && r.families.length > 0) {
    md.push("## 2. Teaching simulated learners of several families", "");
    md.push(
      "Each family is a different idea of how people learn (src/eval/families.ts); every policy teaches the same populations. " +
        "Every answer goes through the learner Durable Object's own decision (`decideAttempt`: grading a response, the knowledge model's update, FSRS review memory, the correctness model's history); " +
        "the engine policies rank with `candidateSkills` → `rankItems` → `chooseNext` (→ `stretchSkills`), the DO's next-item path, with or without the shipped correctness model's predictions " +
        `(feature rows from \`buildFeatures\`, scored by models/${r.modelVersion}.json's weights — the .onnx file's, checked equal in test/ml/shipped-model.test.ts); ` +
        "as shipped, the model's predictions are mixed per learner with the knowledge model's by how well each predicted that learner's earlier answers (src/core/predictor-mix.ts), and the model alone (the engine before the mix) is run beside it. " +
        "Intervals: mean ± 95 % Student-t half-width over replicate populations (seeds base + r); engine-vs-baseline differences are paired by replicate.",
      "",
      "Measures: *attempts per skill mastered* = every attempt served (practice, review, wasted) divided by the skills truly mastered at the end that were not at the start, over the population — the headline's *attempts to mastery*, comparable across policies; " +
        "*attempts on a skill until mastered* = attempts on that skill until it was first truly mastered, pooled over learner × skill pairs that got there (a policy that reaches only nearly-mastered skills looks cheap here, so it does not decide the comparison); " +
        "*skills mastered / 1,000 attempts* = truly mastered skills at the end minus at the start, per 1,000 attempts; *30-day retention* = share of the skills learned in the run and mastered when practice stopped that are still mastered 30 days later. " +
        "Two diagnoses, not goals: *attempts on skills already mastered* = share of attempts whose skill the learner had truly mastered when it was served (reviews count here, and some are worth it; a policy that cannot tell a mastered skill from an unmastered one spends most of its attempts here), in brackets the part of them on skills the engine's mastery rule (run on every policy's answers) did not yet call mastered — practice past true mastery, not review — *from true mastery to the rule* = for each skill learned in the run that the engine's rule then certified, the attempts on it after the learner truly mastered it until the rule first said so (median over learners and replicates; why it is long and what a learning curve in the knowledge model does to it: reports/learning-curve.md), and *skills practised* = distinct skills a learner was served.",
      "",
    );
    for (const f of r.families) {
      md.push(`### ${f.label}`, "", `Parameters: ${f.origin}. ${f.seconds.toFixed(0)} s.`, "");
      md.push(...familyTable(f), "");
      const a = engineAdvantage(f);
      if (a) {
        md.push(
          `Engine with the model against the best baseline (${POLICY_LABELS[a.best]}): ${pctCi(a.fewerAttempts)} fewer attempts per skill mastered (negative = more), ` +
            `${ci(a.per1000Diff, f1)} skills mastered per 1,000 attempts, ${ci(a.retentionDiff, (x) => `${(100 * x).toFixed(1)}`)} points of 30-day retention.`,
          "",
        );
      }
      const policies = new Set(f.replicates[0]?.policies.map((p) => p.policy));
      if (policies.has("engine-model") && policies.has("engine-model-alone") && policies.has("engine")) {
        const vs = (other: "engine-model-alone" | "engine") => {
          const c = comparePolicies(f, "engine-model", other);
          return `${pctCi(c.fewerAttempts)} fewer attempts per skill mastered than ${POLICY_LABELS[other].toLowerCase()}, ${ci(c.retentionDiff, (x) => `${(100 * x).toFixed(1)}`)} points of retention`;
        };
        md.push(`The model mixed per learner (as shipped): ${vs("engine-model-alone")}; ${vs("engine")}.`, "");
      }
      if (policies.has("engine-oracle") && policies.has("engine")) {
        const c = comparePolicies(f, "engine-oracle", "engine");
        md.push(
          `The learner's true P(correct) in place of every prediction (oracle): ${pctCi(c.fewerAttempts)} fewer attempts per skill mastered than ${POLICY_LABELS.engine.toLowerCase()}, ` +
            `${ci(c.retentionDiff, (x) => `${(100 * x).toFixed(1)}`)} points of retention.`,
          "",
        );
      }
    }
  }

  if (r.teaching) {
    const t = r.teaching;
    md.push(r.families ? "### Detail: the reference family's first population" : "## 2. Teaching simulated learners", "");
    md.push(
      `${t.options.learners} learners (seeds derived from base seed ${t.options.seed}: \`seedFromString("learner:${t.options.seed}:i")\`), the same for every policy; ` +
        `demo bank: ${t.skills} skills, ${t.items} items. One session of ${t.options.itemsPerDay} items a day for ${t.options.attempts} attempts, then ${t.options.retentionDays} days without practice. ` +
        "The simulator (src/eval/simulator.ts) gives each learner a true θ per skill: learning per attempt is a bell (on the logit scale) around P ≈ 0.7 of the learner's own success chance, zero when a prerequisite is not truly mastered; " +
        "gains decay towards the starting level with a per-skill stability that grows with spaced practice; slips, guesses (the item's c), varied learning rates, levels and speeds. " +
        "True mastery = P(correct on the skill's median item, no slip) ≥ 0.8.",
      "",
    );
    md.push(...teachingTable(t, sums), "");
    md.push(
      "Columns: *attempts to mastery* = attempts on a skill until it was first truly mastered, pooled over learner × skill pairs that got there (skills mastered at the start excluded; a policy that masters only easy cases looks cheap here, so read it with *skills learned*, the mean number per learner). " +
        "*Mastered @N* = truly mastered skills after N attempts (forgetting included), *gained* = minus those mastered at the start. " +
        "*Retention* = of the skills learned during the run and mastered when practice stopped, the share still mastered 30 days later / their mean P on the median item. " +
        "*Too hard / easy* = share of served items with P_true < 0.3 / > 0.95.",
      "",
    );
    md.push(`Simulation time per policy: ${t.policies.map((p) => `${p.policy} ${p.seconds.toFixed(1)} s`).join(", ")}.`, "");
    const step = t.options.curveStep;
    svgs.set(
      "eval-learning-curves.svg",
      lineChart(
        sums.map((s) => ({ name: POLICY_LABELS[s.policy], points: s.curve.map((v, k) => [k * step, v] as const) })),
        { title: "Skills truly mastered vs attempts (mean over learners)", xLabel: "Attempts", yLabel: "Skills mastered" },
      ),
    );
    md.push("![Learning curves](eval-learning-curves.svg)", "");
  }

  if (r.cat) {
    md.push("## 3. Mock tests (CAT simulation)", "");
    md.push(
      `\`runCatStudy\` from src/core/cat-sim.ts: ${r.cat.options.examinees} simulees, seeds pool ${r.cat.seeds.pool} / abilities ${r.cat.seeds.abilities} / runs ${r.cat.seeds.runs}; ${r.cat.poolSize}-item synthetic 3PL pool. Stop at SE ≤ ${r.cat.options.seTarget} (max ${r.cat.options.maxItems}).`,
      "",
    );
    md.push(...catTable(r.cat), "");
  }
  return { markdown: `${md.join("\n")}\n`, svgs };
}
