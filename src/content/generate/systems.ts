/** Strand "systems": two linear equations in two unknowns, by substitution and by elimination. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, intWrongs, linear, spellings } from "./math";
import type { Rng } from "./random";
import { NAMES } from "./random";

function nonZero(rng: Rng, max: number): number {
  const v = rng.int(1, max);
  return rng.chance(0.5) ? v : -v;
}

function pair(x: number, y: number): string {
  return `x = ${x}, y = ${y}`;
}

function acceptedPair(x: number, y: number): string[] {
  return spellings(pair(x, y), `(${x}, ${y})`, `x = ${x} and y = ${y}`);
}

/** The usual wrong solutions: swapped, a sign slip in y, and a y taken from the wrong substitution. */
function pairWrongs(x: number, y: number, otherY: number): string[] {
  return [pair(y, x), pair(x, -y), pair(x, otherY), pair(-x, y), pair(x + 1, y), pair(x, y + 1)].filter((w) => w !== pair(x, y));
}

export const systemsStrand: StrandDef = {
  strand: "systems",
  skills: [
    {
      id: "systems.substitution",
      name: "Solve systems by substitution",
      description: "Solve a system where one equation gives y (or x) directly, by substituting into the other.",
      prerequisites: ["equations.variables-both-sides", "functions.slope-intercept"],
      prefix: "sy-substitution",
      draft(rng) {
        const x = nonZero(rng, 8);
        const y = nonZero(rng, 10);
        const m = nonZero(rng, 5);
        const c = y - m * x;
        const a = nonZero(rng, 6);
        let b = rng.int(1, 5);
        if (a + b * m === 0) b++;
        const d = a * x + b * y;
        const first = `y = ${linear([[m, "x"], [c, ""]])}`;
        const second = `${linear([[a, "x"], [b, "y"]])} = ${d}`;
        return {
          prompt: rng.pick([`Solve the system of equations: ${first} and ${second}.`, `Use substitution to solve the system ${first}, ${second}.`]),
          answer: pair(x, y),
          accepted: acceptedPair(x, y),
          freeHint: "Write it like x = 2, y = -1.",
          wrongs: pairWrongs(x, y, m * x - c),
          steps: [
            `Substitute y = ${linear([[m, "x"], [c, ""]])} into ${second}: ${linear([[a, "x"]])} + ${b}(${linear([[m, "x"], [c, ""]])}) = ${d}.`,
            `${linear([[a + b * m, "x"], [b * c, ""]])} = ${d}, so ${linear([[a + b * m, "x"]])} = ${d - b * c} and x = ${x}.`,
            `Back-substitute: y = ${m} × ${x < 0 ? `(${x})` : x} ${c < 0 ? "-" : "+"} ${Math.abs(c)} = ${y}.`,
          ],
          hardness: clamp01((x < 0 ? 0.2 : 0) + (y < 0 ? 0.2 : 0) + (m < 0 ? 0.2 : 0) + Math.abs(a + b * m) / 30 * 0.3),
        };
      },
    },
    {
      id: "systems.elimination",
      name: "Solve systems by elimination",
      description: "Add or subtract equations (after scaling if needed) to eliminate a variable, including in word problems.",
      prerequisites: ["systems.substitution"],
      prefix: "sy-elimination",
      draft(rng) {
        const who = rng.pick(NAMES);
        if (rng.chance(0.3)) {
          const adult = rng.int(6, 15);
          const child = rng.int(2, adult - 1);
          const nA = rng.int(2, 20);
          const nC = rng.int(2, 20);
          const n = nA + nC;
          const total = adult * nA + child * nC;
          return {
            prompt: `${who}'s school sold ${n} tickets for $${total}. Adult tickets cost $${adult} and child tickets cost $${child}. Set up a system of equations: how many adult tickets were sold?`,
            answer: String(nA),
            value: nA,
            wrongs: intWrongs(nA, [nC, Math.round(total / adult), n - nA + 1]),
            steps: [`a + c = ${n} and ${adult}a + ${child}c = ${total}.`, `Multiply the first by ${child}: ${child}a + ${child}c = ${child * n}.`, `Subtract: ${adult - child}a = ${total - child * n}, so a = ${nA} (and c = ${nC}).`],
            hardness: 0.75,
            tags: word(["money"]),
          };
        }
        const x = nonZero(rng, 9);
        const y = nonZero(rng, 9);
        const a1 = rng.int(1, 6);
        const b = rng.int(1, 6);
        const scaled = rng.chance(0.35);
        const k = scaled ? rng.int(2, 3) : 1;
        // Opposite y-coefficients (add) or, when scaled, the second must be multiplied by k first.
        const b2 = scaled ? -b : rng.chance(0.5) ? -b : b;
        const add = !scaled && b2 === -b;
        const xCoefficient = (a: number) => (scaled ? a1 + a * k : add ? a1 + a : a1 - a);
        let a2 = nonZero(rng, 6);
        while (xCoefficient(a2) === 0) a2 += 1; // a zero here would make the system dependent or inconsistent
        const eq1 = `${linear([[a1, "x"], [b * k, "y"]])} = ${a1 * x + b * k * y}`;
        const eq2 = `${linear([[a2, "x"], [b2, "y"]])} = ${a2 * x + b2 * y}`;
        const wrongOther = add ? y + 2 : -y + 1;
        return {
          prompt: rng.pick([`Solve the system of equations by elimination: ${eq1} and ${eq2}.`, `Solve the system ${eq1}, ${eq2}.`]),
          answer: pair(x, y),
          accepted: acceptedPair(x, y),
          freeHint: "Write it like x = 2, y = -1.",
          wrongs: pairWrongs(x, y, wrongOther),
          steps: [
            scaled ? `Multiply the second equation by ${k} so the y-terms are opposites: ${linear([[a2 * k, "x"], [b2 * k, "y"]])} = ${(a2 * x + b2 * y) * k}.` : add ? `The y-coefficients are opposites, so add the equations.` : `The y-coefficients are equal, so subtract the equations.`,
            `That leaves ${linear([[xCoefficient(a2), "x"]])} = ${xCoefficient(a2) * x}, so x = ${x}.`,
            `Substitute back into the first equation to get y = ${y}.`,
          ],
          hardness: clamp01((scaled ? 0.45 : 0.1) + (add ? 0 : 0.2) + (x < 0 || y < 0 ? 0.2 : 0)),
        };
      },
    },
  ],
};
