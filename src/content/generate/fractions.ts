/**
 * Strand "fractions": meaning, equivalence, simplifying, comparing, mixed numbers, the four
 * operations. Distractors come from the documented fraction misconceptions: adding
 * numerators and denominators, not scaling numerators to a common denominator, inverting the
 * wrong fraction, forgetting to regroup with mixed numbers.
 */
import type { Draft, StrandDef } from "./kit";
import { word } from "./kit";
import type { Frac } from "./math";
import { clamp01, frac, fracStr, fracWrongs, gcd, intWrongs, lcm, mixedStr, sameValue } from "./math";
import type { Rng } from "./random";
import { NAMES, someNames, twoNames } from "./random";

const SIMPLEST = "Give your answer as a fraction in simplest form.";

/** A proper fraction in lowest terms with denominator in [minD, maxD]. */
function properFraction(rng: Rng, minD: number, maxD: number): Frac {
  for (;;) {
    const d = rng.int(minD, maxD);
    const n = rng.int(1, d - 1);
    if (gcd(n, d) === 1) return { n, d };
  }
}

function s(f: Frac): string {
  return fracStr(f.n, f.d);
}

/** The text answers a learner may type for a fraction: lowest terms, and the mixed form when improper. */
function acceptedFrac(f: Frac): string[] {
  const a = fracStr(f.n, f.d);
  const m = mixedStr(f.n, f.d);
  return a === m ? [a] : [a, m];
}

/** Shared by add-unlike and subtract-unlike, which differ only in the sign. */
function unlikeDraft(rng: Rng, op: "+" | "-"): Draft {
  let x = properFraction(rng, 2, 12);
  let y = properFraction(rng, 2, 12);
  while (x.d === y.d || (op === "-" && x.n * y.d <= y.n * x.d)) {
    x = properFraction(rng, 2, 12);
    y = properFraction(rng, 2, 12);
  }
  const sign = op === "+" ? 1 : -1;
  const L = lcm(x.d, y.d);
  const nx = x.n * (L / x.d);
  const ny = y.n * (L / y.d);
  const ans = frac(nx + sign * ny, L);
  const oneDividesOther = L === Math.max(x.d, y.d);
  const needsSimplify = gcd(nx + sign * ny, L) > 1;
  const hardness = clamp01((oneDividesOther ? 0 : 0.35) + L / 132 * 0.35 + (needsSimplify ? 0.15 : 0) + (ans.n > ans.d ? 0.15 : 0));
  const wrongs = fracWrongs(ans, [
    [x.n + sign * y.n, x.d + y.d], // operate across: numerators and denominators
    [x.n + sign * y.n, L], // common denominator, numerators not scaled
    [x.n + sign * y.n, x.d * y.d],
    [x.n * y.d + sign * y.n * x.d, x.d + y.d],
    [nx + sign * ny + 1, L],
    [nx + sign * ny - 1, L],
    [x.n * y.n, x.d * y.d],
  ]);
  const word_ = op === "+" ? "sum" : "difference";
  const asWord = rng.chance(0.3);
  const [a, b] = twoNames(rng);
  const contexts =
    op === "+"
      ? [
          `${a} ate ${s(x)} of a pizza and ${b} ate ${s(y)} of the same pizza. What fraction of the pizza did they eat together?`,
          `A recipe needs ${s(x)} cup of sugar and ${s(y)} cup of brown sugar. How many cups of sugar is that in all?`,
          `${a} walked ${s(x)} mile to the park and then ${s(y)} mile to school. How far did ${a} walk?`,
        ]
      : [
          `${a} had ${s(x)} of a tank of paint and used ${s(y)} of a tank. What fraction of a tank is left?`,
          `A ribbon is ${s(x)} metre long. ${a} cuts off ${s(y)} metre. How long is the ribbon now?`,
          `${a} read ${s(x)} of a book and ${b} read ${s(y)} of it. How much more of the book did ${a} read?`,
        ];
  return {
    prompt: asWord ? rng.pick(contexts) : rng.pick([`What is ${s(x)} ${op} ${s(y)}?`, `Find the ${word_} of the fractions: ${s(x)} ${op} ${s(y)}`, `${op === "+" ? "Add" : "Subtract"} the fractions ${s(x)} ${op} ${s(y)}.`]),
    answer: s(ans),
    accepted: acceptedFrac(ans),
    freeHint: SIMPLEST,
    wrongs,
    steps: [
      `The denominators ${x.d} and ${y.d} differ, so find a common denominator: LCM(${x.d}, ${y.d}) = ${L}.`,
      `Rewrite: ${s(x)} = ${nx}/${L} and ${s(y)} = ${ny}/${L}.`,
      `${op === "+" ? "Add" : "Subtract"} the numerators, keep the denominator: ${nx}/${L} ${op} ${ny}/${L} = ${nx + sign * ny}/${L}.`,
      needsSimplify ? `Simplify: ${nx + sign * ny}/${L} = ${s(ans)}.` : `${nx + sign * ny}/${L} is already in simplest form.`,
    ],
    hardness,
    tags: asWord ? word(["unlike-denominators"]) : ["unlike-denominators"],
  };
}

function likeDraft(rng: Rng, op: "+" | "-"): Draft {
  const d = rng.int(3, 16);
  const q = rng.int(1, op === "+" ? d - 1 : d - 2);
  const p = op === "+" ? rng.int(1, d - 1) : rng.int(q + 1, d - 1);
  const sign = op === "+" ? 1 : -1;
  const raw = p + sign * q;
  const ans = frac(raw, d);
  const hardness = clamp01(d / 16 * 0.4 + (gcd(raw, d) > 1 ? 0.3 : 0) + (raw > d ? 0.3 : 0));
  const wrongs = fracWrongs(ans, [
    [p + sign * q, 2 * d], // combined the denominators too
    [op === "+" ? p - q : p + q, d], // wrong operation
    [raw + 1, d],
    [raw - 1, d],
    [p * q, d],
    [raw, d + 1],
  ]);
  const asWord = rng.chance(0.3);
  const who = rng.pick(NAMES);
  const ctx =
    op === "+"
      ? `${who} painted ${p}/${d} of a fence on Monday and ${q}/${d} on Tuesday. What fraction of the fence is painted?`
      : `A jug held ${p}/${d} litre of juice. ${who} drank ${q}/${d} litre. How much juice is left?`;
  return {
    prompt: asWord ? ctx : rng.pick([`What is ${p}/${d} ${op} ${q}/${d}?`, `${op === "+" ? "Add" : "Subtract"} the fractions ${p}/${d} ${op} ${q}/${d}.`]),
    answer: s(ans),
    accepted: acceptedFrac(ans),
    freeHint: SIMPLEST,
    wrongs,
    steps: [
      `The denominators are the same (${d}), so ${op === "+" ? "add" : "subtract"} only the numerators: ${p} ${op} ${q} = ${raw}.`,
      `Keep the denominator: ${raw}/${d}.`,
      gcd(raw, d) > 1 ? `Simplify: ${raw}/${d} = ${s(ans)}.` : `${raw}/${d} is already in simplest form.`,
    ],
    hardness,
    tags: asWord ? word(["like-denominators"]) : ["like-denominators"],
  };
}

export const fractionsStrand: StrandDef = {
  strand: "fractions",
  skills: [
    {
      id: "fractions.meaning",
      name: "Fractions as parts of a whole or a set",
      description: "Write the fraction for equal parts of a whole or part of a set.",
      prerequisites: ["div.facts"],
      prefix: "fr-meaning",
      draft(rng) {
        const who = rng.pick(NAMES);
        if (rng.chance(0.5)) {
          const d = rng.int(3, 12);
          const k = rng.int(1, d - 1);
          const left = rng.chance(0.4);
          const n = left ? d - k : k;
          const ans = frac(n, d);
          const thing = rng.pick([["pizza", "slices"], ["chocolate bar", "pieces"], ["garden", "plots"], ["pie", "pieces"]] as const);
          return {
            prompt: `A ${thing[0]} is cut into ${d} equal ${thing[1]}. ${who} takes ${k} ${thing[1]}. What fraction of the ${thing[0]} is ${left ? "left" : `taken by ${who}`}?`,
            answer: s(ans),
            accepted: [s(ans), `${n}/${d}`],
            freeHint: SIMPLEST,
            wrongs: fracWrongs(ans, [[left ? k : d - k, d], [n, d - n], [d, n], [n, d + n], [n + 1, d]]),
            steps: [`The whole has ${d} equal parts.`, left ? `${d} - ${k} = ${n} parts are left.` : `${n} parts are taken.`, `Fraction = parts ÷ total = ${n}/${d}${gcd(n, d) > 1 ? ` = ${s(ans)}` : ""}.`],
            hardness: clamp01(d / 12 * 0.5 + (left ? 0.3 : 0) + (gcd(n, d) > 1 ? 0.2 : 0)),
            tags: word(),
          };
        }
        const r = rng.int(1, 9);
        const b = rng.int(1, 9);
        const ans = frac(r, r + b);
        const [c1, c2] = rng.pick([["red", "blue"], ["green", "yellow"], ["black", "white"]] as const);
        return {
          prompt: `A bag holds ${r} ${c1} marbles and ${b} ${c2} marbles. What fraction of the marbles are ${c1}?`,
          answer: s(ans),
          accepted: [s(ans), `${r}/${r + b}`],
          freeHint: SIMPLEST,
          wrongs: fracWrongs(ans, [[r, b], [b, r + b], [r + b, r], [b, r], [r, r + b + 1]]),
          steps: [`There are ${r} + ${b} = ${r + b} marbles in all.`, `${r} of them are ${c1}: ${r}/${r + b}${gcd(r, r + b) > 1 ? ` = ${s(ans)}` : ""}.`, `(${r}:${b} would compare ${c1} to ${c2}, not to the whole set.)`],
          hardness: clamp01(0.3 + (r + b) / 18 * 0.4 + (gcd(r, r + b) > 1 ? 0.2 : 0)),
          tags: word(),
        };
      },
    },
    {
      id: "fractions.equivalent",
      name: "Equivalent fractions",
      description: "Generate equivalent fractions by multiplying or dividing numerator and denominator by the same number.",
      prerequisites: ["fractions.meaning", "mult.facts"],
      prefix: "fr-equiv",
      draft(rng) {
        const f = properFraction(rng, 2, 10);
        const k = rng.int(2, 9);
        const hardness = clamp01(k / 9 * 0.5 + f.d / 10 * 0.3);
        if (rng.chance(0.55)) {
          const askNum = rng.chance(0.6);
          const D = f.d * k;
          const N = f.n * k;
          const value = askNum ? N : D;
          const additive = askNum ? f.n + (D - f.d) : f.d + (N - f.n);
          return {
            prompt: askNum ? `Find the missing numerator so the fractions are equivalent: ${s(f)} = ?/${D}` : `Find the missing denominator so the fractions are equivalent: ${s(f)} = ${N}/?`,
            answer: String(value),
            value,
            wrongs: intWrongs(value, [additive, askNum ? D / f.n : N * f.d, askNum ? f.n * (k + 1) : f.d * (k - 1), k]),
            steps: [askNum ? `${f.d} × ${k} = ${D}, so the denominator was multiplied by ${k}.` : `${f.n} × ${k} = ${N}, so the numerator was multiplied by ${k}.`, `Multiply the other part by ${k} too: ${askNum ? `${f.n} × ${k} = ${N}` : `${f.d} × ${k} = ${D}`}.`, `${s(f)} = ${N}/${D}.`],
            hardness: hardness + 0.1,
          };
        }
        const answer = `${f.n * k}/${f.d * k}`;
        const wrongs = [`${f.n + k}/${f.d + k}`, `${f.n}/${f.d * k}`, `${f.n * k}/${f.d}`, `${f.d * k}/${f.n * k}`, `${f.n * k + 1}/${f.d * k}`].filter((w) => {
          const [n, d] = w.split("/").map(Number);
          return n !== undefined && d !== undefined && !sameValue(frac(n, d), f);
        });
        return {
          prompt: rng.pick([`Which fraction is equivalent to ${s(f)}?`, `Which fraction has the same value as ${s(f)}?`]),
          answer,
          wrongs,
          steps: [`Multiplying the numerator and the denominator by the same number keeps the value.`, `${s(f)} = (${f.n} × ${k})/(${f.d} × ${k}) = ${answer}.`, `Adding the same number to both (as in ${f.n + k}/${f.d + k}) changes the value.`],
          hardness,
        };
      },
    },
    {
      id: "fractions.simplify",
      name: "Simplify fractions",
      description: "Write a fraction in simplest form by dividing by the greatest common factor.",
      prerequisites: ["fractions.equivalent", "factors.gcf"],
      prefix: "fr-simplify",
      draft(rng) {
        const f = properFraction(rng, 2, 12);
        const k = rng.pick([2, 2, 3, 4, 5, 6, 8, 9, 10, 12]);
        const N = f.n * k;
        const D = f.d * k;
        const p = [2, 3, 5, 7].find((q) => k % q === 0) ?? k;
        const partial: [number, number] = p === k ? [N + f.n, D + f.d] : [N / p, D / p];
        const hardness = clamp01(Math.log2(k) / Math.log2(12) * 0.6 + D / 144 * 0.4);
        return {
          prompt: rng.pick([`Write the fraction ${N}/${D} in simplest form.`, `Simplify ${N}/${D}.`, `What is ${N}/${D} reduced to lowest terms?`]),
          answer: s(f),
          accepted: [s(f)],
          freeHint: "Type it like 2/5.",
          wrongs: [
            ...(p === k ? [] : [`${partial[0]}/${partial[1]}`]), // stopped after one common factor
            `${f.d}/${f.n}`,
            `${f.n}/${D}`,
            `${N - f.n * (k - 1) + 1}/${f.d}`,
            `${Math.max(1, f.n - 1)}/${f.d + 1}`,
            `${f.n + 1}/${f.d + 1}`,
          ].filter((w) => w !== `${f.n}/${f.d}`),
          steps: [`GCF(${N}, ${D}) = ${k}.`, `Divide both by ${k}: ${N} ÷ ${k} = ${f.n}, ${D} ÷ ${k} = ${f.d}.`, `${N}/${D} = ${s(f)}, and ${f.n} and ${f.d} share no factor but 1.`],
          hardness,
        };
      },
    },
    {
      id: "fractions.compare",
      name: "Compare fractions",
      description: "Compare and order fractions with like and unlike denominators.",
      prerequisites: ["fractions.equivalent"],
      prefix: "fr-compare",
      draft(rng) {
        const fs: Frac[] = [];
        while (fs.length < 4) {
          const f = properFraction(rng, 2, 12);
          if (!fs.some((g) => sameValue(g, f))) fs.push(f);
        }
        const greatest = rng.chance(0.6);
        const val = (f: Frac) => f.n / f.d;
        const sorted = [...fs].sort((a, b) => val(a) - val(b));
        const target = (greatest ? sorted[3] : sorted[0]) ?? fs[0] ?? { n: 1, d: 2 };
        const gaps = sorted.slice(1).map((f, i) => val(f) - val(sorted[i] ?? f));
        const L = fs.reduce((acc, f) => lcm(acc, f.d), 1);
        const hardness = clamp01((1 - Math.min(...gaps) * 8) * 0.5 + Math.min(L, 360) / 360 * 0.5);
        const steps = [`Rewrite over a common denominator ${L}: ${fs.map((f) => `${s(f)} = ${(f.n * L) / f.d}/${L}`).join(", ")}.`, `Compare numerators: the ${greatest ? "greatest" : "least"} is ${s(target)}.`];
        if (rng.chance(0.35)) {
          const people = someNames(rng, 4);
          const winner = people[fs.indexOf(target)] ?? "";
          return {
            prompt: `${fs.map((f, i) => `${people[i]} ran ${s(f)} of a mile`).join(", ")}. Who ran the ${greatest ? "farthest" : "shortest distance"}? (Compare the fractions.)`,
            answer: winner,
            wrongs: people.filter((p) => p !== winner),
            steps,
            hardness,
            tags: word(),
          };
        }
        return {
          prompt: rng.pick([`Which fraction is the ${greatest ? "greatest" : "least"}?`, `Which of these fractions has the ${greatest ? "largest" : "smallest"} value?`]) + ` ${rng.shuffle(fs).map(s).join(", ")}`,
          answer: s(target),
          wrongs: fs.filter((f) => f !== target).map(s),
          steps,
          hardness,
        };
      },
    },
    {
      id: "fractions.mixed-numbers",
      name: "Mixed numbers and improper fractions",
      description: "Convert between mixed numbers and improper fractions.",
      prerequisites: ["fractions.meaning", "div.remainders"],
      prefix: "fr-mixed",
      draft(rng) {
        const d = rng.int(2, 12);
        const w = rng.int(1, 9);
        const r = rng.int(1, d - 1);
        const n = w * d + r;
        const f = frac(n, d);
        const hardness = clamp01(d / 12 * 0.4 + w / 9 * 0.4);
        if (gcd(r, d) === 1 && rng.chance(0.5)) {
          const answer = `${w} ${r}/${d}`;
          return {
            prompt: rng.pick([`Write the improper fraction ${n}/${d} as a mixed number.`, `Convert ${n}/${d} to a mixed number.`]),
            answer,
            accepted: [answer],
            wrongs: [`${r} ${w}/${d}`, `${w} ${d}/${r}`, `${w - 1 > 0 ? `${w - 1} ${r + d}/${d}` : `${w + 1} ${r}/${d}`}`, `${w} ${r + 1 < d ? r + 1 : r - 1}/${d}`, `${w + 1} ${r}/${d}`, `${w} ${r}/${d + 1}`, `${w + 2} ${r}/${d}`].filter((x) => !x.includes(" 0/") && x !== answer),
            steps: [`${n} ÷ ${d} = ${w} R ${r}.`, `The quotient ${w} is the whole number; the remainder ${r} is the new numerator over ${d}.`, `${n}/${d} = ${answer}.`],
            hardness: hardness + 0.1,
          };
        }
        const mixed = `${w} ${r}/${d}`;
        return {
          prompt: rng.pick([`Write the mixed number ${mixed} as an improper fraction.`, `Convert ${mixed} to an improper fraction.`]),
          answer: `${n}/${d}`,
          accepted: [`${n}/${d}`, ...(f.d !== d ? [s(f)] : [])],
          wrongs: [`${w * r + d}/${d}`, `${w * d}/${d}`, `${w + r}/${d}`, `${w * d + r}/${d * w}`, `${w * d - r}/${d}`, `${n + 1}/${d}`, `${n}/${d + 1}`, `${n + d}/${d}`].filter((x) => x !== `${n}/${d}`),
          steps: [`Whole part in ${d}ths: ${w} × ${d} = ${w * d}.`, `Add the numerator: ${w * d} + ${r} = ${n}.`, `${mixed} = ${n}/${d}.`],
          hardness,
        };
      },
    },
    {
      id: "fractions.add-like",
      name: "Add fractions with like denominators",
      description: "Add fractions that share a denominator and simplify the sum.",
      prerequisites: ["fractions.meaning"],
      prefix: "fr-add-like",
      draft: (rng) => likeDraft(rng, "+"),
    },
    {
      id: "fractions.subtract-like",
      name: "Subtract fractions with like denominators",
      description: "Subtract fractions that share a denominator and simplify the difference.",
      prerequisites: ["fractions.add-like"],
      prefix: "fr-sub-like",
      draft: (rng) => likeDraft(rng, "-"),
    },
    {
      id: "fractions.add-unlike",
      name: "Add fractions with unlike denominators",
      description: "Add fractions by rewriting them over a common denominator (the LCM).",
      prerequisites: ["fractions.add-like", "fractions.equivalent", "factors.lcm"],
      prefix: "fr-add-unlike",
      draft: (rng) => unlikeDraft(rng, "+"),
    },
    {
      id: "fractions.subtract-unlike",
      name: "Subtract fractions with unlike denominators",
      description: "Subtract fractions by rewriting them over a common denominator (the LCM).",
      prerequisites: ["fractions.subtract-like", "fractions.add-unlike"],
      prefix: "fr-sub-unlike",
      draft: (rng) => unlikeDraft(rng, "-"),
    },
    {
      id: "fractions.add-mixed",
      name: "Add and subtract mixed numbers",
      description: "Add and subtract mixed numbers, regrouping a whole when the fraction parts need it.",
      prerequisites: ["fractions.mixed-numbers", "fractions.subtract-unlike"],
      prefix: "fr-add-mixed",
      draft(rng) {
        const op = rng.chance(0.5) ? "+" : "-";
        const x = properFraction(rng, 2, 8);
        const y = properFraction(rng, 2, 8);
        let w1 = rng.int(1, 8);
        const w2 = rng.int(1, 6);
        if (op === "-" && w1 <= w2) w1 = w2 + rng.int(1, 3);
        const a = frac(w1 * x.d + x.n, x.d);
        const b = frac(w2 * y.d + y.n, y.d);
        const sign = op === "+" ? 1 : -1;
        const ans = frac(a.n * b.d + sign * b.n * a.d, a.d * b.d);
        const L = lcm(x.d, y.d);
        const fx = (x.n * L) / x.d;
        const fy = (y.n * L) / y.d;
        const regroup = op === "+" ? fx + fy >= L : fx < fy;
        // Misconceptions: no regrouping (a fraction part ≥ 1 left standing, or "smaller from larger").
        const noRegroup = op === "+" ? `${w1 + w2} ${fx + fy}/${L}` : `${w1 - w2} ${Math.abs(fx - fy)}/${L}`;
        const acrossParts = frac(x.n + sign * y.n, x.d + y.d);
        const wrongs = [
          ...(regroup && fx !== fy ? [noRegroup] : []),
          ...fracWrongs(ans, [[(w1 + sign * w2) * (x.d + y.d) + acrossParts.n * ((x.d + y.d) / acrossParts.d), x.d + y.d]], "mixed").filter(() => x.n + sign * y.n > 0),
          ...fracWrongs(ans, [[ans.n + ans.d, ans.d], [ans.n - ans.d, ans.d], [ans.n + 1, ans.d], [ans.n - 1, ans.d], [ans.n * 2 + 1, ans.d * 2]], "mixed"),
        ];
        const A = `${w1} ${s(x)}`;
        const B = `${w2} ${s(y)}`;
        const asWord = rng.chance(0.3);
        const who = rng.pick(NAMES);
        const ctx = op === "+" ? `${who} hiked ${A} miles on Saturday and ${B} miles on Sunday. How many miles in all?` : `A board is ${A} feet long. ${who} saws off ${B} feet. How long is the board now?`;
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${A} ${op} ${B}?`, `${op === "+" ? "Add" : "Subtract"} the mixed numbers: ${A} ${op} ${B}`]),
          answer: mixedStr(ans.n, ans.d),
          accepted: [mixedStr(ans.n, ans.d), s(ans)],
          freeHint: "Give your answer as a mixed number in simplest form.",
          wrongs,
          steps: [
            `Use the common denominator ${L}: ${A} = ${w1} ${fx}/${L} and ${B} = ${w2} ${fy}/${L}.`,
            regroup
              ? op === "+"
                ? `The fraction parts make ${fx + fy}/${L}, more than 1: regroup ${L}/${L} as one whole.`
                : `${fx}/${L} is smaller than ${fy}/${L}: regroup one whole as ${L}/${L}, giving ${w1 - 1} ${fx + L}/${L}.`
              : `The fraction parts need no regrouping.`,
            `${A} ${op} ${B} = ${mixedStr(ans.n, ans.d)}.`,
          ],
          hardness: clamp01((regroup ? 0.45 : 0) + (x.d !== y.d ? 0.3 : 0) + (op === "-" ? 0.2 : 0)),
          tags: asWord ? word(["mixed-numbers"]) : ["mixed-numbers"],
        };
      },
    },
    {
      id: "fractions.of-whole",
      name: "Fraction of a whole number",
      description: "Find a fraction of a quantity by dividing by the denominator and multiplying by the numerator.",
      prerequisites: ["fractions.meaning", "mult.facts"],
      prefix: "fr-of-whole",
      draft(rng) {
        const f = properFraction(rng, 2, 12);
        const unit = rng.int(2, 15);
        const W = f.d * unit;
        const ans = f.n * unit;
        const asWord = rng.chance(0.4);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `A class has ${W} students and ${s(f)} of them walk to school. How many students walk to school?`,
          `${who} had $${W} and spent ${s(f)} of it on a game. How many dollars did the game cost?`,
          `A tank holds ${W} litres and is ${s(f)} full. How many litres are in the tank?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${s(f)} of ${W}?`, `Find the fraction ${s(f)} of ${W}.`]),
          answer: String(ans),
          value: ans,
          wrongs: intWrongs(ans, [unit, W * f.n, W - ans, W - f.n, Math.round(W / f.n)]),
          steps: [`Divide by the denominator: ${W} ÷ ${f.d} = ${unit} (that is ${f.n === 1 ? "the answer" : `1/${f.d} of ${W}`}).`, `Multiply by the numerator: ${unit} × ${f.n} = ${ans}.`],
          hardness: clamp01(W / 180 * 0.6 + (f.n > 1 ? 0.3 : 0)),
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "fractions.multiply",
      name: "Multiply fractions",
      description: "Multiply fractions and whole numbers by fractions, simplifying the product.",
      prerequisites: ["fractions.of-whole", "fractions.simplify"],
      prefix: "fr-multiply",
      draft(rng) {
        if (rng.chance(0.3)) {
          const w = rng.int(2, 9);
          const f = properFraction(rng, 3, 12);
          const ans = frac(w * f.n, f.d);
          return {
            prompt: rng.pick([`What is ${w} × ${s(f)}?`, `Multiply the whole number by the fraction: ${w} × ${s(f)}`]),
            answer: s(ans),
            accepted: acceptedFrac(ans),
            freeHint: SIMPLEST,
            wrongs: fracWrongs(ans, [[w * f.n, w * f.d], [f.n, w * f.d], [w + f.n, f.d], [w * f.d, f.n], [w * f.n + 1, f.d]]),
            steps: [`Write ${w} as ${w}/1.`, `Multiply numerators and denominators: (${w} × ${f.n})/(1 × ${f.d}) = ${w * f.n}/${f.d}.`, gcd(w * f.n, f.d) > 1 ? `Simplify: ${s(ans)}.` : `Already in simplest form.`],
            hardness: clamp01(0.1 + w / 9 * 0.2 + (gcd(w * f.n, f.d) > 1 ? 0.2 : 0)),
          };
        }
        const x = properFraction(rng, 2, 10);
        const y = properFraction(rng, 2, 10);
        const ans = frac(x.n * y.n, x.d * y.d);
        const asWord = rng.chance(0.25);
        const who = rng.pick(NAMES);
        return {
          prompt: asWord ? `${who} has ${s(x)} of a cake and eats ${s(y)} of that piece. What fraction of the whole cake does ${who} eat?` : rng.pick([`What is ${s(x)} × ${s(y)}?`, `Multiply the fractions ${s(x)} × ${s(y)}.`]),
          answer: s(ans),
          accepted: acceptedFrac(ans),
          freeHint: SIMPLEST,
          wrongs: fracWrongs(ans, [[x.n * y.d, x.d * y.n], [x.n * y.n, x.d], [x.n + y.n, x.d + y.d], [x.n * y.n, x.d + y.d], [x.n * y.d + y.n * x.d, x.d * y.d], [x.n * y.n + 1, x.d * y.d]]),
          steps: [`Multiply numerators: ${x.n} × ${y.n} = ${x.n * y.n}. Multiply denominators: ${x.d} × ${y.d} = ${x.d * y.d}.`, gcd(x.n * y.n, x.d * y.d) > 1 ? `Simplify ${x.n * y.n}/${x.d * y.d} = ${s(ans)}.` : `${s(ans)} is in simplest form.`, `No common denominator is needed to multiply.`],
          hardness: clamp01(0.35 + x.d * y.d / 100 * 0.4 + (gcd(x.n * y.n, x.d * y.d) > 1 ? 0.2 : 0)),
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "fractions.divide",
      name: "Divide fractions",
      description: "Divide by a fraction by multiplying by its reciprocal (keep, change, flip).",
      prerequisites: ["fractions.multiply"],
      prefix: "fr-divide",
      draft(rng) {
        if (rng.chance(0.3)) {
          const w = rng.int(2, 8);
          const u = rng.int(2, 6);
          const ans = w * u;
          return {
            prompt: rng.pick([`How many 1/${u}-cup servings are in ${w} cups of rice?`, `A ${w}-metre rope is cut into pieces 1/${u} metre long. How many pieces are there?`]),
            answer: String(ans),
            value: ans,
            wrongs: intWrongs(ans, [w + u, u, w * u + u, Math.max(1, w - u)]).concat(fracWrongs(frac(ans, 1), [[w, u]])),
            steps: [`Divide: ${w} ÷ 1/${u}.`, `Dividing by 1/${u} is multiplying by ${u}: ${w} × ${u} = ${ans}.`, `Each whole holds ${u} pieces, and there are ${w} wholes.`],
            hardness: clamp01(0.1 + ans / 48 * 0.3),
            tags: word(),
          };
        }
        const x = properFraction(rng, 2, 10);
        const y = properFraction(rng, 2, 10);
        const ans = frac(x.n * y.d, x.d * y.n);
        return {
          prompt: rng.pick([`What is ${s(x)} ÷ ${s(y)}?`, `Divide the fractions: ${s(x)} ÷ ${s(y)}`, `Find the quotient of the fractions ${s(x)} and ${s(y)}.`]),
          answer: s(ans),
          accepted: acceptedFrac(ans),
          freeHint: SIMPLEST,
          wrongs: fracWrongs(ans, [[x.d * y.n, x.n * y.d], [x.n * y.n, x.d * y.d], [x.d * y.d, x.n * y.n], [x.n * y.d + 1, x.d * y.n], [x.n * y.d, x.d * y.n + 1]]),
          steps: [`Keep ${s(x)}, change ÷ to ×, flip the divisor ${s(y)} to ${y.d}/${y.n}.`, `${s(x)} × ${y.d}/${y.n} = ${x.n * y.d}/${x.d * y.n}.`, gcd(x.n * y.d, x.d * y.n) > 1 ? `Simplify: ${s(ans)}.` : `${s(ans)} is in simplest form.`],
          hardness: clamp01(0.4 + x.d * y.n / 90 * 0.3 + (ans.n > ans.d ? 0.15 : 0) + (gcd(x.n * y.d, x.d * y.n) > 1 ? 0.15 : 0)),
        };
      },
    },
  ],
};
