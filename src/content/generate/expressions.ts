/**
 * Strand "expressions": exponents, order of operations (whole numbers, then integers),
 * evaluating, writing, combining like terms and the distributive property. Order-of-
 * operations distractors are the values of the same expression evaluated in a wrong order.
 */
import type { Draft, StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, commas, intWrongs, linear, paren, spellings } from "./math";
import type { Rng } from "./random";
import { NAMES } from "./random";

const SUPERSCRIPT = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"] as const;
function sup(n: number): string {
  return String(n).split("").map((d) => SUPERSCRIPT[Number(d)] ?? d).join("");
}

interface OrderCase {
  expr: string;
  value: number;
  /** Values from a wrong order of operations. */
  wrong: number[];
  steps: string[];
  ops: number;
}

function orderPrompt(rng: Rng, c: OrderCase, hardness: number, tags: string[]): Draft {
  return {
    prompt: rng.pick(["Evaluate: ", "Use the order of operations to evaluate: ", "What is the value of this expression: "]) + c.expr,
    answer: String(c.value),
    value: c.value,
    wrongs: intWrongs(c.value, c.wrong),
    steps: [...c.steps, `So ${c.expr} = ${c.value}.`],
    hardness,
    tags,
  };
}

function wholeOrderCase(rng: Rng): OrderCase {
  const a = rng.int(2, 20);
  const b = rng.int(2, 9);
  const c = rng.int(2, 9);
  const d = rng.int(1, 9);
  switch (rng.int(0, 7)) {
    case 0:
      return { expr: `${a} + ${b} × ${c}`, value: a + b * c, wrong: [(a + b) * c], steps: [`Multiply first: ${b} × ${c} = ${b * c}.`, `Then add: ${a} + ${b * c} = ${a + b * c}.`], ops: 2 };
    case 1: {
      const big = b * c + a;
      return { expr: `${big} - ${b} × ${c}`, value: a, wrong: [(big - b) * c], steps: [`Multiply first: ${b} × ${c} = ${b * c}.`, `Then subtract: ${big} - ${b * c} = ${a}.`], ops: 2 };
    }
    case 2:
      return { expr: `${b} × (${a} + ${c}) - ${d}`, value: b * (a + c) - d, wrong: [b * a + c - d, b * (a + c - d)], steps: [`Parentheses first: ${a} + ${c} = ${a + c}.`, `Multiply: ${b} × ${a + c} = ${b * (a + c)}.`, `Subtract: ${b * (a + c)} - ${d} = ${b * (a + c) - d}.`], ops: 3 };
    case 3: {
      const n = b * c * d;
      return { expr: `${n} ÷ ${b} × ${c}`, value: c * d * c, wrong: [d, n / b + c], steps: [`Multiplication and division go left to right.`, `${n} ÷ ${b} = ${c * d}.`, `${c * d} × ${c} = ${c * d * c}.`], ops: 2 };
    }
    case 4:
      return { expr: `${a} + ${b}² × ${c}`, value: a + b * b * c, wrong: [a + 2 * b * c, (a + b * b) * c, (a + b) ** 2 * c], steps: [`Exponent first: ${b}² = ${b * b}.`, `Multiply: ${b * b} × ${c} = ${b * b * c}.`, `Add: ${a} + ${b * b * c} = ${a + b * b * c}.`], ops: 3 };
    case 5: {
      const big = a + b + 10;
      return { expr: `${big} - ${b} + ${c}`, value: big - b + c, wrong: [big - (b + c)], steps: [`Addition and subtraction go left to right.`, `${big} - ${b} = ${big - b}.`, `${big - b} + ${c} = ${big - b + c}.`], ops: 2 };
    }
    case 6: {
      const s = b + c;
      const div = rng.pick([2, 4, s].filter((x) => (s * s) % x === 0));
      return { expr: `(${b} + ${c})² ÷ ${div}`, value: (s * s) / div, wrong: [(b * b + c * c) / div, (2 * s) / div, s * s * div].filter(Number.isInteger), steps: [`Parentheses: ${b} + ${c} = ${s}.`, `Exponent: ${s}² = ${s * s}.`, `Divide: ${s * s} ÷ ${div} = ${(s * s) / div}.`], ops: 3 };
    }
    default: {
      const n = d * rng.int(2, 9);
      return { expr: `${a} × ${b} - ${n} ÷ ${d}`, value: a * b - n / d, wrong: [(a * b - n) / d, a * (b - n / d)].filter(Number.isInteger), steps: [`Multiply and divide first: ${a} × ${b} = ${a * b} and ${n} ÷ ${d} = ${n / d}.`, `Subtract: ${a * b} - ${n / d} = ${a * b - n / d}.`], ops: 3 };
    }
  }
}

function integerOrderCase(rng: Rng): OrderCase {
  const a = rng.int(2, 15);
  const b = rng.int(2, 9);
  const c = rng.int(2, 9);
  const d = rng.int(1, 9);
  switch (rng.int(0, 4)) {
    case 0:
      return { expr: `-${b}² + ${c}`, value: -(b * b) + c, wrong: [b * b + c, -(b * b) - c], steps: [`The exponent applies to ${b} only: -${b}² = -(${b}²) = ${-(b * b)}.`, `${-(b * b)} + ${c} = ${-(b * b) + c}.`], ops: 2 };
    case 1:
      return { expr: `${a} + (-${b}) × ${c}`, value: a - b * c, wrong: [(a - b) * c, a + b * c], steps: [`Multiply first: (-${b}) × ${c} = ${-b * c}.`, `${a} + (${-b * c}) = ${a - b * c}.`], ops: 2 };
    case 2:
      return { expr: `-${a} - ${b} × (${c} - ${c + d})`, value: -a + b * d, wrong: [-a - b * d, (-a - b) * -d, a + b * d], steps: [`Parentheses: ${c} - ${c + d} = ${-d}.`, `Multiply: ${b} × (${-d}) = ${-b * d}.`, `-${a} - (${-b * d}) = -${a} + ${b * d} = ${-a + b * d}.`], ops: 3 };
    case 3: {
      const n = b * c;
      return { expr: `${-n} ÷ (-${b}) - ${d} × ${a}`, value: c - d * a, wrong: [-c - d * a, (c - d) * a, c + d * a], steps: [`Divide: ${-n} ÷ (-${b}) = ${c} (same signs, positive).`, `Multiply: ${d} × ${a} = ${d * a}.`, `${c} - ${d * a} = ${c - d * a}.`], ops: 3 };
    }
    default:
      return { expr: `(${b} - ${b + d})² - ${c}`, value: d * d - c, wrong: [-(d * d) - c, d * d + c, b * b - (b + d) ** 2 - c], steps: [`Parentheses: ${b} - ${b + d} = ${-d}.`, `Exponent: (${-d})² = ${d * d} (a negative squared is positive).`, `${d * d} - ${c} = ${d * d - c}.`], ops: 3 };
  }
}

/** A phrase, its expression and its wrong translations, for a variable v. */
function phraseCase(rng: Rng, v: string): { phrase: string; answer: string; wrongs: string[]; extra: string[]; hardness: number } {
  const b = rng.int(2, 9);
  let a = rng.int(2, 12);
  if (a === b) a += 1; // equal numbers would make "bn + a" and "an + b" the same choice
  switch (rng.int(0, 5)) {
    case 0:
      return { phrase: `${a} less than ${b} times a number ${v}`, answer: `${b}${v} - ${a}`, wrongs: [`${a} - ${b}${v}`, `${b}(${v} - ${a})`, `${b}${v} + ${a}`], extra: [`-${a} + ${b}${v}`, `${b}*${v} - ${a}`], hardness: 0.5 };
    case 1:
      return { phrase: `the sum of a number ${v} and ${a}, multiplied by ${b}`, answer: `${b}(${v} + ${a})`, wrongs: [`${b}${v} + ${a}`, `${v} + ${a * b}`, `${b} + ${v} + ${a}`], extra: [`${b}(${a} + ${v})`, `(${v} + ${a})${b}`, `${b}*(${v} + ${a})`], hardness: 0.6 };
    case 2:
      return { phrase: `${b} times a number ${v}, increased by ${a}`, answer: `${b}${v} + ${a}`, wrongs: [`${b}(${v} + ${a})`, `${a}${v} + ${b}`, `${b} + ${v} + ${a}`], extra: [`${a} + ${b}${v}`, `${b}*${v} + ${a}`], hardness: 0.2 };
    case 3:
      return { phrase: `the quotient of a number ${v} and ${b}, decreased by ${a}`, answer: `${v}/${b} - ${a}`, wrongs: [`${b}/${v} - ${a}`, `(${v} - ${a})/${b}`, `${a} - ${v}/${b}`], extra: [], hardness: 0.7 };
    case 4:
      return { phrase: `${a} more than the square of a number ${v}`, answer: `${v}² + ${a}`, wrongs: [`2${v} + ${a}`, `(${v} + ${a})²`, `${a}${v}²`], extra: [`${v}^2 + ${a}`, `${a} + ${v}²`, `${a} + ${v}^2`], hardness: 0.6 };
    default:
      return { phrase: `${b} times the difference of a number ${v} and ${a}`, answer: `${b}(${v} - ${a})`, wrongs: [`${b}${v} - ${a}`, `${b}(${a} - ${v})`, `${v} - ${b * a}`], extra: [`${b}*(${v} - ${a})`], hardness: 0.8 };
  }
}

export const expressionsStrand: StrandDef = {
  strand: "expressions",
  skills: [
    {
      id: "expressions.exponents",
      name: "Exponents and square roots",
      description: "Evaluate powers, products of powers with the same base, and square roots of perfect squares.",
      prerequisites: ["mult.facts"],
      prefix: "ex-exponents",
      draft(rng) {
        const kind = rng.int(0, 2);
        if (kind === 0) {
          const a = rng.int(2, 10);
          const n = rng.int(2, a <= 3 ? 6 : a <= 5 ? 4 : 3);
          const v = a ** n;
          return {
            prompt: rng.pick([`What is the value of ${a}${sup(n)}?`, `Evaluate the power ${a}${sup(n)} (${a} to the power ${n}).`]),
            answer: commas(v),
            value: v,
            wrongs: intWrongs(v, [a * n, n ** a, a ** (n - 1), a + n, a ** (n + 1)], commas),
            steps: [`${a}${sup(n)} means ${n} factors of ${a}: ${Array(n).fill(a).join(" × ")}.`, `= ${commas(v)} (not ${a} × ${n}).`],
            hardness: clamp01(Math.log10(v) / 4 * 0.8),
          };
        }
        if (kind === 1) {
          const a = rng.int(2, 5);
          const m = rng.int(2, 4);
          const n = rng.int(1, 3);
          const v = a ** (m + n);
          return {
            prompt: `Evaluate the product of powers: ${a}${sup(m)} × ${a}${sup(n)}`,
            answer: commas(v),
            value: v,
            wrongs: intWrongs(v, [a ** (m * n), (a * a) ** (m + n), a ** m + a ** n, a ** (m + n + 1)], commas),
            steps: [`Same base: add the exponents, ${a}${sup(m)} × ${a}${sup(n)} = ${a}${sup(m + n)}.`, `${a}${sup(m + n)} = ${commas(v)}.`],
            hardness: clamp01(0.4 + Math.log10(v) / 5 * 0.5),
          };
        }
        const r = rng.int(2, 20);
        return {
          prompt: rng.pick([`What is the square root √${r * r}?`, `Find √${r * r}.`]),
          answer: String(r),
          value: r,
          wrongs: intWrongs(r, [(r * r) / 2, r * r * 2, r + 1, r - 1].filter(Number.isInteger)),
          steps: [`√${r * r} is the non-negative number whose square is ${r * r}.`, `${r} × ${r} = ${r * r}, so √${r * r} = ${r}.`],
          hardness: clamp01(r / 20 * 0.7),
        };
      },
    },
    {
      id: "expressions.order-of-operations",
      name: "Order of operations",
      description: "Evaluate whole-number expressions with parentheses, exponents, × ÷ left to right, then + − left to right.",
      prerequisites: ["expressions.exponents", "div.facts", "number.subtract-whole"],
      prefix: "ex-order",
      draft(rng) {
        const c = wholeOrderCase(rng);
        return orderPrompt(rng, c, clamp01((c.ops - 2) * 0.45 + (c.expr.includes("²") ? 0.3 : 0) + c.value / 400 * 0.2), []);
      },
    },
    {
      id: "expressions.order-of-operations-integers",
      name: "Order of operations with integers",
      description: "Evaluate expressions with negative numbers, including −a² versus (−a)².",
      prerequisites: ["expressions.order-of-operations", "integers.multiply-divide", "integers.subtract"],
      prefix: "ex-order-int",
      draft(rng) {
        const c = integerOrderCase(rng);
        return orderPrompt(rng, c, clamp01((c.ops - 2) * 0.5 + (c.expr.includes("²") ? 0.3 : 0) + Math.abs(c.value) / 100 * 0.2), ["negative-numbers"]);
      },
    },
    {
      id: "expressions.evaluate",
      name: "Evaluate algebraic expressions",
      description: "Substitute values, including negative values, into algebraic expressions.",
      prerequisites: ["expressions.order-of-operations-integers"],
      prefix: "ex-evaluate",
      draft(rng) {
        const a = rng.int(2, 9);
        const b = rng.int(1, 12);
        const x = rng.int(-6, 9) || 2;
        const y = rng.int(-5, 6) || -1;
        switch (rng.int(0, 3)) {
          case 0: {
            const v = a * x + b;
            return {
              prompt: rng.pick([`Evaluate ${a}x + ${b} when x = ${x}.`, `What is the value of the expression ${a}x + ${b} if x = ${x}?`]),
              answer: String(v),
              value: v,
              wrongs: intWrongs(v, [x > 0 ? Number(`${a}${x}`) + b : a * -x + b, a + x + b, a * (x + b)]),
              steps: [`Replace x with ${x}: ${a} × ${paren(x)} + ${b}.`, `${a * x} + ${b} = ${v}.`, `(${a}x means ${a} times x, not the digits ${a} and x side by side.)`],
              hardness: clamp01(x < 0 ? 0.45 : 0.1),
            };
          }
          case 1: {
            const v = a * x - b * y;
            return {
              prompt: `Evaluate ${a}x - ${b}y when x = ${x} and y = ${y}.`,
              answer: String(v),
              value: v,
              wrongs: intWrongs(v, [a * x + b * y, a * y - b * x, a * x - b * Math.abs(y), -v]),
              steps: [`Substitute: ${a} × ${paren(x)} - ${b} × ${paren(y)}.`, `= ${a * x} - ${paren(b * y)} = ${v}.`],
              hardness: clamp01(0.4 + (x < 0 ? 0.2 : 0) + (y < 0 ? 0.2 : 0)),
            };
          }
          case 2: {
            const n = -rng.int(1, 6);
            const v = n * n + a * n;
            return {
              prompt: `Evaluate x² + ${a}x when x = ${n}.`,
              answer: String(v),
              value: v,
              wrongs: intWrongs(v, [-(n * n) + a * n, n * n - a * n, 2 * n + a * n]),
              steps: [`Substitute with parentheses: (${n})² + ${a} × (${n}).`, `(${n})² = ${n * n}; ${a} × (${n}) = ${a * n}.`, `${n * n} + (${a * n}) = ${v}.`],
              hardness: 0.8,
              tags: ["negative-numbers"],
            };
          }
          default: {
            const t = Math.abs(x);
            const v = a * (t + b);
            const who = rng.pick(NAMES);
            return {
              prompt: `${who} uses the expression ${a}(t + ${b}) for the cost in dollars of a trip with t extra stops. Evaluate it when t = ${t}.`,
              answer: String(v),
              value: v,
              wrongs: intWrongs(v, [a * t + b, a + t + b, (a + t) * b]),
              steps: [`Substitute: ${a}(${t} + ${b}).`, `Parentheses first: ${t + b}; then × ${a} = ${v}.`],
              hardness: clamp01(0.3 + v / 200 * 0.2),
              tags: word(),
            };
          }
        }
      },
    },
    {
      id: "expressions.write",
      name: "Write expressions from words",
      description: "Translate verbal descriptions and situations into algebraic expressions.",
      prerequisites: ["expressions.evaluate"],
      prefix: "ex-write",
      draft(rng) {
        const v = rng.pick(["n", "x", "t", "k", "m"]);
        if (rng.chance(0.3)) {
          const each = rng.int(3, 25);
          let fee = rng.int(2, 15);
          if (fee === each) fee -= 1;
          const answer = `${each}${v} + ${fee}`;
          return {
            prompt: rng.pick([
              `Concert tickets cost $${each} each plus a $${fee} booking fee per order. Which expression gives the cost, in dollars, of ${v} tickets?`,
              `A taxi charges $${fee} to start plus $${each} per mile. Which expression gives the fare, in dollars, for ${v} miles?`,
            ]),
            answer,
            accepted: spellings(answer, `${fee} + ${each}${v}`, `${each}*${v} + ${fee}`),
            freeHint: `Write an expression in ${v}.`,
            wrongs: [`${each}(${v} + ${fee})`, `${fee}${v} + ${each}`, `${each} + ${fee} + ${v}`, `${each + fee}${v}`],
            steps: [`The part that changes with ${v} is $${each} per unit: ${each}${v}.`, `The fixed part is added once: + ${fee}.`, `Expression: ${answer}.`],
            hardness: 0.5,
            tags: word(),
          };
        }
        const c = phraseCase(rng, v);
        return {
          prompt: rng.pick([`Which expression means "${c.phrase}"?`, `Write "${c.phrase}" as an algebraic expression.`]),
          answer: c.answer,
          accepted: spellings(c.answer, ...c.extra),
          freeHint: `Use ${v} for the number.`,
          wrongs: c.wrongs,
          steps: [`Translate piece by piece: "${c.phrase}".`, `Watch the order: "less than" and "decreased by" subtract from what comes before; "the sum … multiplied by" needs parentheses.`, `Expression: ${c.answer}.`],
          hardness: c.hardness,
        };
      },
    },
    {
      id: "expressions.like-terms",
      name: "Combine like terms",
      description: "Simplify expressions by combining like terms, minding the sign in front of each term.",
      prerequisites: ["expressions.evaluate", "integers.add"],
      prefix: "ex-like-terms",
      draft(rng) {
        const v = rng.pick(["x", "y", "a", "n"]);
        const p = rng.int(2, 9);
        let r = -rng.int(1, 8);
        if (p + r === 0) r -= 1; // keep a variable term in the answer
        const q = rng.int(1, 12) * (rng.chance(0.3) ? -1 : 1);
        const s2 = rng.int(1, 12) * (rng.chance(0.5) ? -1 : 1);
        const two = rng.chance(0.35);
        const w = v === "y" ? "x" : "y";
        const t = two ? rng.int(1, 6) : 0;
        const expr = linear([[p, v], [q, ""], [r, v], [s2, ""], ...(two ? ([[t, w]] as const) : [])]);
        const answer = linear([[p + r, v], ...(two ? ([[t, w]] as const) : []), [q + s2, ""]]);
        const wrongs = [
          linear([[p + r + q + s2 + t, v]]), // everything into one term
          linear([[p - r, v], ...(two ? ([[t, w]] as const) : []), [q + s2, ""]]), // dropped the minus sign
          linear([[p + r, v], ...(two ? ([[t, w]] as const) : []), [q - s2, ""]]),
          linear([[p + r + t, v], [q + s2, ""]]),
          linear([[p + r, v], ...(two ? ([[t, w]] as const) : []), [q + s2 + 1, ""]]),
        ];
        return {
          prompt: rng.pick([`Simplify by combining like terms: ${expr}`, `Simplify the expression ${expr}.`]),
          answer,
          accepted: spellings(answer),
          freeHint: "Write the simplified expression.",
          wrongs,
          steps: [`Group the ${v}-terms: ${p}${v} and ${r}${v} (the minus belongs to the term) give ${linear([[p + r, v]])}.`, `Group the constants: ${q} and ${s2} give ${q + s2}.`, two ? `${t}${w} has no like term, so it stays.` : `There are no other terms.`, `Result: ${answer}.`],
          hardness: clamp01((two ? 0.4 : 0) + (q < 0 || s2 < 0 ? 0.3 : 0) + 0.1),
        };
      },
    },
    {
      id: "expressions.distributive",
      name: "The distributive property",
      description: "Expand a(bx + c), including with a negative factor.",
      prerequisites: ["expressions.like-terms", "integers.multiply-divide"],
      prefix: "ex-distribute",
      draft(rng) {
        const v = rng.pick(["x", "y", "n"]);
        const neg = rng.chance(0.4);
        const a = rng.int(2, 9) * (neg ? -1 : 1);
        const b = rng.int(1, 7);
        const c = rng.int(1, 12) * (rng.chance(0.5) ? -1 : 1);
        const inside = linear([[b, v], [c, ""]]);
        const expr = `${a === -1 ? "-" : a}(${inside})`;
        const answer = linear([[a * b, v], [a * c, ""]]);
        return {
          prompt: rng.pick([`Expand: ${expr}`, `Use the distributive property to rewrite ${expr} without parentheses.`]),
          answer,
          accepted: spellings(answer),
          freeHint: "Write the expanded expression.",
          wrongs: [linear([[a * b, v], [c, ""]]), linear([[a * b, v], [-a * c, ""]]), linear([[a + b, v], [a + c, ""]]), linear([[b, v], [a * c, ""]]), linear([[-a * b, v], [a * c, ""]])],
          steps: [`Multiply ${a} by each term inside: ${a} × ${b}${v} = ${linear([[a * b, v]])} and ${a} × ${paren(c)} = ${a * c}.`, `Result: ${answer}.`],
          hardness: clamp01((neg ? 0.45 : 0) + (c < 0 ? 0.3 : 0) + Math.abs(a * b) / 63 * 0.2),
        };
      },
    },
  ],
};
