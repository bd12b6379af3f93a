/**
 * Strand "equations": one- and two-step linear equations, variables on both sides,
 * parentheses, and word problems. Solutions are chosen first and the equation built around
 * them, so every answer is an integer; distractors are the results of the classic wrong
 * moves (wrong inverse operation, dividing before subtracting, sign slips).
 */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, intWrongs, linear, paren } from "./math";
import type { Rng } from "./random";
import { NAMES } from "./random";

function nonZero(rng: Rng, max: number): number {
  const v = rng.int(1, max);
  return rng.chance(0.5) ? v : -v;
}

const VARS = ["x", "x", "x", "n", "y", "t"] as const;

export const equationsStrand: StrandDef = {
  strand: "equations",
  skills: [
    {
      id: "equations.one-step-add",
      name: "One-step equations (addition and subtraction)",
      description: "Solve x + a = b and x − a = b using the inverse operation.",
      prerequisites: ["expressions.evaluate", "integers.subtract"],
      prefix: "eq-one-add",
      draft(rng) {
        const v = rng.pick(VARS);
        const neg = rng.chance(0.35);
        const x = neg ? rng.int(-20, 30) : rng.int(1, 50);
        const a = neg ? nonZero(rng, 20) : rng.int(1, 40);
        const kind = rng.int(0, 2);
        const who = rng.pick(NAMES);
        if (kind === 2 && !neg) {
          const total = x + a;
          return {
            prompt: `${who} had some stickers and was given ${a} more. Now ${who} has ${total}. Write an equation and solve it: how many stickers did ${who} start with?`,
            answer: String(x),
            value: x,
            wrongs: intWrongs(x, [total + a, a, total]),
            steps: [`Let s be the starting number: s + ${a} = ${total}.`, `Subtract ${a} from both sides: s = ${total} - ${a} = ${x}.`],
            hardness: 0.3,
            tags: word(),
          };
        }
        const plus = kind === 0;
        const rhs = plus ? x + a : x - a;
        const eq = plus ? `${v} + ${paren(a)} = ${rhs}` : `${v} - ${paren(a)} = ${rhs}`;
        return {
          prompt: rng.pick([`Solve the equation ${eq}.`, `Solve for ${v}: ${eq}`, `What value of ${v} makes the equation ${eq} true?`]),
          answer: String(x),
          value: x,
          wrongs: intWrongs(x, [plus ? rhs + a : rhs - a, -x, plus ? a - rhs : a + rhs]),
          steps: [plus ? `Undo adding ${paren(a)}: subtract ${paren(a)} from both sides.` : `Undo subtracting ${paren(a)}: add ${paren(a)} to both sides.`, `${v} = ${rhs} ${plus ? "-" : "+"} ${paren(a)} = ${x}.`, `Check: ${plus ? `${x} + ${paren(a)}` : `${x} - ${paren(a)}`} = ${rhs}.`],
          hardness: clamp01((neg ? 0.5 : 0.1) + (plus ? 0 : 0.2) + Math.abs(rhs) / 80 * 0.2),
          tags: neg ? ["negative-numbers"] : [],
        };
      },
    },
    {
      id: "equations.one-step-multiply",
      name: "One-step equations (multiplication and division)",
      description: "Solve ax = b and x/a = b, including negative coefficients.",
      prerequisites: ["equations.one-step-add", "integers.multiply-divide"],
      prefix: "eq-one-mul",
      draft(rng) {
        const v = rng.pick(VARS);
        const a = rng.chance(0.35) ? -rng.int(2, 12) : rng.int(2, 12);
        const x = nonZero(rng, 15);
        const who = rng.pick(NAMES);
        if (rng.chance(0.5)) {
          const b = a * x;
          if (a > 0 && x > 0 && rng.chance(0.4)) {
            return {
              prompt: `${who} buys ${a} identical notebooks for $${b}. Solve the equation ${a}p = ${b} to find the price p of one notebook, in dollars.`,
              answer: String(x),
              value: x,
              wrongs: intWrongs(x, [b * a, b - a, b + a]),
              steps: [`${a}p = ${b}.`, `Divide both sides by ${a}: p = ${b} ÷ ${a} = ${x}.`],
              hardness: 0.2,
              tags: word(),
            };
          }
          return {
            prompt: rng.pick([`Solve the equation ${a}${v} = ${b}.`, `Solve for ${v}: ${a}${v} = ${b}`]),
            answer: String(x),
            value: x,
            wrongs: intWrongs(x, [-x, b * a, b - a]),
            steps: [`${a}${v} means ${a} × ${v}; undo it by dividing both sides by ${a}.`, `${v} = ${b} ÷ ${paren(a)} = ${x}.`],
            hardness: clamp01((a < 0 ? 0.4 : 0.1) + (b < 0 ? 0.2 : 0) + Math.abs(b) / 180 * 0.3),
            tags: a < 0 || b < 0 ? ["negative-numbers"] : [],
          };
        }
        const q = x;
        const d = Math.abs(a);
        const ans = q * d;
        return {
          prompt: rng.pick([`Solve the equation ${v}/${d} = ${q}.`, `Solve for ${v}: ${v} ÷ ${d} = ${q}`]),
          answer: String(ans),
          value: ans,
          wrongs: intWrongs(ans, [Number.isInteger(q / d) ? q / d : q + d, q - d, q + d, -ans]),
          steps: [`${v} is divided by ${d}; undo it by multiplying both sides by ${d}.`, `${v} = ${q} × ${d} = ${ans}.`],
          hardness: clamp01(0.3 + (q < 0 ? 0.3 : 0) + Math.abs(ans) / 180 * 0.3),
          tags: q < 0 ? ["negative-numbers"] : [],
        };
      },
    },
    {
      id: "equations.two-step",
      name: "Two-step equations",
      description: "Solve ax + b = c by undoing addition or subtraction first, then multiplication.",
      prerequisites: ["equations.one-step-multiply"],
      prefix: "eq-two-step",
      draft(rng) {
        const v = rng.pick(VARS);
        const a = rng.chance(0.3) ? -rng.int(2, 9) : rng.int(2, 9);
        const b = nonZero(rng, 20);
        const x = rng.chance(0.7) ? rng.int(1, 12) : -rng.int(1, 12);
        const c = a * x + b;
        const lhs = linear([[a, v], [b, ""]]);
        const wrongs = [(c + b) / a, c / a - b, (c - b) * a, -x, (c - b) / -a].filter(Number.isInteger);
        return {
          prompt: rng.pick([`Solve the equation ${lhs} = ${c}.`, `Solve for ${v}: ${lhs} = ${c}`, `Find ${v} if ${lhs} = ${c}.`]),
          answer: String(x),
          value: x,
          wrongs: intWrongs(x, wrongs),
          steps: [`${b > 0 ? `Subtract ${b}` : `Add ${-b}`} on both sides: ${linear([[a, v]])} = ${c - b}.`, `Divide both sides by ${a}: ${v} = ${c - b} ÷ ${paren(a)} = ${x}.`, `Check: ${a} × ${paren(x)} ${b < 0 ? "-" : "+"} ${Math.abs(b)} = ${c}.`],
          hardness: clamp01((a < 0 ? 0.35 : 0) + (b < 0 ? 0.2 : 0) + (x < 0 ? 0.25 : 0) + Math.abs(c) / 120 * 0.2),
          tags: a < 0 || x < 0 || c < 0 ? ["negative-numbers"] : [],
        };
      },
    },
    {
      id: "equations.variables-both-sides",
      name: "Equations with variables on both sides",
      description: "Collect the variable terms on one side, then solve.",
      prerequisites: ["equations.two-step", "expressions.like-terms"],
      prefix: "eq-both-sides",
      draft(rng) {
        const v = rng.pick(VARS);
        const x = nonZero(rng, 10);
        let a = rng.int(2, 12);
        let c = rng.int(1, 11);
        if (a === c) a++;
        if (rng.chance(0.3)) c = -c;
        const b = nonZero(rng, 20);
        const d = a * x + b - c * x;
        const eq = `${linear([[a, v], [b, ""]])} = ${linear([[c, v], [d, ""]])}`;
        const wrongs = [(d - b) / (a + c), (d + b) / (a - c), -x, (b - d) / (a - c) === -x ? x + 1 : (b - d) / (a - c)].filter(Number.isInteger);
        return {
          prompt: rng.pick([`Solve the equation ${eq}.`, `Solve for ${v}: ${eq}`]),
          answer: String(x),
          value: x,
          wrongs: intWrongs(x, wrongs),
          steps: [`${c > 0 ? `Subtract ${linear([[c, v]])}` : `Add ${linear([[-c, v]])}`} on both sides: ${linear([[a - c, v], [b, ""]])} = ${d}.`, `${b > 0 ? `Subtract ${b}` : `Add ${-b}`}: ${linear([[a - c, v]])} = ${d - b}.`, ...(a - c === 1 ? [] : [`Divide by ${a - c}: ${v} = ${x}.`])],
          hardness: clamp01((c < 0 ? 0.35 : 0.1) + (x < 0 ? 0.3 : 0) + (b < 0 ? 0.15 : 0) + Math.abs(a - c) / 12 * 0.1),
        };
      },
    },
    {
      id: "equations.distributive",
      name: "Equations with parentheses",
      description: "Solve a(x + b) = c by distributing or by dividing first.",
      prerequisites: ["equations.two-step", "expressions.distributive"],
      prefix: "eq-parens",
      draft(rng) {
        const v = rng.pick(VARS);
        const a = rng.chance(0.25) ? -rng.int(2, 8) : rng.int(2, 8);
        const b = nonZero(rng, 12);
        const x = nonZero(rng, 12);
        const c = a * (x + b);
        const inside = linear([[1, v], [b, ""]]);
        const wrongs = [(c - b) / a, c / a + b, c - a * b, (c - a * b) / a === x ? x + a : (c - b) / a].filter(Number.isInteger);
        return {
          prompt: rng.pick([`Solve the equation ${a}(${inside}) = ${c}.`, `Solve for ${v}: ${a}(${inside}) = ${c}`]),
          answer: String(x),
          value: x,
          wrongs: intWrongs(x, wrongs),
          steps: [`Distribute: ${linear([[a, v], [a * b, ""]])} = ${c}.`, `${a * b > 0 ? `Subtract ${a * b}` : `Add ${-a * b}`}: ${linear([[a, v]])} = ${c - a * b}.`, `Divide by ${a}: ${v} = ${x}.`],
          hardness: clamp01((a < 0 ? 0.35 : 0.05) + (b < 0 ? 0.2 : 0) + (x < 0 ? 0.25 : 0) + Math.abs(c) / 160 * 0.2),
        };
      },
    },
    {
      id: "equations.word-problems",
      name: "Linear equation word problems",
      description: "Model a situation with a linear equation and solve it.",
      prerequisites: ["equations.two-step", "expressions.write"],
      prefix: "eq-word",
      draft(rng) {
        const who = rng.pick(NAMES);
        switch (rng.int(0, 3)) {
          case 0: {
            const fee = rng.int(10, 60);
            const monthly = rng.int(8, 45);
            const m = rng.int(2, 12);
            const total = fee + monthly * m;
            return {
              prompt: `A gym charges a $${fee} sign-up fee plus $${monthly} per month. ${who} has paid $${total} in total. Write and solve an equation to find how many months ${who} has been a member.`,
              answer: String(m),
              value: m,
              wrongs: intWrongs(m, [Math.round((total + fee) / monthly), Math.round(total / monthly), total - fee, m + 1]),
              steps: [`Let m be the number of months: ${fee} + ${monthly}m = ${total}.`, `Subtract ${fee}: ${monthly}m = ${total - fee}.`, `Divide by ${monthly}: m = ${m}.`],
              hardness: clamp01(0.3 + total / 600 * 0.4),
              tags: word(),
            };
          }
          case 1: {
            const first = rng.int(-10, 60);
            const k = rng.pick([3, 4, 5]);
            const sum = (k * (2 * first + k - 1)) / 2;
            return {
              prompt: `The sum of ${k} consecutive integers is ${sum}. Write an equation and find the smallest of the integers.`,
              answer: String(first),
              value: first,
              wrongs: intWrongs(first, [Math.round(sum / k), first + 1, first + k - 1, Math.round(sum / k) - k]),
              steps: [`Let n be the smallest: n + (n + 1)${k > 2 ? ` + (n + 2)` : ""}${k > 3 ? ` + (n + 3)` : ""}${k > 4 ? ` + (n + 4)` : ""} = ${sum}.`, `${k}n + ${(k * (k - 1)) / 2} = ${sum}, so ${k}n = ${sum - (k * (k - 1)) / 2}.`, `n = ${first}.`],
              hardness: clamp01(0.6 + (first < 0 ? 0.3 : 0)),
              tags: word(["consecutive-integers"]),
            };
          }
          case 2: {
            const adult = rng.int(8, 20);
            const child = rng.int(3, adult - 2);
            const nChild = rng.int(2, 6);
            const nAdult = rng.int(1, 8);
            const total = adult * nAdult + child * nChild;
            return {
              prompt: `A family buys ${nChild} child tickets at $${child} each and some adult tickets at $${adult} each, for $${total} in all. Write and solve an equation for the number of adult tickets.`,
              answer: String(nAdult),
              value: nAdult,
              wrongs: intWrongs(nAdult, [Math.round(total / adult), Math.round((total + child * nChild) / adult), nAdult + nChild, nAdult + 1]),
              steps: [`Let a be the number of adult tickets: ${adult}a + ${nChild} × ${child} = ${total}.`, `${adult}a + ${nChild * child} = ${total}, so ${adult}a = ${total - nChild * child}.`, `a = ${nAdult}.`],
              hardness: clamp01(0.4 + total / 200 * 0.3),
              tags: word(["money"]),
            };
          }
          default: {
            const w = rng.int(2, 20);
            const extra = rng.int(1, 10);
            const l = w + extra;
            const P = 2 * (l + w);
            return {
              prompt: `A rectangle's length is ${extra} cm more than its width, and its perimeter is ${P} cm. Write and solve an equation to find the width, in cm.`,
              answer: String(w),
              value: w,
              wrongs: intWrongs(w, [l, (P - extra) / 2, P / 4, (P - 2 * extra) / 2].filter(Number.isInteger)),
              steps: [`Let w be the width; the length is w + ${extra}.`, `Perimeter: 2w + 2(w + ${extra}) = ${P}, so 4w + ${2 * extra} = ${P}.`, `4w = ${P - 2 * extra}, w = ${w}.`],
              hardness: clamp01(0.6 + P / 120 * 0.3),
              tags: word(["geometry"]),
            };
          }
        }
      },
    },
  ],
};
