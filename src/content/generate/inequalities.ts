/** Strand "inequalities": solving one- and two-step linear inequalities, flipping the sign when dividing by a negative. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, linear, spellings } from "./math";
import { NAMES } from "./random";

const FLIP: Record<string, string> = { "<": ">", ">": "<", "≤": "≥", "≥": "≤" };
const ASCII: Record<string, string> = { "<": "<", ">": ">", "≤": "<=", "≥": ">=" };

function flip(sign: string): string {
  return FLIP[sign] ?? sign;
}

/** Accepted typed forms of "x < -4": with ≤ written as <= as well. */
function acceptedInequality(v: string, sign: string, k: number): string[] {
  return spellings(`${v} ${sign} ${k}`, `${v} ${ASCII[sign] ?? sign} ${k}`);
}

export const inequalitiesStrand: StrandDef = {
  strand: "inequalities",
  skills: [
    {
      id: "inequalities.one-step",
      name: "One-step inequalities",
      description: "Solve one-step inequalities, reversing the inequality sign when multiplying or dividing by a negative number.",
      prerequisites: ["equations.one-step-multiply", "integers.number-line"],
      prefix: "iq-one-step",
      draft(rng) {
        const v = rng.pick(["x", "x", "n", "y"]);
        const sign = rng.pick(["<", ">", "≤", "≥"]);
        const k = rng.int(-12, 12);
        if (rng.chance(0.45)) {
          const a = rng.int(1, 20) * (rng.chance(0.5) ? -1 : 1);
          const rhs = k + a;
          const ans = `${v} ${sign} ${k}`;
          return {
            prompt: rng.pick([`Solve the inequality ${linear([[1, v], [a, ""]])} ${sign} ${rhs}.`, `Solve for ${v}: ${linear([[1, v], [a, ""]])} ${sign} ${rhs}`]),
            answer: ans,
            accepted: acceptedInequality(v, sign, k),
            freeHint: `Write it like ${v} < 3.`,
            wrongs: [`${v} ${sign} ${rhs + a}`, `${v} ${flip(sign)} ${k}`, `${v} ${sign} ${-k === k ? k + 1 : -k}`, `${v} ${flip(sign)} ${rhs + a}`],
            steps: [`${a > 0 ? `Subtract ${a}` : `Add ${-a}`} on both sides; adding or subtracting never flips the sign.`, `${ans}.`],
            hardness: clamp01(0.1 + (a < 0 ? 0.15 : 0) + (k < 0 ? 0.15 : 0)),
          };
        }
        const a = rng.int(2, 9) * (rng.chance(0.55) ? -1 : 1);
        const rhs = a * k;
        const result = a < 0 ? flip(sign) : sign;
        const ans = `${v} ${result} ${k}`;
        const who = rng.pick(NAMES);
        if (a > 0 && k > 0 && (sign === "≤" || sign === "<") && rng.chance(0.3)) {
          const budget = a * k + (sign === "<" ? 1 : 0);
          return {
            prompt: `${who} has at most $${a * k} to spend on snacks costing $${a} each. Solve ${a}s ≤ ${a * k}: what is the greatest number of snacks ${who} can buy?`,
            answer: String(k),
            value: k,
            wrongs: [String(k + 1), String(a * k - a), String(budget * a), String(k - 1)],
            steps: [`${a}s ≤ ${a * k}.`, `Divide by ${a} (positive, so the sign stays): s ≤ ${k}.`, `The greatest whole number of snacks is ${k}.`],
            hardness: 0.3,
            tags: word(),
          };
        }
        return {
          prompt: rng.pick([`Solve the inequality ${a}${v} ${sign} ${rhs}.`, `Solve for ${v}: ${a}${v} ${sign} ${rhs}`]),
          answer: ans,
          accepted: acceptedInequality(v, result, k),
          freeHint: `Write it like ${v} < 3.`,
          wrongs: [`${v} ${a < 0 ? sign : flip(sign)} ${k}`, `${v} ${result} ${-k === k ? k - 1 : -k}`, `${v} ${result} ${rhs - a}`, `${v} ${a < 0 ? sign : flip(sign)} ${-k === k ? k + 1 : -k}`],
          steps: a < 0 ? [`Divide both sides by ${a}.`, `Dividing by a negative number reverses the inequality: ${sign} becomes ${result}.`, `${ans}.`] : [`Divide both sides by ${a} (positive, so the sign stays).`, `${ans}.`],
          hardness: clamp01((a < 0 ? 0.6 : 0.25) + (k < 0 ? 0.2 : 0)),
          tags: a < 0 ? ["sign-flip"] : [],
        };
      },
    },
    {
      id: "inequalities.two-step",
      name: "Two-step inequalities",
      description: "Solve ax + b < c style inequalities and interpret the solution in context.",
      prerequisites: ["inequalities.one-step", "equations.two-step"],
      prefix: "iq-two-step",
      draft(rng) {
        const v = rng.pick(["x", "x", "n", "y"]);
        const sign = rng.pick(["<", ">", "≤", "≥"]);
        const k = rng.int(-10, 10);
        const a = rng.int(2, 9) * (rng.chance(0.5) ? -1 : 1);
        const b = rng.int(1, 20) * (rng.chance(0.5) ? -1 : 1);
        const c = a * k + b;
        const result = a < 0 ? flip(sign) : sign;
        const ans = `${v} ${result} ${k}`;
        const who = rng.pick(NAMES);
        if (rng.chance(0.25)) {
          const start = rng.int(20, 80);
          const per = rng.int(2, 9);
          const keep = rng.int(0, start - 2 * per);
          const max = Math.floor((start - keep) / per);
          return {
            prompt: `${who} has $${start} and buys tickets at $${per} each, but wants at least $${keep} left. Solve ${start} - ${per}t ≥ ${keep}: what is the greatest number of tickets ${who} can buy?`,
            answer: String(max),
            value: max,
            wrongs: [String(max + 1), String(Math.floor((start + keep) / per)), String(start - keep), String(Math.max(0, max - 1))],
            steps: [`${start} - ${per}t ≥ ${keep}.`, `Subtract ${start}: -${per}t ≥ ${keep - start}.`, `Divide by -${per} and reverse the sign: t ≤ ${((start - keep) / per).toFixed(2).replace(/\.?0+$/, "")}.`, `The greatest whole number is ${max}.`],
            hardness: 0.7,
            tags: word(["sign-flip"]),
          };
        }
        return {
          prompt: rng.pick([`Solve the inequality ${linear([[a, v], [b, ""]])} ${sign} ${c}.`, `Solve for ${v}: ${linear([[a, v], [b, ""]])} ${sign} ${c}`]),
          answer: ans,
          accepted: acceptedInequality(v, result, k),
          freeHint: `Write it like ${v} < 3.`,
          wrongs: [
            `${v} ${a < 0 ? sign : flip(sign)} ${k}`,
            Number.isInteger((c + b) / a) ? `${v} ${result} ${(c + b) / a}` : `${v} ${result} ${-k === k ? k + 2 : -k}`,
            `${v} ${result} ${-k === k ? k + 1 : -k}`,
            `${v} ${a < 0 ? sign : flip(sign)} ${-k === k ? k - 1 : -k}`,
          ],
          steps: [`${b > 0 ? `Subtract ${b}` : `Add ${-b}`} on both sides: ${linear([[a, v]])} ${sign} ${c - b}.`, a < 0 ? `Divide by ${a}; dividing by a negative reverses the sign: ${ans}.` : `Divide by ${a}: ${ans}.`],
          hardness: clamp01((a < 0 ? 0.55 : 0.2) + (b < 0 ? 0.15 : 0) + (k < 0 ? 0.2 : 0)),
          tags: a < 0 ? ["sign-flip"] : [],
        };
      },
    },
  ],
};
