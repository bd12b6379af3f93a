/**
 * Fits the simulator families' learning parameters to real answers (ASSISTments 2009), so
 * that at least two of the teaching study's learner models owe nothing to the engine's own
 * assumptions. Both fits read each answer's primary skill and the order of answers only.
 *
 * BKT (Corbett & Anderson 1995): per skill a hidden known/unknown state;
 *   P(correct) = L (1 − S) + (1 − L) G,  posterior L' by Bayes on the answer,  L ← L' + (1 − L') T
 * one pooled (L0, T, G, S) for all skills, by maximum likelihood over a grid then a
 * coordinate refinement (the usual constraints G < 0.5, S < 0.5 keep it identifiable).
 *
 * PFA (Pavlik, Cen & Koedinger 2009) with a student intercept:
 *   logit P = α_student + β_skill + γ · successes + ρ · failures,
 * successes/failures = the student's earlier answers on that skill; α per student, β per
 * skill, γ and ρ shared, by Newton steps alternating between the α's, the β's and (γ, ρ).
 * γ and ρ are how many logits one success or one failure adds: the outcome-gain family's
 * learning rates. Without α, weak students' many failures make ρ negative (failures then
 * stand for "a weak student", not for what a failure teaches); α absorbs that.
 */
import type { StudentSequence } from "../ml/dataset";

export interface BktFit {
  readonly init: number;
  readonly learn: number;
  readonly guess: number;
  readonly slip: number;
  readonly logLik: number;
  readonly answers: number;
}

export interface PfaFit {
  readonly correct: number;
  readonly wrong: number;
  readonly logLik: number;
  readonly answers: number;
}

/** Per student: primary-skill index and label of each answer. */
interface Coded {
  readonly skills: Int32Array;
  readonly ys: Uint8Array;
}

function code(students: readonly StudentSequence[]): { seqs: Coded[]; skillCount: number; answers: number } {
  const ids = new Map<string, number>();
  let answers = 0;
  const seqs = students.map((s) => {
    const skills = new Int32Array(s.interactions.length);
    const ys = new Uint8Array(s.interactions.length);
    s.interactions.forEach((x, i) => {
      const id = x.skillIds[0] ?? "none";
      let k = ids.get(id);
      if (k === undefined) {
        k = ids.size;
        ids.set(id, k);
      }
      skills[i] = k;
      ys[i] = x.correct ? 1 : 0;
    });
    answers += s.interactions.length;
    return { skills, ys };
  });
  return { seqs, skillCount: ids.size, answers };
}

function bktLogLik(seqs: readonly Coded[], skillCount: number, init: number, learn: number, guess: number, slip: number): number {
  const state = new Float64Array(skillCount);
  const seen = new Uint8Array(skillCount);
  let ll = 0;
  for (const s of seqs) {
    seen.fill(0);
    for (let i = 0; i < s.ys.length; i++) {
      const k = s.skills[i] ?? 0;
      const l = seen[k] ? (state[k] ?? init) : init;
      const p = l * (1 - slip) + (1 - l) * guess;
      const y = s.ys[i] ?? 0;
      const post = y ? (l * (1 - slip)) / p : (l * slip) / (1 - p);
      ll += Math.log(y ? p : 1 - p);
      state[k] = post + (1 - post) * learn;
      seen[k] = 1;
    }
  }
  return ll;
}

/** Pooled BKT by grid search then coordinate refinement (see the module comment). */
export function fitBkt(students: readonly StudentSequence[]): BktFit {
  const { seqs, skillCount, answers } = code(students);
  const grid = {
    init: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    learn: [0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3],
    guess: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45],
    slip: [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4],
  };
  let best = { init: 0.5, learn: 0.1, guess: 0.2, slip: 0.1, ll: Number.NEGATIVE_INFINITY };
  for (const init of grid.init)
    for (const learn of grid.learn)
      for (const guess of grid.guess)
        for (const slip of grid.slip) {
          const ll = bktLogLik(seqs, skillCount, init, learn, guess, slip);
          if (ll > best.ll) best = { init, learn, guess, slip, ll };
        }
  // Coordinate refinement: halve the step until it is below 0.005.
  const keys = ["init", "learn", "guess", "slip"] as const;
  const upper = { init: 0.99, learn: 0.99, guess: 0.49, slip: 0.49 };
  for (let step = 0.04; step >= 0.005; step /= 2) {
    let moved = true;
    while (moved) {
      moved = false;
      for (const k of keys) {
        for (const dir of [-1, 1]) {
          const v = Math.min(upper[k], Math.max(0.005, best[k] + dir * step));
          const trial = { ...best, [k]: v };
          const ll = bktLogLik(seqs, skillCount, trial.init, trial.learn, trial.guess, trial.slip);
          if (ll > best.ll + 1e-9) {
            best = { ...trial, ll };
            moved = true;
          }
        }
      }
    }
  }
  return { init: best.init, learn: best.learn, guess: best.guess, slip: best.slip, logLik: best.ll, answers };
}

/** PFA's γ (per success) and ρ (per failure) with a β per skill (see the module comment). */
export function fitPfa(students: readonly StudentSequence[], iterations = 120): PfaFit {
  const { seqs, skillCount, answers } = code(students);
  // Rows: skill, successes, failures, label.
  const st = new Int32Array(answers);
  const sk = new Int32Array(answers);
  const sc = new Float64Array(answers);
  const fc = new Float64Array(answers);
  const y = new Uint8Array(answers);
  let r = 0;
  const wins = new Float64Array(skillCount);
  const losses = new Float64Array(skillCount);
  seqs.forEach((s, student) => {
    wins.fill(0);
    losses.fill(0);
    for (let i = 0; i < s.ys.length; i++) {
      const k = s.skills[i] ?? 0;
      st[r] = student;
      sk[r] = k;
      sc[r] = wins[k] ?? 0;
      fc[r] = losses[k] ?? 0;
      y[r] = s.ys[i] ?? 0;
      if (y[r]) wins[k] = (wins[k] ?? 0) + 1;
      else losses[k] = (losses[k] ?? 0) + 1;
      r++;
    }
  });
  const alpha = new Float64Array(seqs.length);
  const ga = new Float64Array(seqs.length);
  const ha = new Float64Array(seqs.length);
  const beta = new Float64Array(skillCount);
  let g = 0;
  let h = 0;
  const gb = new Float64Array(skillCount);
  const hb = new Float64Array(skillCount);
  let ll = 0;
  for (let it = 0; it < iterations; it++) {
    gb.fill(0);
    hb.fill(0);
    ga.fill(0);
    ha.fill(0);
    let g1 = 0;
    let g2 = 0;
    let h11 = 0;
    let h12 = 0;
    let h22 = 0;
    ll = 0;
    for (let i = 0; i < answers; i++) {
      const k = sk[i] ?? 0;
      const a = st[i] ?? 0;
      const z = (alpha[a] ?? 0) + (beta[k] ?? 0) + g * (sc[i] ?? 0) + h * (fc[i] ?? 0);
      const p = 1 / (1 + Math.exp(-z));
      const e = (y[i] ?? 0) - p;
      const w = p * (1 - p);
      ll += Math.log(Math.max(1e-12, y[i] ? p : 1 - p));
      ga[a] = (ga[a] ?? 0) + e;
      ha[a] = (ha[a] ?? 0) + w;
      gb[k] = (gb[k] ?? 0) + e;
      hb[k] = (hb[k] ?? 0) + w;
      g1 += e * (sc[i] ?? 0);
      g2 += e * (fc[i] ?? 0);
      h11 += w * (sc[i] ?? 0) ** 2;
      h12 += w * (sc[i] ?? 0) * (fc[i] ?? 0);
      h22 += w * (fc[i] ?? 0) ** 2;
    }
    // Ridges keep a student or skill answered only right (or only wrong) finite; the
    // students' N(0, 1) prior also pins the α/β scale (any constant could move between them).
    // One block per iteration (students, skills, then γ and ρ): Newton within a block,
    // Gauss–Seidel across blocks, which converges where updating all at once overshoots.
    const block = it % 3;
    if (block === 0) for (let a = 0; a < seqs.length; a++) alpha[a] = (alpha[a] ?? 0) + ((ga[a] ?? 0) - (alpha[a] ?? 0)) / ((ha[a] ?? 0) + 1);
    if (block === 1) for (let k = 0; k < skillCount; k++) beta[k] = (beta[k] ?? 0) + ((gb[k] ?? 0) - 1e-3 * (beta[k] ?? 0)) / ((hb[k] ?? 0) + 1e-3);
    const det = h11 * h22 - h12 * h12;
    if (block === 2 && det > 1e-12) {
      g += (h22 * g1 - h12 * g2) / det;
      h += (h11 * g2 - h12 * g1) / det;
    }
  }
  return { correct: g, wrong: h, logLik: ll, answers };
}
