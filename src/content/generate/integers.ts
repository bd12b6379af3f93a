/** Strand "integers": the number line and absolute value, and the four operations with negative numbers. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, intWrongs, paren } from "./math";
import type { Rng } from "./random";
import { NAMES } from "./random";

function nonZero(rng: Rng, max: number): number {
  const v = rng.int(1, max);
  return rng.chance(0.5) ? v : -v;
}

export const integersStrand: StrandDef = {
  strand: "integers",
  skills: [
    {
      id: "integers.number-line",
      name: "Integers on the number line",
      description: "Compare and order negative and positive integers and find absolute values.",
      prerequisites: ["number.compare-order"],
      prefix: "in-line",
      draft(rng) {
        const kind = rng.int(0, 2);
        if (kind === 0) {
          const set = new Set<number>();
          while (set.size < 4) set.add(rng.int(-20, 12));
          const nums = [...set];
          if (!nums.some((n) => n < 0)) nums[0] = -rng.int(1, 20);
          const greatest = rng.chance(0.5);
          const target = greatest ? Math.max(...nums) : Math.min(...nums);
          const negatives = nums.filter((n) => n < 0).length;
          return {
            prompt: rng.pick([`Which integer is the ${greatest ? "greatest" : "least"}: ${nums.join(", ")}?`, `Which of these numbers is ${greatest ? "largest" : "smallest"}? ${nums.join(", ")}`]),
            answer: String(target),
            value: target,
            wrongs: nums.filter((n) => n !== target).map(String),
            steps: [`On a number line, numbers increase to the right.`, `A negative number with a larger size, like ${Math.min(...nums)}, is further left and so smaller.`, `Order: ${[...nums].sort((a, b) => a - b).join(" < ")}.`],
            hardness: clamp01(negatives / 4 * 0.6 + (greatest ? 0 : 0.2) + (negatives === 4 ? 0.2 : 0)),
          };
        }
        if (kind === 1) {
          const n = -rng.int(2, 40);
          const inner = rng.chance(0.4) ? `${Math.abs(n) + 3} - ${2 * Math.abs(n) + 3}` : String(n);
          return {
            prompt: `What is |${inner}|, the absolute value?`,
            answer: String(-n),
            value: -n,
            wrongs: intWrongs(-n, [n, 0, 2 * Math.abs(n) + 3 + Math.abs(n) + 3]),
            steps: inner === String(n) ? [`Absolute value is the distance from 0.`, `${n} is ${-n} units from 0, so |${n}| = ${-n}.`] : [`Work inside first: ${inner} = ${n}.`, `Absolute value is distance from 0: |${n}| = ${-n}.`],
            hardness: clamp01(inner === String(n) ? 0.1 : 0.5),
          };
        }
        const start = rng.int(-10, 10);
        const move = rng.int(2, 12);
        const left = rng.chance(0.6);
        const ans = left ? start - move : start + move;
        const who = rng.pick(NAMES);
        return {
          prompt: rng.pick([
            `Start at ${start} on a number line and move ${move} units to the ${left ? "left" : "right"}. Where do you land?`,
            `The temperature was ${start} °C at noon and ${left ? "fell" : "rose"} ${move} degrees by night. What was the temperature at night, in °C?`,
            `${who} is at floor ${start} of a building with underground levels and goes ${left ? "down" : "up"} ${move} floors. Which floor is ${who} on now?`,
          ]),
          answer: String(ans),
          value: ans,
          wrongs: intWrongs(ans, [left ? start + move : start - move, -ans, left ? move - start : -start - move, ans + 1]),
          steps: [left ? `Moving left (down) subtracts: ${start} - ${move} = ${ans}.` : `Moving right (up) adds: ${start} + ${move} = ${ans}.`, start < 0 || ans < 0 ? `Crossing or staying below zero, count the units one by one on the number line to check.` : `Check on the number line.`],
          hardness: clamp01((start < 0 ? 0.3 : 0) + (Math.sign(start) !== Math.sign(ans) ? 0.3 : 0) + 0.1),
          tags: word(["number-line"]),
        };
      },
    },
    {
      id: "integers.add",
      name: "Add integers",
      description: "Add positive and negative integers.",
      prerequisites: ["integers.number-line"],
      prefix: "in-add",
      draft(rng) {
        const asWord = rng.chance(0.3);
        let a = nonZero(rng, 30);
        let b = nonZero(rng, 30);
        if (a > 0 && b > 0) b = -b;
        if (asWord) a = -Math.abs(a); // both stories start below zero
        const sum = a + b;
        const mixed = Math.sign(a) !== Math.sign(b);
        const who = rng.pick(NAMES);
        const story = rng.pick([
          `${who}'s account is at ${a} dollars (overdrawn). ${who} then ${b > 0 ? `deposits ${b}` : `is charged ${-b} more`} dollars. What is the balance now?`,
          `A submarine is at ${a} m and then changes depth by ${b} m. What is its new depth in metres?`,
        ]);
        return {
          prompt: asWord ? story : rng.pick([`What is ${a} + ${paren(b)}?`, `Add the integers: ${a} + ${paren(b)}`]),
          answer: String(sum),
          value: sum,
          wrongs: intWrongs(sum, [-sum, mixed ? -Math.sign(a) * (Math.abs(a) + Math.abs(b)) : Math.abs(a) - Math.abs(b), Math.abs(a) + Math.abs(b), sum + 2]),
          steps: mixed
            ? [`Different signs: subtract the sizes ${Math.max(Math.abs(a), Math.abs(b))} - ${Math.min(Math.abs(a), Math.abs(b))} = ${Math.abs(sum)}.`, `Take the sign of the number with the larger size: ${a} + ${paren(b)} = ${sum}.`]
            : [`Same signs: add the sizes ${Math.abs(a)} + ${Math.abs(b)} = ${Math.abs(sum)} and keep the sign.`, `${a} + ${paren(b)} = ${sum}.`],
          hardness: clamp01((mixed ? 0.4 : 0.2) + (Math.abs(a) + Math.abs(b)) / 60 * 0.4),
          tags: asWord ? word(["negative-numbers"]) : ["negative-numbers"],
        };
      },
    },
    {
      id: "integers.subtract",
      name: "Subtract integers",
      description: "Subtract integers by adding the opposite.",
      prerequisites: ["integers.add"],
      prefix: "in-sub",
      draft(rng) {
        const a = rng.int(-25, 25);
        const b = nonZero(rng, 25);
        const diff = a - b;
        const asWord = rng.chance(0.3);
        const lo = -rng.int(1, 30);
        const hi = rng.int(1, 30);
        if (asWord) {
          const ans = hi - lo;
          return {
            prompt: rng.pick([`The high temperature was ${hi} °C and the low was ${lo} °C. What is the difference between the high and the low, in degrees?`, `A bird flies at ${hi} m above sea level and a fish swims at ${lo} m. How many metres apart are they vertically?`]),
            answer: String(ans),
            value: ans,
            wrongs: intWrongs(ans, [hi + lo, Math.abs(hi + lo), -ans, ans + 1]),
            steps: [`Difference = high - low = ${hi} - (${lo}).`, `Subtracting a negative adds: ${hi} + ${-lo} = ${ans}.`],
            hardness: 0.5,
            tags: word(["negative-numbers"]),
          };
        }
        return {
          prompt: rng.pick([`What is ${a} - ${paren(b)}?`, `Subtract the integers: ${a} - ${paren(b)}`]),
          answer: String(diff),
          value: diff,
          wrongs: intWrongs(diff, [a + b, -diff, b - a === -diff ? a - Math.abs(b) : b - a, -a - b, diff + 2]),
          steps: [`Subtracting is adding the opposite: ${a} - ${paren(b)} = ${a} + ${paren(-b)}.`, `${a} + ${paren(-b)} = ${diff}.`],
          hardness: clamp01((b < 0 ? 0.4 : 0.1) + (a < 0 ? 0.2 : 0) + (Math.abs(a) + Math.abs(b)) / 50 * 0.3),
          tags: ["negative-numbers"],
        };
      },
    },
    {
      id: "integers.multiply-divide",
      name: "Multiply and divide integers",
      description: "Multiply and divide integers using the sign rules.",
      prerequisites: ["integers.add", "div.facts"],
      prefix: "in-muldiv",
      draft(rng) {
        const a = nonZero(rng, 12);
        let b = nonZero(rng, 12);
        if (a > 0 && b > 0) b = -b;
        const p = a * b;
        if (rng.chance(0.5)) {
          return {
            prompt: rng.pick([`What is ${a} × ${paren(b)}?`, `Multiply the integers: ${paren(a)} × ${paren(b)}`]),
            answer: String(p),
            value: p,
            wrongs: intWrongs(p, [-p, a + b, -(a + b), p + (p > 0 ? a : -a)]),
            steps: [`Multiply the sizes: ${Math.abs(a)} × ${Math.abs(b)} = ${Math.abs(p)}.`, Math.sign(a) === Math.sign(b) ? `Same signs give a positive product: ${p}.` : `Different signs give a negative product: ${p}.`],
            hardness: clamp01((a < 0 && b < 0 ? 0.4 : 0.2) + Math.abs(p) / 144 * 0.5),
            tags: ["negative-numbers"],
          };
        }
        return {
          prompt: rng.pick([`What is ${p} ÷ ${paren(a)}?`, `Divide the integers: ${paren(p)} ÷ ${paren(a)}`]),
          answer: String(b),
          value: b,
          wrongs: intWrongs(b, [-b, p - a, p + a, b + 1]),
          steps: [`Divide the sizes: ${Math.abs(p)} ÷ ${Math.abs(a)} = ${Math.abs(b)}.`, Math.sign(p) === Math.sign(a) ? `Same signs give a positive quotient: ${b}.` : `Different signs give a negative quotient: ${b}.`],
          hardness: clamp01((p < 0 && a < 0 ? 0.5 : 0.3) + Math.abs(p) / 144 * 0.4),
          tags: ["negative-numbers"],
        };
      },
    },
  ],
};
