/** Strand "number": place value, comparing, rounding, and multi-digit addition and subtraction. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, commas, intWrongs } from "./math";
import type { Rng } from "./random";
import { NAMES, someNames, twoNames } from "./random";

const PLACES = ["ones", "tens", "hundreds", "thousands", "ten-thousands", "hundred-thousands", "millions"] as const;

function digitsOf(n: number): number[] {
  return String(n).split("").reverse().map(Number); // index = place
}

function randomNumber(rng: Rng, digits: number): number {
  return rng.int(10 ** (digits - 1), 10 ** digits - 1);
}

/** Column-wise facts about a + b: how many carries, and the sum without carrying. */
function additionColumns(a: number, b: number): { carries: number; noCarry: number } {
  const da = digitsOf(a);
  const db = digitsOf(b);
  let carry = 0;
  let carries = 0;
  let noCarry = 0;
  for (let p = 0; p < Math.max(da.length, db.length); p++) {
    const s = (da[p] ?? 0) + (db[p] ?? 0);
    noCarry += (s % 10) * 10 ** p;
    if (s + carry >= 10) carries++;
    carry = s + carry >= 10 ? 1 : 0;
  }
  if (carry) noCarry += 0; // the lost final carry is exactly the misconception
  return { carries, noCarry };
}

/** Column-wise facts about a − b (a > b): borrows, and "smaller from larger" in every column. */
function subtractionColumns(a: number, b: number): { borrows: number; smallerFromLarger: number; borrowNoDecrement: number; zeros: number } {
  const da = digitsOf(a);
  const db = digitsOf(b);
  let borrows = 0;
  let smallerFromLarger = 0;
  let borrowNoDecrement = 0;
  let borrow = 0;
  let zeros = 0;
  for (let p = 0; p < da.length; p++) {
    const x = da[p] ?? 0;
    const y = db[p] ?? 0;
    if (x === 0 && p < db.length) zeros++;
    smallerFromLarger += Math.abs(x - y) * 10 ** p;
    borrowNoDecrement += (x < y ? x + 10 - y : x - y) * 10 ** p;
    if (x - borrow < y) borrows++;
    borrow = x - borrow < y ? 1 : 0;
  }
  return { borrows, smallerFromLarger, borrowNoDecrement, zeros };
}

export const numberStrand: StrandDef = {
  strand: "number",
  skills: [
    {
      id: "number.place-value",
      name: "Place value of whole numbers",
      description: "Name the value of a digit in a whole number up to the millions.",
      prerequisites: [],
      prefix: "nu-place",
      draft(rng) {
        const digits = rng.int(3, 7);
        const n = randomNumber(rng, digits);
        const ds = digitsOf(n);
        // A place whose digit is non-zero and appears only once, so "the digit 8" is unambiguous.
        const candidates = ds.map((d, p) => ({ d, p })).filter(({ d }) => d !== 0 && ds.filter((x) => x === d).length === 1);
        const hardness = clamp01((digits - 3) / 4 + (ds.includes(0) ? 0.1 : 0));
        if (candidates.length === 0 || rng.chance(0.4)) {
          const p = rng.int(0, digits - 1);
          const d = ds[p] ?? 0;
          const mirror = ds[digits - 1 - p] ?? 0;
          return {
            prompt: `Which digit is in the ${PLACES[p]} place of ${commas(n)}?`,
            answer: String(d),
            value: d,
            wrongs: intWrongs(d, [ds[p + 1] ?? -1, ds[p - 1] ?? -1, mirror, ds[p + 2] ?? -1, ds[p - 2] ?? -1].filter((x) => x >= 0), String)
              .filter((w) => Number(w) >= 0 && Number(w) <= 9)
              .concat(["1", "2", "3", "4", "5", "6", "7", "8", "9"]), // any other digit, when the number repeats digits
            steps: [
              `Read the places from the right: ones, tens, hundreds, thousands, …`,
              `In ${commas(n)} the ${PLACES[p]} place is position ${p + 1} from the right.`,
              `The digit there is ${d}.`,
            ],
            hardness,
          };
        }
        const { d, p } = rng.pick(candidates);
        const value = d * 10 ** p;
        return {
          prompt: rng.pick([`What is the value of the digit ${d} in ${commas(n)}?`, `In the number ${commas(n)}, what is the digit ${d} worth?`]),
          answer: commas(value),
          value,
          wrongs: [String(d), commas(d * 10 ** (p + 1)), commas(d * 10 ** (digits - 1 - p)), ...(p > 0 ? [commas(d * 10 ** (p - 1))] : []), commas(d * 10 ** (p + 2)), commas(d * 10 ** (p + 3))],
          steps: [
            `The digit ${d} is in the ${PLACES[p]} place of ${commas(n)}.`,
            `Its value is ${d} × ${commas(10 ** p)} = ${commas(value)}.`,
          ],
          hardness,
        };
      },
    },
    {
      id: "number.compare-order",
      name: "Compare and order whole numbers",
      description: "Find the greatest or least of several whole numbers by comparing place values.",
      prerequisites: ["number.place-value"],
      prefix: "nu-compare",
      draft(rng) {
        const digits = rng.int(3, 6);
        const base = randomNumber(rng, digits);
        // Same digits rearranged, plus one with a digit fewer that starts with a large digit:
        // the classic trap of comparing the leading digits without looking at length.
        const set = new Set<number>([base]);
        const s = String(base);
        for (let k = 0; set.size < 3 && k < 40; k++) {
          const arr = rng.shuffle(s.split(""));
          if (arr[0] !== "0") set.add(Number(arr.join("")));
        }
        for (let k = 0; set.size < 3 && k < 40; k++) set.add(base + rng.int(-90, 90));
        set.add(Number(`9${String(randomNumber(rng, Math.max(1, digits - 2)))}`.slice(0, digits - 1)) || 9);
        const nums = [...set].slice(0, 4);
        while (nums.length < 4) nums.push(base + nums.length * 7);
        const greatest = rng.chance(0.6);
        const target = greatest ? Math.max(...nums) : Math.min(...nums);
        const others = nums.filter((x) => x !== target);
        const spread = (Math.max(...nums) - Math.min(...nums)) / Math.max(...nums);
        const hardness = clamp01((digits - 3) / 3 * 0.6 + (1 - spread) * 0.4);
        const shown = rng.shuffle(nums).map(commas);
        if (rng.chance(0.35)) {
          const people = someNames(rng, 4);
          const what = rng.pick([["steps walked this week", "steps"], ["points scored this season", "points"], ["kilometres driven this year", "kilometres"]] as const);
          const lines = nums.map((x, i) => `${people[i]}: ${commas(x)}`).join("; ");
          const winner = people[nums.indexOf(target)] ?? "";
          return {
            prompt: `Here are the ${what[0]}: ${lines}. Who has the ${greatest ? "most" : "fewest"} ${what[1]}?`,
            answer: winner,
            wrongs: people.filter((p) => p !== winner),
            steps: [`Compare the numbers place by place, starting with how many digits each has.`, `The ${greatest ? "greatest" : "least"} is ${commas(target)}, which belongs to ${winner}.`],
            hardness,
            tags: word(),
          };
        }
        return {
          prompt: `Which number is the ${greatest ? "greatest" : "least"}: ${shown.join(", ")}?`,
          answer: commas(target),
          value: target,
          wrongs: others.map(commas),
          steps: [
            `A number with more digits is larger; with the same number of digits, compare from the left.`,
            `Ordered from least to greatest: ${[...nums].sort((a, b) => a - b).map(commas).join(" < ")}.`,
            `So the ${greatest ? "greatest" : "least"} is ${commas(target)}.`,
          ],
          hardness,
        };
      },
    },
    {
      id: "number.rounding",
      name: "Round whole numbers",
      description: "Round whole numbers to the nearest ten, hundred or thousand.",
      prerequisites: ["number.place-value"],
      prefix: "nu-round",
      draft(rng) {
        const placeIdx = rng.int(1, 3);
        const unit = 10 ** placeIdx;
        const digits = rng.int(placeIdx + 1, placeIdx + 3);
        let n = randomNumber(rng, digits);
        if (rng.chance(0.2)) n = Math.floor(n / unit) * unit + 5 * (unit / 10) + (n % (unit / 10)); // a deciding 5
        if (rng.chance(0.15)) n = (Math.floor(n / (unit * 10)) * 10 + 9) * unit + rng.int(unit / 2, unit - 1); // rounds across a 9
        const down = Math.floor(n / unit) * unit;
        const answer = n - down >= unit / 2 ? down + unit : down;
        const other = answer === down ? down + unit : down;
        const name = PLACES[placeIdx] === "tens" ? "ten" : PLACES[placeIdx] === "hundreds" ? "hundred" : "thousand";
        const decider = Math.floor((n % unit) / (unit / 10));
        const lower = Math.round(n / (unit / 10)) * (unit / 10);
        const upper = Math.round(n / (unit * 10)) * unit * 10;
        const hardness = clamp01((placeIdx - 1) / 2 * 0.5 + (decider === 5 ? 0.2 : 0) + (String(answer).length > String(n).length || Math.floor(answer / (unit * 10)) !== Math.floor(n / (unit * 10)) ? 0.3 : 0));
        const asWord = rng.chance(0.3);
        const [who] = twoNames(rng);
        return {
          prompt: asWord
            ? `${who}'s school raised $${commas(n)} for a charity. Rounded to the nearest ${name}, about how many dollars is that?`
            : rng.pick([`Round ${commas(n)} to the nearest ${name}.`, `What is ${commas(n)} rounded to the nearest ${name}?`]),
          answer: commas(answer),
          value: answer,
          wrongs: [commas(other), commas(lower === answer ? lower + unit / 10 : lower), commas(upper === answer ? upper + unit * 10 : upper), commas(answer + unit), commas(Math.max(0, answer - unit))],
          steps: [
            `Look at the ${name}s place and the digit to its right: ${decider}.`,
            decider >= 5 ? `${decider} is 5 or more, so round up.` : `${decider} is less than 5, so round down.`,
            `${commas(n)} rounds to ${commas(answer)}.`,
          ],
          hardness,
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "number.add-whole",
      name: "Add multi-digit whole numbers",
      description: "Add whole numbers with up to five digits, regrouping (carrying) when needed.",
      prerequisites: ["number.place-value"],
      prefix: "nu-add",
      draft(rng) {
        const da = rng.int(2, 5);
        const a = randomNumber(rng, da);
        const b = randomNumber(rng, rng.int(2, da));
        const sum = a + b;
        const { carries, noCarry } = additionColumns(a, b);
        const hardness = clamp01((da - 2) / 3 * 0.5 + Math.min(carries, 4) / 4 * 0.5);
        const tags = carries > 0 ? ["regrouping"] : [];
        const asWord = rng.chance(0.35);
        const [who] = twoNames(rng);
        const ctx = rng.pick([
          `A library had ${commas(a)} books and received ${commas(b)} more. How many books does it have now?`,
          `${who} walked ${commas(a)} steps in the morning and ${commas(b)} steps in the afternoon. How many steps in all?`,
          `A stadium sold ${commas(a)} tickets on Friday and ${commas(b)} on Saturday. How many tickets were sold altogether?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${commas(a)} + ${commas(b)}?`, `Add: ${commas(a)} + ${commas(b)}`, `Find the sum of ${commas(a)} and ${commas(b)}.`]),
          answer: commas(sum),
          value: sum,
          wrongs: intWrongs(sum, [noCarry, sum - 10, sum + 10, sum - 100, sum + 100], commas),
          steps: [
            `Line up the digits by place value and add each column from the right.`,
            carries > 0 ? `Carry whenever a column adds to 10 or more (${carries} carr${carries === 1 ? "y" : "ies"} here).` : `No column adds to 10 or more, so there is nothing to carry.`,
            `${commas(a)} + ${commas(b)} = ${commas(sum)}.`,
          ],
          hardness,
          tags: asWord ? word(tags) : tags,
        };
      },
    },
    {
      id: "number.subtract-whole",
      name: "Subtract multi-digit whole numbers",
      description: "Subtract whole numbers with up to five digits, regrouping (borrowing), including across zeros.",
      prerequisites: ["number.add-whole"],
      prefix: "nu-sub",
      draft(rng) {
        const da = rng.int(2, 5);
        let a = randomNumber(rng, da);
        if (da >= 3 && rng.chance(0.25)) a = Math.floor(a / 100) * 100 + rng.int(0, 9); // zeros to borrow across
        const b = rng.int(10, a - 1);
        const diff = a - b;
        const { borrows, smallerFromLarger, borrowNoDecrement, zeros } = subtractionColumns(a, b);
        const hardness = clamp01((da - 2) / 3 * 0.4 + Math.min(borrows, 3) / 3 * 0.4 + (zeros > 0 && borrows > 0 ? 0.2 : 0));
        const tags = borrows > 0 ? ["regrouping"] : [];
        const asWord = rng.chance(0.35);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `${who} had $${commas(a)} saved and spent $${commas(b)} on a bike. How many dollars are left?`,
          `A farm grew ${commas(a)} apples and sold ${commas(b)} of them. How many apples remain?`,
          `A mountain trail is ${commas(a)} metres long. ${who} has hiked ${commas(b)} metres. How many metres are left to hike?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${commas(a)} - ${commas(b)}?`, `Subtract: ${commas(a)} - ${commas(b)}`, `Find the difference between ${commas(a)} and ${commas(b)}.`]),
          answer: commas(diff),
          value: diff,
          wrongs: intWrongs(diff, [smallerFromLarger, borrowNoDecrement, a + b, diff + 10, diff - 10], commas),
          steps: [
            `Line up the digits and subtract each column from the right.`,
            borrows > 0 ? `When the top digit is smaller, regroup: borrow 1 from the next place (${borrows} time${borrows === 1 ? "" : "s"} here${zeros > 0 ? ", passing through a 0" : ""}).` : `Every top digit is large enough, so no regrouping is needed.`,
            `${commas(a)} - ${commas(b)} = ${commas(diff)}. Check: ${commas(diff)} + ${commas(b)} = ${commas(a)}.`,
          ],
          hardness,
          tags: asWord ? word(tags) : tags,
        };
      },
    },
  ],
};
