/** Strand "multiplication-division": facts, multi-digit multiplication, long division, remainders. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, commas, intWrongs } from "./math";
import { NAMES, twoNames } from "./random";

/** Product computed the way a learner who forgets the placeholder zero would. */
function withoutPlaceholder(a: number, b: number): number {
  return a * (b % 10) + a * Math.floor(b / 10);
}

/** "Multiply matching places only": 23 × 45 → 2·4 hundreds + 3·5 ones. */
function matchingPlaces(a: number, b: number): number {
  return Math.floor(a / 10) * Math.floor(b / 10) * 100 + (a % 10) * (b % 10);
}

export const multiplicationStrand: StrandDef = {
  strand: "multiplication-division",
  skills: [
    {
      id: "mult.facts",
      name: "Multiplication facts",
      description: "Recall products of whole numbers from 2 × 2 to 12 × 12.",
      prerequisites: ["number.add-whole"],
      prefix: "mu-facts",
      draft(rng) {
        const a = rng.int(2, 12);
        const b = rng.int(2, 12);
        const p = a * b;
        const hard = (x: number) => (x >= 6 && x <= 9 ? 1 : x >= 11 ? 0.7 : x === 10 || x === 5 || x === 2 ? 0 : 0.4);
        const hardness = clamp01((hard(a) + hard(b)) / 2);
        const asWord = rng.chance(0.3);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `There are ${a} boxes with ${b} pencils in each box. How many pencils are there?`,
          `${who} plants ${a} rows of tomatoes with ${b} plants in each row. How many plants is that?`,
          `A bus has ${a} rows of seats and each row seats ${b} people. How many people can ride?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${a} × ${b}?`, `Multiply: ${a} × ${b}`, `Find the product of ${a} and ${b}.`]),
          answer: String(p),
          value: p,
          wrongs: intWrongs(p, [a * (b + 1), a * (b - 1), a + b, (a + 1) * b, (a - 1) * b]),
          steps: [`${a} × ${b} means ${a} groups of ${b}.`, `${a} × ${b} = ${p}.`],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "mult.multi-digit",
      name: "Multi-digit multiplication",
      description: "Multiply a two- or three-digit number by a one- or two-digit number using partial products.",
      prerequisites: ["mult.facts"],
      prefix: "mu-multi",
      draft(rng) {
        const twoDigitMultiplier = rng.chance(0.55);
        const a = twoDigitMultiplier ? rng.int(12, 99) : rng.int(12, 999);
        const b = twoDigitMultiplier ? rng.int(11, 99) : rng.int(3, 9);
        const p = a * b;
        const hardness = clamp01((String(a).length - 2) * 0.3 + (twoDigitMultiplier ? 0.45 : 0) + (String(p).length >= 4 ? 0.25 : 0));
        const asWord = rng.chance(0.3);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `A school orders ${b} boxes of paper with ${a} sheets in each box. How many sheets is that?`,
          `${who} saves $${a} every week for ${b} weeks. How many dollars does ${who} save?`,
          `An orchard has ${b} rows with ${a} trees in each row. How many trees are in the orchard?`,
        ]);
        const partials = twoDigitMultiplier
          ? [`${a} × ${b % 10} = ${commas(a * (b % 10))}`, `${a} × ${Math.floor(b / 10) * 10} = ${commas(a * Math.floor(b / 10) * 10)} (note the placeholder zero)`, `${commas(a * (b % 10))} + ${commas(a * Math.floor(b / 10) * 10)} = ${commas(p)}`]
          : [`Multiply each place of ${a} by ${b}, carrying as you go.`, `${a} × ${b} = ${commas(p)}`];
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${a} × ${b}?`, `Multiply: ${a} × ${b}`, `Find the product ${a} × ${b}.`]),
          answer: commas(p),
          value: p,
          wrongs: intWrongs(p, twoDigitMultiplier ? [withoutPlaceholder(a, b), matchingPlaces(a, b), p + 10, p - 10 * b] : [p + 10, p - 10, (a % 10) * b + Math.floor(a / 10) * 10 * b + 10, p + 100], commas),
          steps: [`Split the multiplier by place value and find partial products.`, ...partials],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "div.facts",
      name: "Division facts",
      description: "Divide using the related multiplication facts up to 12 × 12.",
      prerequisites: ["mult.facts"],
      prefix: "dv-facts",
      draft(rng) {
        const d = rng.int(2, 12);
        const q = rng.int(2, 12);
        const n = d * q;
        const hardness = clamp01((d >= 6 && d !== 10 ? 0.5 : 0.1) + (n > 60 ? 0.4 : 0.1));
        const asWord = rng.chance(0.3);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `${who} shares ${n} stickers equally among ${d} friends. How many stickers does each friend get?`,
          `${n} chairs are set out in ${d} equal rows. How many chairs are in each row?`,
          `A baker puts ${n} muffins into boxes of ${d}. How many boxes does the baker fill?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${n} ÷ ${d}?`, `Divide: ${n} ÷ ${d}`, `${d} × ? = ${n}. What is the missing number?`]),
          answer: String(q),
          value: q,
          wrongs: intWrongs(q, [q + 1, q - 1, n - d, d === q ? q + 2 : d, n + d]),
          steps: [`Think of the multiplication fact: ${d} × ? = ${n}.`, `${d} × ${q} = ${n}, so ${n} ÷ ${d} = ${q}.`],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "div.long",
      name: "Long division",
      description: "Divide three- and four-digit numbers by one- and two-digit divisors, including zeros in the quotient.",
      prerequisites: ["div.facts", "mult.multi-digit"],
      prefix: "dv-long",
      draft(rng) {
        const twoDigit = rng.chance(0.4);
        const d = twoDigit ? rng.int(11, 25) : rng.int(3, 9);
        let q = twoDigit ? rng.int(12, 199) : rng.int(21, 999);
        if (rng.chance(0.3) && q >= 100) q = Math.floor(q / 100) * 100 + rng.int(1, 9); // a zero inside the quotient
        const n = d * q;
        const qs = String(q);
        const zeroInside = qs.slice(1).includes("0");
        const droppedZero = zeroInside ? Number(qs.replace(/0/g, "")) : q * 10;
        const hardness = clamp01((twoDigit ? 0.45 : 0) + (String(n).length - 3) * 0.25 + (zeroInside ? 0.3 : 0));
        const asWord = rng.chance(0.3);
        const ctx = rng.pick([
          `A factory packs ${commas(n)} bottles into crates of ${d}. How many crates does it fill?`,
          `${commas(n)} runners are split into ${d} equal groups. How many runners are in each group?`,
          `A ${commas(n)}-page book is read in ${d} days, the same number of pages each day. How many pages a day?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${commas(n)} ÷ ${d}?`, `Divide: ${commas(n)} ÷ ${d}`, `Find the quotient of ${commas(n)} and ${d}.`]),
          answer: commas(q),
          value: q,
          wrongs: intWrongs(q, [droppedZero, q + 1, q - 1, q + 10, Math.round(n / (d + 1))], commas),
          steps: [
            `Divide from the left: how many times does ${d} go into the leading digits, then bring down the next digit.`,
            zeroInside ? `When ${d} does not go into the number brought down, write 0 in the quotient before bringing down the next digit.` : `Repeat until every digit has been brought down.`,
            `${commas(n)} ÷ ${d} = ${commas(q)}. Check: ${d} × ${commas(q)} = ${commas(n)}.`,
          ],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "div.remainders",
      name: "Division with remainders",
      description: "Divide with a remainder and interpret the remainder in context (round up, drop it, or report it).",
      prerequisites: ["div.long"],
      prefix: "dv-rem",
      draft(rng) {
        const d = rng.int(3, 12);
        const q = rng.int(3, 40);
        const r = rng.int(1, d - 1);
        const n = d * q + r;
        const hardness = clamp01((n > 100 ? 0.35 : 0.1) + (d > 9 ? 0.2 : 0));
        const kind = rng.int(0, 2);
        if (kind === 0) {
          return {
            prompt: rng.pick([`What is ${n} ÷ ${d}? Give the quotient and remainder.`, `Divide ${n} by ${d}. Write the answer as a quotient with a remainder.`]),
            answer: `${q} R ${r}`,
            wrongs: [`${q - 1} R ${r + d}`, `${q + 1} R ${r}`, `${q} R ${d - r}`, `${q} R ${r + 1}`, `${q}`],
            steps: [`${d} × ${q} = ${d * q}, the largest multiple of ${d} not over ${n}.`, `${n} - ${d * q} = ${r}, which is less than ${d}.`, `So ${n} ÷ ${d} = ${q} R ${r}.`],
            hardness,
          };
        }
        const [who] = twoNames(rng);
        if (kind === 1) {
          const ans = q + 1;
          return {
            prompt: rng.pick([
              `${n} students are going on a trip. Each van holds ${d} students. How many vans are needed?`,
              `${who} needs to pack ${n} books into boxes that hold ${d} books each. How many boxes are needed for all the books?`,
            ]),
            answer: String(ans),
            value: ans,
            wrongs: intWrongs(ans, [q, r, q + 2, d]),
            steps: [`${n} ÷ ${d} = ${q} R ${r}.`, `${q} full loads leave ${r} left over, and they still need a place.`, `Round up to ${ans}.`],
            hardness: hardness + 0.3,
            tags: word(["remainder"]),
          };
        }
        return {
          prompt: rng.pick([
            `${who} has ${n} beads and makes bracelets that use ${d} beads each. How many complete bracelets can ${who} make?`,
            `A baker has ${n} eggs and each cake needs ${d} eggs. How many whole cakes can be baked?`,
          ]),
          answer: String(q),
          value: q,
          wrongs: intWrongs(q, [q + 1, r, n - d, q - 1]),
          steps: [`${n} ÷ ${d} = ${q} R ${r}.`, `The ${r} left over are not enough for another one, so drop the remainder.`],
          hardness: hardness + 0.3,
          tags: word(["remainder"]),
        };
      },
    },
  ],
};
