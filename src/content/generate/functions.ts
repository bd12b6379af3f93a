/** Strand "linear-functions": evaluating functions, slope, slope-intercept form, the line through two points. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, frac, fracStr, fracWrongs, intWrongs, linear, paren, spellings } from "./math";
import type { Rng } from "./random";
import { NAMES } from "./random";

function nonZero(rng: Rng, max: number): number {
  const v = rng.int(1, max);
  return rng.chance(0.5) ? v : -v;
}

function line(m: number, b: number): string {
  return `y = ${linear([[m, "x"], [b, ""]])}`;
}

export const functionsStrand: StrandDef = {
  strand: "linear-functions",
  skills: [
    {
      id: "functions.evaluate",
      name: "Evaluate linear functions",
      description: "Evaluate f(x) = mx + b for a given input, and find the input for a given output.",
      prerequisites: ["expressions.evaluate"],
      prefix: "lf-evaluate",
      draft(rng) {
        const m = nonZero(rng, 9);
        const b = nonZero(rng, 15);
        const x = rng.int(-8, 10);
        const y = m * x + b;
        const f = linear([[m, "x"], [b, ""]]);
        if (rng.chance(0.3)) {
          return {
            prompt: `The function f(x) = ${f}. For which input x is f(x) = ${y}? Solve the equation ${f} = ${y}.`,
            answer: String(x),
            value: x,
            wrongs: intWrongs(x, [m * y + b, (y + b) / m, y, -x].filter(Number.isInteger)),
            steps: [`Set ${f} = ${y}.`, `${linear([[m, "x"]])} = ${y - b}.`, `x = ${x}.`],
            hardness: 0.8,
          };
        }
        const who = rng.pick(NAMES);
        const story = m > 0 && b > 0 && x > 0 && rng.chance(0.35);
        return {
          prompt: story
            ? `${who}'s phone plan costs C(g) = ${m}g + ${b} dollars for g gigabytes of data. What is C(${x})?`
            : rng.pick([`If f(x) = ${f}, what is f(${x})?`, `For the linear function f(x) = ${f}, find f(${x}).`]),
          answer: String(y),
          value: y,
          wrongs: intWrongs(y, [m * x - b, m + x + b, -m * x + b, (y - b) / m === x ? m * (x + b) : y + 1]),
          steps: [`Substitute ${x} for x: ${m} × ${paren(x)} ${b < 0 ? "-" : "+"} ${Math.abs(b)}.`, `= ${m * x} ${b < 0 ? "-" : "+"} ${Math.abs(b)} = ${y}.`],
          hardness: clamp01((x < 0 ? 0.3 : 0.05) + (m < 0 ? 0.2 : 0) + (b < 0 ? 0.1 : 0)),
          tags: story ? word() : [],
        };
      },
    },
    {
      id: "functions.slope",
      name: "Slope from two points",
      description: "Find the slope (rate of change) of a line through two points.",
      prerequisites: ["functions.evaluate", "fractions.simplify", "integers.subtract"],
      prefix: "lf-slope",
      draft(rng) {
        const x1 = rng.int(-6, 6);
        let x2 = rng.int(-6, 8);
        if (x2 === x1) x2 = x1 + rng.int(1, 4);
        const dx = x2 - x1;
        const integer = rng.chance(0.6);
        const dy = integer ? nonZero(rng, 5) * dx : nonZero(rng, 9);
        const story = rng.chance(0.25) && x1 >= 0 && x2 > x1;
        const y1 = rng.int(-8, 8) + (story ? 50 : 0); // a tank's volume stays positive
        const y2 = y1 + dy;
        const slope = frac(dy, dx);
        const wrongs = fracWrongs(slope, [[dx, dy], [-dy, dx], [y2 + y1, x2 + x1], [y2 - y1, x1 + x2], [dx, -dy]]);
        return {
          prompt: story
            ? `A tank holds ${y1} litres at minute ${x1} and ${y2} litres at minute ${x2}, changing at a constant rate. What is the rate of change (slope), in litres per minute?`
            : rng.pick([`What is the slope of the line through (${x1}, ${y1}) and (${x2}, ${y2})?`, `Find the slope of the line passing through the points (${x1}, ${y1}) and (${x2}, ${y2}).`]),
          answer: fracStr(slope.n, slope.d),
          accepted: spellings(fracStr(slope.n, slope.d)),
          ...(slope.d === 1 ? { value: slope.n } : {}),
          freeHint: "Give an integer or a fraction in simplest form.",
          wrongs,
          steps: [`Slope = change in y ÷ change in x = (${y2} - ${paren(y1)}) ÷ (${x2} - ${paren(x1)}).`, `= ${dy} ÷ ${dx} = ${fracStr(slope.n, slope.d)}.`, `Keep the same order of points on top and bottom; rise over run, not run over rise.`],
          hardness: clamp01((slope.d !== 1 ? 0.35 : 0) + (slope.n < 0 ? 0.25 : 0) + (x1 < 0 || y1 < 0 ? 0.2 : 0)),
          tags: story ? word(["rate"]) : [],
        };
      },
    },
    {
      id: "functions.slope-intercept",
      name: "Slope-intercept form",
      description: "Read the slope and y-intercept of y = mx + b, including after rearranging ax + y = c.",
      prerequisites: ["functions.slope"],
      prefix: "lf-intercept",
      draft(rng) {
        const m = nonZero(rng, 9);
        const b = nonZero(rng, 12);
        const kind = rng.int(0, 2);
        const say = (mm: number, bb: number) => `slope ${mm}, y-intercept ${bb}`;
        if (kind === 0) {
          return {
            prompt: rng.pick([`What are the slope and y-intercept of the line ${line(m, b)}?`, `For the linear equation ${line(m, b)}, name the slope and the y-intercept.`]),
            answer: say(m, b),
            wrongs: [say(b, m), say(-m, b), say(m, -b), say(-m, -b)],
            steps: [`In y = mx + b, m is the slope and b is the y-intercept.`, `${line(m, b)}: slope ${m}, y-intercept ${b}.`],
            hardness: clamp01((b < 0 ? 0.25 : 0) + (m < 0 ? 0.15 : 0)),
          };
        }
        if (kind === 1) {
          const a = -m;
          const eq = `${linear([[a, "x"], [1, "y"]])} = ${b}`;
          return {
            prompt: `What is the slope of the line ${eq}? (Rewrite the equation in slope-intercept form.)`,
            answer: String(m),
            value: m,
            wrongs: intWrongs(m, [a, b, -b]),
            steps: [`Solve for y: y = ${linear([[-a, "x"], [b, ""]])}.`, `The slope is the coefficient of x: ${m}.`],
            hardness: 0.7,
          };
        }
        return {
          prompt: `Which equation describes a line with slope ${m} and y-intercept ${b}?`,
          answer: line(m, b),
          accepted: spellings(line(m, b)),
          freeHint: "Write it as y = mx + b.",
          wrongs: [line(b, m), line(m, -b), line(-m, b), `x = ${linear([[m, "y"], [b, ""]])}`],
          steps: [`Slope-intercept form is y = mx + b.`, `Put m = ${m} and b = ${b}: ${line(m, b)}.`],
          hardness: 0.35,
        };
      },
    },
    {
      id: "functions.from-two-points",
      name: "Equation of a line through two points",
      description: "Write y = mx + b for the line through two points, or from a linear situation.",
      prerequisites: ["functions.slope-intercept", "equations.two-step"],
      prefix: "lf-two-points",
      draft(rng) {
        const m = nonZero(rng, 6);
        const b = nonZero(rng, 10);
        const x1 = rng.int(-5, 5);
        let x2 = rng.int(-5, 7);
        if (x2 === x1) x2 = x1 + rng.int(1, 3);
        const y1 = m * x1 + b;
        const y2 = m * x2 + b;
        const answer = line(m, b);
        const story = rng.chance(0.3);
        const wrongs = [line(m, y1 + m * x1), line(m, y1), line(-m, b), line(m, y2), line(m, -b), line(m, b + m), line(m, b - m), line(m + 1, b)];
        if (story && m > 0 && b > 0) {
          return {
            prompt: `A candle company charges a fixed fee plus a fixed price per candle. ${x1 > 0 ? x1 : 1} candle${(x1 > 0 ? x1 : 1) === 1 ? "" : "s"} cost $${m * (x1 > 0 ? x1 : 1) + b} and ${(x1 > 0 ? x1 : 1) + 3} candles cost $${m * ((x1 > 0 ? x1 : 1) + 3) + b}. Which equation gives the cost y, in dollars, for x candles?`,
            answer,
            wrongs: [line(m, 0), line(m * 3, b), line(m, m * (x1 > 0 ? x1 : 1) + b), line(b, m)],
            steps: [`Slope: (${m * ((x1 > 0 ? x1 : 1) + 3) + b} - ${m * (x1 > 0 ? x1 : 1) + b}) ÷ 3 = ${m} dollars per candle.`, `Intercept: ${m * (x1 > 0 ? x1 : 1) + b} - ${m} × ${x1 > 0 ? x1 : 1} = ${b}, the fixed fee.`, `${answer}.`],
            hardness: 0.6,
            tags: word(),
          };
        }
        return {
          prompt: rng.pick([`Which equation is the line through (${x1}, ${y1}) and (${x2}, ${y2})?`, `Write the equation, in slope-intercept form, of the line passing through (${x1}, ${y1}) and (${x2}, ${y2}).`]),
          answer,
          accepted: spellings(answer),
          freeHint: "Write it as y = mx + b.",
          wrongs,
          steps: [`Slope: (${y2} - ${paren(y1)}) ÷ (${x2} - ${paren(x1)}) = ${y2 - y1} ÷ ${x2 - x1} = ${m}.`, `Substitute (${x1}, ${y1}) into y = ${m}x + b: ${y1} = ${m * x1} + b, so b = ${b}.`, `${answer}.`],
          hardness: clamp01(0.3 + (m < 0 ? 0.2 : 0) + (x1 < 0 || x2 < 0 ? 0.2 : 0) + (b < 0 ? 0.2 : 0)),
        };
      },
    },
  ],
};
