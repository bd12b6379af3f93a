/**
 * Item calibration by simulation (src/eval/calibration-sim.ts): writes
 * reports/calibration.md and reports/calibration-rmse.svg (b and a RMSE against responses per
 * item). Seeded: a rerun gives the same numbers. About 15 s per run without the bound; the seed comparison
 * (`--seeds`, both settings of `poolDiscriminationPrior` per seed) adds two runs per seed.
 * `--authored-a` runs the headline with the pool's discrimination prior off (the authored a
 * and the configured SD). The scale-anchoring comparison (learners of fixed ability and
 * learners who learn, under the default knowledge model and one with the same learning curve,
 * each with the job's scale anchoring on and off) adds seven runs per seed. The best possible
 * calibration on the same answers (src/eval/calibration-bound.ts, a Markov chain over every
 * answer) is computed at 100–500 responses per item for the headline seed and at 300 for the
 * other seeds' default runs, and on one more run of the headline seed with items chosen inside
 * the practice band: about 8 minutes of the whole at `--bound-sweeps 3000` (0: skip it).
 *
 *   npx tsx scripts/calibration-sim.ts [--seed 12] [--seeds 12,7,99] [--authored-a] [--selection random|band] [--bound-sweeps 3000] [--out reports]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ASSISTMENTS_LEARNING_CURVE, DEFAULT_CALIBRATION_SIM, runCalibrationSim } from "../src/eval/calibration-sim";
import type { CalibrationSimResult } from "../src/eval/calibration-sim";
import { lineChart } from "../src/eval/svg";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string", default: "12,7,99" },
    "authored-a": { type: "boolean", default: false },
    selection: { type: "string" },
    "bound-sweeps": { type: "string", default: "3000" },
    out: { type: "string", default: "reports" },
  },
});
const options = {
  ...DEFAULT_CALIBRATION_SIM,
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  ...(values.selection === "band" ? { selection: "band" as const } : {}),
  calibration: { ...DEFAULT_CALIBRATION_SIM.calibration, poolDiscriminationPrior: !values["authored-a"] },
};
const seeds = values.seeds.split(",").filter((x) => x.trim() !== "").map(Number);
const boundSweeps = Number(values["bound-sweeps"]);
/** The bound's chain at these responses per item (null: not computed). */
const boundAt = (at: readonly number[]) => (boundSweeps > 0 ? { at, sweeps: boundSweeps, burnIn: Math.floor(boundSweeps / 5) } : null);
const HEADLINE_BOUND = [100, 200, 300, 400, 500];

interface SeedRow {
  readonly seed: number;
  readonly shift: boolean;
  readonly result: CalibrationSimResult;
}
const TARGET = 0.2;
const f = (x: number | null, d = 3) => (x === null || Number.isNaN(x) ? "–" : x.toFixed(d));

function seedTable(rows: readonly SeedRow[]): string[] {
  const bAt = (r: CalibrationSimResult, n: number) => f(r.checkpoints.find((c) => c.responsesPerItem >= n)?.bRmse ?? null);
  const mock = (r: CalibrationSimResult, pool: string) => r.mock.find((m) => m.pool === pool);
  return [
    "| seed | discrimination prior | b RMSE @100 | @200 | @300 | @500 | @300 with true anchors | @300 best possible (expected) | mean SE(b) @300 | mock θ RMSE: true / calibrated | calibrated: mean length, coverage |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(({ seed, shift, result: r }) => {
      const t = mock(r, "true");
      const c = mock(r, "calibrated");
      const c300 = r.checkpoints.find((x) => x.responsesPerItem >= 300);
      const best = c300?.bound ? `${f(c300.bound.full.rmse)} (${f(c300.bound.full.expectedRmse)})` : "–";
      return `| ${seed} | ${shift ? "the pool's (δ, τ), the default" : "authored a, configured SD"} | ${bAt(r, 100)} | ${bAt(r, 200)} | ${bAt(r, 300)} | ${bAt(r, 500)} | ${f(c300?.bRmseTrueAnchors ?? null)} | ${best} | ${f(c300?.meanSeB ?? null)} | ${f(t?.thetaRmse ?? null)} / ${f(c?.thetaRmse ?? null)} | ${f(c?.meanLength ?? null, 1)}, ${((c?.coverage ?? 0) * 100).toFixed(1)} % |`;
    }),
  ];
}

interface LearningRow {
  readonly seed: number;
  readonly learning: boolean;
  /** Whether the learners' knowledge model carries the same learning curve. */
  readonly curve: boolean;
  readonly anchored: boolean;
  readonly result: CalibrationSimResult;
}

function learningTable(rows: readonly LearningRow[]): string[] {
  const bAt = (r: CalibrationSimResult, n: number) => f(r.checkpoints.find((c) => c.responsesPerItem >= n)?.bRmse ?? null);
  return [
    "| seed | learners | knowledge model | scale anchoring | b RMSE @100 | @300 | @500 | @300 with true anchors | mock θ RMSE (calibrated) | coverage |",
    "|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map(({ seed, learning, curve, anchored, result: r }) => {
      const c = r.mock.find((m) => m.pool === "calibrated");
      const c300 = r.checkpoints.find((x) => x.responsesPerItem >= 300);
      return `| ${seed} | ${learning ? "learn" : "fixed ability"} | ${curve ? "with the curve" : "default"} | ${anchored ? "on (default)" : "off"} | ${bAt(r, 100)} | ${bAt(r, 300)} | ${bAt(r, 500)} | ${f(c300?.bRmseTrueAnchors ?? null)} | ${f(c?.thetaRmse ?? null)} | ${((c?.coverage ?? 0) * 100).toFixed(1)} % |`;
    }),
  ];
}

/** Where the best possible estimate's expected RMSE (or the job's) first falls to `TARGET`, interpolated between checkpoints; null: not by the last. */
function crossing(points: readonly (readonly [number, number])[]): number | null {
  for (let k = 0; k < points.length; k++) {
    const [x, y] = points[k] ?? [0, 0];
    if (y > TARGET) continue;
    const prev = points[k - 1];
    if (!prev) return x;
    return prev[0] + ((prev[1] - TARGET) / (prev[1] - y)) * (x - prev[0]);
  }
  return null;
}

interface BoundRow {
  readonly seed: number;
  readonly design: string;
  readonly row: CalibrationSimResult["checkpoints"][number];
}

/** The section that sets the job beside the best possible calibration on the same answers (src/eval/calibration-bound.ts). */
function boundSection(r: CalibrationSimResult, bySeed: readonly SeedRow[], band: CalibrationSimResult | null): string[] {
  const rows: BoundRow[] = [
    ...r.checkpoints.filter((c) => c.bound).map((row) => ({ seed: r.options.seed, design: "uniform", row })),
    ...bySeed
      .filter((x) => x.result !== r && x.shift === r.options.calibration.poolDiscriminationPrior)
      .flatMap((x) => x.result.checkpoints.filter((c) => c.bound).map((row) => ({ seed: x.seed, design: "uniform", row }))),
    ...(band ? band.checkpoints.filter((c) => c.bound).map((row) => ({ seed: band.options.seed, design: "practice band", row })) : []),
  ];
  if (rows.length === 0) return [];
  const sweeps = r.options.bound?.sweeps ?? 0;
  const at300 = rows.filter((x) => x.design === "uniform" && x.row.responsesPerItem === 300);
  const list = (sel: (x: BoundRow) => number) => at300.map((x) => f(sel(x))).join(" / ");
  const seedsAt300 = at300.map((x) => x.seed).join(" / ");
  const missed = at300.filter((x) => (x.row.bound?.full.rmse ?? 0) > TARGET).map((x) => x.seed);
  const mean = (sel: (x: BoundRow) => number) => at300.reduce((s, x) => s + sel(x), 0) / Math.max(1, at300.length);
  const headline = rows.filter((x) => x.seed === r.options.seed && x.design === "uniform");
  const bestCross = crossing(headline.map((x) => [x.row.responsesPerItem, x.row.bound?.full.expectedRmse ?? 1] as const));
  const jobCross = crossing(r.checkpoints.map((c) => [c.responsesPerItem, c.bRmse] as const));
  const bandRow = rows.find((x) => x.design === "practice band");
  const cell = (e: { rmse: number; expectedRmse: number } | undefined) => (e ? `${f(e.rmse)} (${f(e.expectedRmse)})` : "–");
  return [
    "## What any calibration could reach on these answers",
    "",
    "The simulation draws its pool and its learners from distributions it knows (above), so for each item the posterior mean of b given every raw answer, under exactly those distributions, is the estimate with the smallest expected squared error: no calibration, however it is built, does better on average on these answers. " +
      `src/eval/calibration-bound.ts computes it by Markov chain Monte Carlo over every learner's θ and every item's b and a (Metropolis within Gibbs, ${sweeps} sweeps with the first fifth discarded, started from the prior means, never from the truth). ` +
      "\"expected\" is the posterior's own expectation of its RMSE (√ of the mean posterior variance); \"realised\" is what its means scored against the truth of this draw. " +
      "It is given more than the job has: every raw answer where the job has per-item counters, each learner's later answers as well as the earlier ones for their ability, and the true distributions (the authoring error's SD, the range of a, the abilities' prior) that the job has to estimate or assume. " +
      "\"abilities known\" holds every learner's true θ fixed: the bound for a job with perfect anchors. Chains started from the truth and from the prior means (seeds 12 and 99 at 300 responses per item) agreed within 0.005.",
    "",
    "| seed | item choice | responses / item | the job | the job's fit on true anchors | best possible: realised (expected) | best possible, abilities known: realised (expected) |",
    "|---:|---|---:|---:|---:|---:|---:|",
    ...rows.map(({ seed, design, row }) => `| ${seed} | ${design} | ${row.responsesPerItem} | ${f(row.bRmse)} | ${f(row.bRmseTrueAnchors)} | ${cell(row.bound?.full)} | ${cell(row.bound?.knownAbilities)} |`),
    "",
    `At 300 responses per item (seeds ${seedsAt300}) the best possible b RMSE is expected at ${list((x) => x.row.bound?.full.expectedRmse ?? Number.NaN)} and realised ${list((x) => x.row.bound?.full.rmse ?? Number.NaN)}, against the target's ${TARGET} and the job's ${list((x) => x.row.bRmse)}. ` +
      (missed.length > 0 ? `On seed${missed.length > 1 ? "s" : ""} ${missed.join(missed.length === 2 ? " and " : ", ")} not even the best possible estimate meets the target. ` : "") +
      `On seed ${r.options.seed} the best possible estimate is expected at ${TARGET} from ${bestCross === null ? "beyond the last checkpoint" : `about ${bestCross.toFixed(0)} responses per item`}; the job reaches ${TARGET} at ${jobCross === null ? "none of the checkpoints" : `about ${jobCross.toFixed(0)}`} (both interpolated between checkpoints)` +
      (bestCross !== null && jobCross !== null ? `: the job needs about ${(jobCross / bestCross).toFixed(2)} times the answers.` : "."),
    "",
    "Over four more seeds (the same chain on `--seeds 1,2,3,4`, measured once) the best possible realised 0.194 / 0.219 / 0.186 / 0.197 (expected 0.196 / 0.197 / 0.196 / 0.192) against the job's 0.238 / 0.234 / 0.230 / 0.225: over all seven seeds it averages 0.200 realised and 0.195 expected, and misses 0.2 on three.",
    "",
    `**The target sits at the floor of this design.** ${TARGET} at 300 responses per item is met only by an estimate at or near the best possible one, and not on every seed even by that. ` +
      `What the job gives away is its anchors, not its fit: on the learners' true abilities its fit is within ${f(mean((x) => x.row.bRmseTrueAnchors - (x.row.bound?.knownAbilities.rmse ?? Number.NaN)))} on average of the best possible with abilities known; ` +
      `estimating the abilities costs the best possible estimate ${f(mean((x) => (x.row.bound?.full.rmse ?? Number.NaN) - (x.row.bound?.knownAbilities.rmse ?? Number.NaN)))} on average and the job ${f(mean((x) => x.row.bRmse - x.row.bRmseTrueAnchors))}. ` +
      "The job must anchor each answer on the learner's answers before it (the writer counts the answer when it is flushed, not when the learner is done), under the parameters published at the time, and it fits per-item counters rather than all answers jointly. " +
      `Closing that gap entirely would bring the job to the best possible column: expected at ${f(Math.min(...at300.map((x) => x.row.bound?.full.expectedRmse ?? Number.NaN)))}–${f(Math.max(...at300.map((x) => x.row.bound?.full.expectedRmse ?? Number.NaN)))}, within hundredths of the line, and realised above it on ${missed.length} of ${at300.length} seeds. ` +
      "The floor belongs to the design, which is this simulation's: items uniformly at random, 30 answers per learner on one skill, 60 % multiple choice with a guessing floor of 1/4, difficulties spread as N(0, 1.2²) so that about one item in ten lies beyond ±2 logits, where few of the learners' answers tell much about it. " +
      "A design that sent each item to the learners whose answers inform it most would have a lower floor" +
      (bandRow
        ? `; the practice band is not such a design: with items chosen at random inside the scorer's target band (seed ${bandRow.seed}, 300 responses per item) the best possible b RMSE is ${cell(bandRow.row.bound?.full)} and the job's ${f(bandRow.row.bRmse)}, because learners answer an item only where it is predicted 0.5–0.85 correct, which tells b and a apart badly.`
        : "."),
    "",
  ];
}

function markdown(r: CalibrationSimResult, seconds: number, bySeed: readonly SeedRow[], byLearning: readonly LearningRow[], band: CalibrationSimResult | null): string {
  const o = r.options;
  const at = (n: number) => r.checkpoints.find((c) => c.responsesPerItem >= n);
  const at300 = at(300);
  const reached = r.checkpoints.find((c) => c.bRmse <= TARGET);
  const lines = [
    "# Item calibration: simulation",
    "",
    `Generated by \`npx tsx scripts/calibration-sim.ts\` (src/eval/calibration-sim.ts; seed ${o.seed}, ${seconds.toFixed(0)} s${o.bound ? " with the bound's chains" : ""}). ` +
      `${o.items} items over ${o.skills} skills with known true parameters (a ~ U(0.7, 1.8), b ~ N(0, 1.2²), c = 1/4 for 60 % multiple choice), ` +
      `authored with errors (b + N(0, ${o.authoringSd}²), a = 1); ${r.learners} simulated learners of fixed true ability θ ~ N(0, 1), ` +
      `${o.answersPerLearner} answers each on one skill, items picked ${o.selection === "band" ? "at random inside the scorer's target band" : "uniformly at random"}. ` +
      "Every answer goes through the engine's knowledge model (prediction, ability anchor, update) under the parameters published so far; " +
      "each learner's answers are aggregated as one writer flush and added to the counters; at each checkpoint the calibration job's fit runs and its parameters are published for the next learners.",
    "",
    "![b and a RMSE against responses per item](calibration-rmse.svg)",
    "",
    `Discrimination prior: ${o.calibration.poolDiscriminationPrior ? "the pool's, centred on the authored a times e^δ with the pool's spread τ (`poolDiscriminationPrior` on, the default)" : "centred on the authored a with the configured SD (`poolDiscriminationPrior` off)"}. ` +
      "\"b RMSE (true anchors)\" is a diagnosis the platform cannot do: the same fit on the same answers with each learner's TRUE ability as the anchor.",
    "",
    "| responses / item | b RMSE (calibrated) | b RMSE (true anchors) | best possible b RMSE (expected) | b RMSE (authored) | a RMSE (estimated) | a RMSE (authored a = 1) | mean SE(b) reported | items `calibrated` |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...r.checkpoints.map(
      (c) =>
        `| ${c.responsesPerItem} | ${f(c.bRmse)} | ${f(c.bRmseTrueAnchors)} | ${c.bound ? `${f(c.bound.full.rmse)} (${f(c.bound.full.expectedRmse)})` : "–"} | ${f(c.authoredBRmse)} | ${f(c.aRmse)} | ${f(c.authoredARmse)} | ${f(c.meanSeB)} | ${(c.calibratedShare * 100).toFixed(0)} % |`,
    ),
    "",
    `**Target: b RMSE ≤ ${TARGET} logits by 300 responses per item. ${at300 && at300.bRmse <= TARGET ? "Met" : "Not met"}:** ` +
      `${f(at300?.bRmse ?? null)} at ${at300?.responsesPerItem ?? "–"} responses per item; ${reached ? `≤ ${TARGET} from ${reached.responsesPerItem}` : `not reached by ${r.checkpoints[r.checkpoints.length - 1]?.responsesPerItem}`}. ` +
      (at300?.bound ? `The best possible calibration on the same answers: ${f(at300.bound.full.rmse)} (expected ${f(at300.bound.full.expectedRmse)}; next section). ` : "") +
      "The reported SE(b) is below the actual error at every count (the anchors' error is not in it); from about 300 responses the two are within a few hundredths.",
    "",
    ...boundSection(r, bySeed, band),
    "## Where the error comes from, and the seeds",
    "",
    `Every seed in ${bySeed.length > 0 ? [...new Set(bySeed.map((x) => x.seed))].join(", ") : "–"}, with the discrimination prior centred on the authored a with the configured SD, and with the pool's prior (src/core/calibration.ts \`estimateDiscriminationPrior\`, the default):`,
    "",
    ...seedTable(bySeed),
    "",
    "Measured by refitting the same counters under variants (the true-anchor column above; the rest with a throwaway diagnostic over the same simulation, not in the repository), at 300 responses per item on seeds 12 / 7 / 99, with the authored-a prior unless said otherwise:",
    "",
    "The variants in this list were measured before the job anchored its scale (`anchorScale`, next section), on the numbers of that time (0.216 / 0.227 / 0.259 at 300 responses per item for seeds 12 / 7 / 99 with the pool prior); the anchoring moves those three to the ones in the table above.",
    "",
    "- **The discrimination prior is the largest part.** Authored a is the default 1, the pool's true a averages ≈ 1.2, and below 200 responses a is not fitted at all: at a fixed share correct a too-small a pushes b outward, so the error grows with |b| (slope of the error on true b 0.07–0.12 on seed 12). With the authored a as the prior's centre, fitting with the TRUE a instead of the estimated one brings 0.237 / 0.253 / 0.297 down to 0.180 / 0.183 / 0.219. The pool's prior (empirical Bayes: δ ≈ log 1.19, τ ≈ 0.26–0.30 once a few hundred answers are in, against the truth's 0.26) recovers about 40 % of that: the default rows.",
    "- **The learners' anchors are the second part**, and it is a bias, not noise: with true anchors the same fit has almost no mean error, with the learners' anchors b is too low by 0.03–0.05 on average and by up to 0.12–0.18 in single skills. The anchors were computed under the parameters published at the time (first the authored b, whose mean error per skill is ±0.1–0.2 here), the calibrated b's inherit part of that shift, and the next learners' anchors carry it again: re-anchoring through publication removes it only slowly (skill bias −0.18 at 100, −0.12 at 300, −0.11 at 500 on seed 12), because the cumulative counters keep the early anchors. With learners scored on the TRUE parameters (oracle) the anchors cost little (at 200 responses b RMSE within 0.01–0.03 of the true-anchor fit), so the Kalman approximation itself is not the problem.",
    "- **Shrinkage is not**: a flat prior on b is worse at every count (0.286 vs 0.239 on seed 12), and σ_b = 0.8 instead of 1 changes the third decimal.",
    "- **The floor.** With true anchors AND true a the fit gives 0.161 / 0.166 / 0.189: with uniformly random item choice, 300 answers per item do not carry much more than that, so ≤ 0.2 at 300 on every seed leaves almost no room for the anchors' and a's error. With true anchors and a estimated as the job estimates it (the seed table's \"with true anchors\" column, pool prior) seed 99 still misses: no repair of the anchors alone reaches the target there." +
      (o.bound ? " (These are the job's fit with known parameters; \"What any calibration could reach\" above measures the floor itself.)" : ""),
    "- **The anchors' error is not a per-skill shift** (default pool prior, seeds 12 / 7 / 99 at 300): shifting each skill's anchors so that their mean is the population's prior mean (0 in this simulation) moves b RMSE 0.216 / 0.227 / 0.259 to 0.207 / 0.225 / 0.256. Not adopted: little gain, and on the platform a learner's prior for a skill is not the population's (practised neighbours move it), so the rule would need each learner's prior at their first answer carried through the counters.",
    "- **The anchors' declared variance is honest.** On seed 12 the knowledge model's posterior variance at the n-th answer against the actual squared error of its mean: 1.00 / 1.04 at the first, 0.43 / 0.41 at the 11th, 0.25 / 0.20 at the 30th (ratio 0.80–1.05). Declaring more (v + 0.05 … 0.3) makes every seed worse (0.218–0.285 at 300); declaring less makes b slightly better (v ignored: 0.214 / 0.219 / 0.239) only through the regression dilution the integral is there to remove, so the fit keeps the declared variance.",
    "- **Why the prior's spread comes from the pool too.** Centring on δ alone, with the configured SD 0.35 (wider than the pool's real spread), made mock tests less accurate on every seed (θ RMSE 0.342 / 0.319 / 0.313 on seeds 12 / 7 / 99, against 0.319 / 0.314 / 0.301 with the authored a): the CAT chooses the items with the highest â and treats â as exact, and under a too-wide prior those are the items whose â is most overestimated. With τ measured from the pool (DerSimonian–Laird on the free first-pass fits), over seven seeds (12, 7, 99 above; 1, 2, 3, 4 by `--seeds 1,2,3,4`) mock θ RMSE is 0.309 against 0.306 with the authored a (per seed −0.006 to +0.013), coverage 94.9 % against 95.3 %, while b RMSE at 300 responses per item is lower on all seven (mean 0.234 against 0.260) and a RMSE on all seven: so it is the default.",
    "- **Smoothed anchors do not close it** (default pool prior; mock tests of 200 examinees): anchoring each answer on the learner's ability from all their other answers (leave-one-out over the learner's 30, where the engine anchors on the answers before it) gives b RMSE 0.218 / 0.222 / 0.238 at 300 against 0.216 / 0.227 / 0.259, and a RMSE 0.199 / 0.208 / 0.204 against 0.215 / 0.230 / 0.242, but mock-test θ RMSE 0.351 against 0.325 on seed 12. Not adopted: mixed on b, worse for mock tests, and on the platform it would hold every answer back until the learner's later ones arrive.",
    "- **Steering items toward calibration makes it worse**: serving, among the items predicted at 0.5–0.85, the one with the largest published SE(b) gives 0.299 / 0.308 / 0.343 at 300 (the fewest responses so far: 0.300 / 0.281 / 0.294), and 0.239 / 0.219 / 0.269 even with true anchors. Answers from learners whose ability sits where the item is predicted in the band tell b and a apart badly; uniformly random items spread learners over each item's curve. Spreading new learners' starting items is what helps, not steering toward uncertain items.",
    "",
    "Two more, measured on the current job (scale anchoring on, pool prior; the same throwaway kind of diagnostic), at 300 responses per item:",
    "",
    "- **Dropping the earliest counters does not help.** The anchors computed under the authored or the first published parameters stay in the cumulative counters, but fitting only the answers given after the first checkpoint (25 responses per item) gives 0.222 / 0.253 on seeds 12 / 99 against 0.213 / 0.252 with all of them; after 50, 0.233 / 0.275; after 100, 0.265 / 0.314. The early answers are worth more as data than they cost as biased anchors. Discounting them, between keeping and dropping, was not tried.",
    "- **A sharper prior on b helps on average, not on every seed.** Centring b's prior on the authored value shrunk toward the pool's mean by the simulation's own factor (σ_b² / (σ_b² + σ_e²) = 0.69, prior SD 0.67: the best an empirical-Bayes estimate of the two spreads could reach) gives 0.223 / 0.224 / 0.218 on seeds 12 / 7 / 99 and 0.216 / 0.240 / 0.210 / 0.216 on seeds 1 / 2 / 3 / 4, against 0.213 / 0.219 / 0.252 and 0.238 / 0.234 / 0.230 / 0.225 today: 0.009 lower on average, higher on three seeds of seven. Not adopted: even with the true spreads no seed reaches 0.2, and an estimate of them from the pool would typically do less well.",
    "",
    "## Learners who learn: why the job anchors its scale",
    "",
    `The learners above keep one ability through their ${o.answersPerLearner} answers, which is what the knowledge model assumes (its θ moves only as a random walk of small steps). ` +
      `Real learners learn while they practise: a learning curve in the knowledge model's dynamics (after the n-th answer on a skill θ grows by g · h / (h + n)) predicts ASSISTments 2009 better than the model without one ` +
      `(reports/learning-curve.md, \`npx tsx scripts/ml/learning-curve.ts\`; the best curve there, g = ${ASSISTMENTS_LEARNING_CURVE.gain}, h = ${ASSISTMENTS_LEARNING_CURVE.halfAttempts}, adds about 1.2 logit over 30 answers). ` +
      "\"learn\" rows: the same simulation with the true θ of every learner growing along that curve; \"knowledge model with the curve\": the learners' knowledge models carry the same curve (`learningGain`, off in production). Where the two disagree (learners who learn under the default model, learners of fixed ability under a model with the curve) each anchor errs, one way or the other.",
    "",
    ...learningTable(byLearning),
    "",
    "Without anchoring, learners who learn make the calibration diverge: their anchors sit below their abilities, so every fitted b comes out too low by about the same amount; the next learners are estimated on those b's, and their anchors carry the error into the next fit. " +
      "The loop has no restoring force (new learners' prior mean is the only tie to the scale), so the error grows with every publication, and mock tests on the pool stop covering the true scores. " +
      "The job therefore takes the batch's common shift out of its fits (src/core/calibration.ts `anchorScale`: the shift estimated from all fitted items' differences from their authored values, each in the share of its estimate that came from its responses, under a prior N(0, 0.25²) so that a handful of items cannot move each other). " +
      "With learners of fixed ability it changes b RMSE by hundredths or less; what it gives up is a real common offset between authored and true difficulties, which anchors alone cannot tell from a biased scale. " +
      "The knowledge model can carry the same curve (`learningGain`, off by default; reports/learning-curve.md says why it stays off for now): with it on and learners who do not learn, the anchors err the other way and the same loop runs the scale up instead, which the anchoring contains as well (the rows \"fixed ability, with the curve\").",
    "",
    `## Mock tests on calibrated vs true parameters (pool at ${o.mockAt} responses per item)`,
    "",
    `${o.mockExaminees} simulated examinees per pool, θ ~ N(0, 1), adaptive tests of at most ${o.mockMaxItems} items stopping at SE ${o.mockSeTarget}; answers always drawn from the TRUE parameters. ` +
      "\"calibrated\": items past the threshold use their fitted a, b, c; the rest a = 1, the job's b, c = 1/choices. \"authored\": what the platform did before (defaults, authored b).",
    "",
    "| pool | θ RMSE | score RMSE (200–800) | mean length | mean SE | mean parameter SE | 95 % interval coverage |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...r.mock.map((m) => `| ${m.pool} | ${f(m.thetaRmse)} | ${f(m.scoreRmse, 1)} | ${f(m.meanLength, 1)} | ${f(m.meanSe)} | ${f(m.meanParameterSe)} | ${(m.coverage * 100).toFixed(1)} % |`),
    "",
    "The interval is θ̂ ± 1.96 √(SE² + parameter SE²) on the score scale (src/core/cat.ts `parameterSe`): uncalibrated items widen it.",
    "",
  ];
  return lines.join("\n");
}

function svg(r: CalibrationSimResult): string {
  const pts = (sel: (c: CalibrationSimResult["checkpoints"][number]) => number | null) =>
    r.checkpoints.flatMap((c) => {
      const y = sel(c);
      return y === null ? [] : [[c.responsesPerItem, y] as const];
    });
  const maxX = r.checkpoints[r.checkpoints.length - 1]?.responsesPerItem ?? 500;
  return lineChart(
    [
      { name: "b RMSE (calibrated)", points: pts((c) => c.bRmse), dots: true, line: true },
      { name: "b RMSE (authored)", points: pts((c) => c.authoredBRmse), line: true },
      { name: "a RMSE (estimated)", points: pts((c) => c.aRmse), dots: true, line: true },
      { name: "mean SE(b) reported", points: pts((c) => c.meanSeB), line: true },
      { name: "best possible b RMSE (expected)", points: pts((c) => c.bound?.full.expectedRmse ?? null), dots: true, line: true },
      { name: `target ${TARGET}`, points: [[0, TARGET], [maxX, TARGET]], line: true },
    ],
    { title: "Item calibration error against responses per item", xLabel: "responses per item", yLabel: "RMSE (logits)", xRange: [0, maxX], yRange: [0, 0.9] },
  );
}

const started = performance.now();
console.log(`calibration simulation (seed ${options.seed}, ${options.items} items, selection ${options.selection}, pool discrimination prior ${options.calibration.poolDiscriminationPrior ? "on" : "off"})`);
const result = runCalibrationSim({ ...options, bound: boundAt(HEADLINE_BOUND) }, (line) => console.log(line));
const seconds = (performance.now() - started) / 1000;
const bySeed: SeedRow[] = [];
for (const seed of seeds) {
  for (const shift of [false, true]) {
    const same = seed === options.seed && shift === options.calibration.poolDiscriminationPrior;
    console.log(`seed ${seed}, pool discrimination prior ${shift ? "on" : "off"}${same ? " (the run above)" : ""}`);
    const r = same
      ? result
      : runCalibrationSim(
          { ...options, seed, calibration: { ...options.calibration, poolDiscriminationPrior: shift }, bound: shift === options.calibration.poolDiscriminationPrior ? boundAt([300]) : null },
          (line) => (line.includes("best possible") ? console.log(line) : undefined),
        );
    bySeed.push({ seed, shift, result: r });
  }
}
const byLearning: LearningRow[] = [];
for (const seed of seeds) {
  for (const curve of [false, true]) {
    for (const learning of [false, true]) {
      for (const anchored of [true, false]) {
        console.log(`seed ${seed}, ${learning ? "learners who learn" : "learners of fixed ability"}, knowledge model ${curve ? "with the curve" : "default"}, scale anchoring ${anchored ? "on" : "off"}`);
        const same = bySeed.find((x) => x.seed === seed && x.shift);
        const r = !learning && !curve && anchored && same ? same.result : runCalibrationSim({
          ...options,
          seed,
          learning: learning ? ASSISTMENTS_LEARNING_CURVE : null,
          knowledge: curve ? { ...options.knowledge, learningGain: ASSISTMENTS_LEARNING_CURVE.gain, learningHalfAttempts: ASSISTMENTS_LEARNING_CURVE.halfAttempts } : options.knowledge,
          calibration: { ...options.calibration, poolDiscriminationPrior: true, scaleShiftPriorSd: anchored ? options.calibration.scaleShiftPriorSd : 0 },
        });
        byLearning.push({ seed, learning, curve, anchored, result: r });
      }
    }
  }
}
mkdirSync(values.out, { recursive: true });
// The practice band as the design, for the bound section (the job and the best possible on its answers).
let band: CalibrationSimResult | null = null;
if (boundSweeps > 0 && options.selection === "random") {
  console.log(`seed ${options.seed}, items chosen inside the practice band`);
  band = runCalibrationSim({ ...options, selection: "band", checkpoints: options.checkpoints.filter((c) => c <= 300), bound: boundAt([300]) }, (line) => (line.includes("best possible") ? console.log(line) : undefined));
}
writeFileSync(join(values.out, "calibration.md"), markdown(result, seconds, bySeed, byLearning, band));
writeFileSync(join(values.out, "calibration-rmse.svg"), svg(result));
const at300 = result.checkpoints.find((c) => c.responsesPerItem >= 300);
console.log(`b RMSE at ${at300?.responsesPerItem} responses/item: ${f(at300?.bRmse ?? null)} (target ${TARGET})`);
for (const m of result.mock) console.log(`mock tests on ${m.pool} parameters: θ RMSE ${f(m.thetaRmse)}, score RMSE ${f(m.scoreRmse, 1)}, coverage ${(m.coverage * 100).toFixed(1)} %`);
console.log(`wrote ${join(values.out, "calibration.md")} and calibration-rmse.svg in ${seconds.toFixed(0)} s`);
