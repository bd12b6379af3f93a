/**
 * Strand "decimals": place value, comparing, rounding, the four operations, and converting
 * between fractions and decimals. Values are integers scaled by a power of ten, so answers
 * are exact; the distractors model misaligned places and miscounted decimal places.
 */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, commas, dec, frac, fracStr, fracWrongs, gcd, money } from "./math";
import type { Rng } from "./random";
import { NAMES, someNames } from "./random";

const DECIMAL_PLACES = ["tenths", "hundredths", "thousandths"] as const;

/** A decimal with exactly `p` places (last digit non-zero) and a whole part below `maxWhole`. */
function decimal(rng: Rng, p: number, maxWhole: number): number {
  const scaled = rng.int(0, maxWhole) * 10 ** p + rng.int(0, 10 ** p - 1);
  const fixed = scaled % 10 === 0 ? scaled + rng.int(1, 9) : scaled;
  return fixed / 10 ** p;
}

function placesOf(x: number): number {
  const t = dec(x);
  const i = t.indexOf(".");
  return i < 0 ? 0 : t.length - i - 1;
}

/** x as an integer count of 10^-p units, exactly. */
function scaled(x: number, p: number): number {
  return Math.round(x * 10 ** p);
}

export const decimalsStrand: StrandDef = {
  strand: "decimals",
  skills: [
    {
      id: "decimals.place-value",
      name: "Decimal place value",
      description: "Name the value of digits in the tenths, hundredths and thousandths places.",
      prerequisites: ["number.place-value", "fractions.meaning"],
      prefix: "de-place",
      draft(rng) {
        const p = rng.int(2, 3);
        const x = decimal(rng, p, 999);
        const digits = dec(x).split(".")[1] ?? "";
        const k = rng.int(0, digits.length - 1);
        const d = Number(digits[k]);
        const hardness = clamp01(p === 3 ? 0.4 : 0.1) + k * 0.25;
        if (d !== 0 && digits.split("").filter((c) => Number(c) === d).length === 1 && !dec(x).split(".")[0]?.includes(String(d)) && rng.chance(0.6)) {
          const value = d / 10 ** (k + 1);
          return {
            prompt: rng.pick([`In the decimal ${dec(x)}, what is the value of the digit ${d}?`, `What is the digit ${d} worth in ${dec(x)}?`]),
            answer: dec(value),
            value,
            wrongs: [dec(value * 10), String(d), dec(value / 10), String(d * 10 ** (k + 1)), dec(value * 100)],
            steps: [`After the decimal point the places are tenths, hundredths, thousandths.`, `The ${d} is in the ${DECIMAL_PLACES[k]} place, so it is worth ${d} × ${dec(1 / 10 ** (k + 1))} = ${dec(value)}.`],
            hardness,
          };
        }
        const whole = String(Math.floor(x));
        const mirror = Number(whole[whole.length - 1 - k] ?? -1);
        const wrongs = [Number(digits[k + 1] ?? -1), Number(digits[k - 1] ?? -1), mirror, ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 0].map((o) => (d + o) % 10)].filter((w) => w >= 0 && w !== d);
        return {
          prompt: `Which digit is in the ${DECIMAL_PLACES[k]} place of ${dec(x)}?`,
          answer: String(d),
          value: d,
          wrongs: wrongs.map(String),
          steps: [`Count places to the right of the decimal point: tenths, hundredths, thousandths.`, `The ${DECIMAL_PLACES[k]} digit of ${dec(x)} is ${d}.`, `(Places left of the point, like ${k === 0 ? "ones" : k === 1 ? "tens" : "hundreds"}, are a different place.)`],
          hardness,
        };
      },
    },
    {
      id: "decimals.compare",
      name: "Compare decimals",
      description: "Compare and order decimals with different numbers of decimal places.",
      prerequisites: ["decimals.place-value"],
      prefix: "de-compare",
      draft(rng) {
        // Same leading digits, different lengths: "longer is larger" and "shorter is larger" both fail.
        const whole = rng.int(0, 9);
        const a = rng.int(1, 9);
        const b = rng.int(0, 9);
        const c = rng.int(1, 9);
        const pool = [`${whole}.${a}`, `${whole}.${a}${b}`, `${whole}.0${a}${c}`, `${whole}.${b}${c}${a}`, `${whole}.${a}${c}`, `${whole}.${c}`, `${whole}.${c}${a}`];
        const uniq = [...new Map(pool.map((p) => [Number(p), dec(Number(p))])).values()];
        const nums = rng.shuffle(uniq).slice(0, 4);
        while (nums.length < 4) nums.push(dec(whole + (nums.length + 1) / 100 + 0.005));
        const greatest = rng.chance(0.6);
        const sorted = [...nums].sort((x, y) => Number(x) - Number(y));
        const target = (greatest ? sorted[3] : sorted[0]) ?? "";
        const lengths = new Set(nums.map((n) => n.length)).size;
        const hardness = clamp01(lengths / 3 * 0.6 + (whole === 0 ? 0.2 : 0) + (greatest ? 0 : 0.2));
        const steps = [`Write every decimal with the same number of places: ${nums.map((n) => Number(n).toFixed(3)).join(", ")}.`, `Now compare them like whole numbers: the ${greatest ? "greatest" : "least"} is ${target}.`, `More digits does not mean a larger decimal.`];
        if (rng.chance(0.3)) {
          const people = someNames(rng, 4);
          const winner = people[nums.indexOf(target)] ?? "";
          const times = nums.map((n) => dec(Number(n) + 10));
          return {
            prompt: `In a race, the times in seconds were ${times.map((t, i) => `${people[i]} ${t}`).join(", ")}. Who was ${greatest ? "slowest" : "fastest"}? (Compare the decimals.)`,
            answer: winner,
            wrongs: people.filter((p) => p !== winner),
            steps: [`Write every time with the same number of places: ${times.map((t) => Number(t).toFixed(3)).join(", ")}.`, `The ${greatest ? "slowest is the greatest time" : "fastest is the least time"}: ${dec(Number(target) + 10)}, ${winner}'s.`, `More digits does not mean a larger decimal.`],
            hardness,
            tags: word(),
          };
        }
        return {
          prompt: rng.pick([`Which decimal is the ${greatest ? "greatest" : "least"}: ${nums.join(", ")}?`, `Which number has the ${greatest ? "largest" : "smallest"} value? ${nums.join(", ")}`]),
          answer: target,
          value: Number(target),
          wrongs: nums.filter((n) => n !== target),
          steps,
          hardness,
        };
      },
    },
    {
      id: "decimals.round",
      name: "Round decimals",
      description: "Round decimals to the nearest whole number, tenth or hundredth.",
      prerequisites: ["decimals.place-value", "number.rounding"],
      prefix: "de-round",
      draft(rng) {
        const to = rng.int(0, 2);
        const p = to + rng.int(1, 2);
        const unit = 10 ** (p - to);
        let S = scaled(decimal(rng, p, 99), p);
        if (rng.chance(0.2)) S = (Math.floor(S / (unit * 10)) * 10 + 9) * unit + rng.int(unit / 2, unit - 1); // rounds across a 9
        const x = S / 10 ** p;
        const down = Math.floor(S / unit) * unit;
        const up = S - down >= unit / 2;
        const ansScaled = up ? down + unit : down;
        const ans = ansScaled / 10 ** p;
        const show = (v: number) => v.toFixed(to);
        const name = to === 0 ? "whole number" : to === 1 ? "tenth" : "hundredth";
        const acrossNine = Math.floor(ansScaled / (unit * 10)) !== Math.floor(S / (unit * 10));
        const wrongs = [
          show((up ? down : down + unit) / 10 ** p), // rounded the other way (e.g. truncated)
          x.toFixed(to + 1), // rounded to the wrong place
          to > 0 ? String(Math.round(x)) : x.toFixed(1),
          show(ans + 1 / 10 ** to),
          show(Math.max(0, ans - 1 / 10 ** to)),
          show(ans + 2 / 10 ** to),
        ];
        const asWord = rng.chance(0.25);
        const who = rng.pick(NAMES);
        return {
          prompt: asWord ? `${who}'s long jump measured ${dec(x)} metres. What is that rounded to the nearest ${name}?` : rng.pick([`Round ${dec(x)} to the nearest ${name}.`, `What is ${dec(x)} rounded to the nearest ${name}?`]),
          answer: show(ans),
          value: Number(show(ans)),
          wrongs: wrongs.filter((w) => Number(w) >= 0 && w !== show(ans)),
          steps: [`Look at the digit just after the ${name === "whole number" ? "ones" : `${name}s`} place.`, up ? `It is 5 or more, so round up.` : `It is less than 5, so round down.`, `${dec(x)} ≈ ${show(ans)}.`],
          hardness: clamp01(to * 0.25 + (p - to - 1) * 0.2 + (acrossNine ? 0.3 : 0)),
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "decimals.add-subtract",
      name: "Add and subtract decimals",
      description: "Add and subtract decimals by lining up the decimal points, including money.",
      prerequisites: ["decimals.place-value", "number.subtract-whole"],
      prefix: "de-add-sub",
      draft(rng) {
        const pa = rng.int(0, 2);
        const pb = rng.int(1, 3);
        let a = pa === 0 ? rng.int(2, 30) : decimal(rng, pa, 30);
        let b = decimal(rng, pb, 20);
        const op = rng.chance(0.5) ? "+" : "-";
        if (op === "-" && b > a) [a, b] = [b, a];
        const P = Math.max(placesOf(a), placesOf(b));
        const A = scaled(a, P);
        const B = scaled(b, P);
        const exact = (op === "+" ? A + B : A - B) / 10 ** P;
        // Misaligned: digits lined up on the right as if both were whole numbers.
        const rawA = Number(dec(a).replace(".", ""));
        const rawB = Number(dec(b).replace(".", ""));
        const misaligned = (op === "+" ? rawA + rawB : Math.abs(rawA - rawB)) / 10 ** P;
        const wrongs = [dec(misaligned), dec(exact * 10), dec(exact / 10), dec(op === "+" ? Math.abs(A - B) / 10 ** P : (A + B) / 10 ** P), dec(exact + 1 / 10 ** P), dec(exact - 1 / 10 ** P), dec(exact + 1)];
        const money_ = rng.chance(0.3) && placesOf(a) <= 2 && placesOf(b) <= 2;
        const who = rng.pick(NAMES);
        const hardness = clamp01((placesOf(a) !== placesOf(b) ? 0.4 : 0) + P / 3 * 0.3 + (op === "-" ? 0.2 : 0));
        if (money_) {
          return {
            prompt: op === "+" ? `${who} buys a book for ${money(a)} and a pen for ${money(b)}. How much is that in all?` : `${who} has ${money(a)} and spends ${money(b)}. How much money is left?`,
            answer: money(exact),
            value: Number(exact.toFixed(2)),
            tolerance: 0.001,
            wrongs: wrongs.map((w) => money(Number(w))).filter((w) => !w.startsWith("-")),
            steps: [`Line up the decimal points: ${money(a)} ${op} ${money(b)}.`, `${op === "+" ? "Add" : "Subtract"} column by column: ${money(exact)}.`],
            hardness,
            tags: word(["money"]),
          };
        }
        return {
          prompt: rng.pick([`What is ${dec(a)} ${op} ${dec(b)}?`, `Calculate the decimal ${op === "+" ? "sum" : "difference"}: ${dec(a)} ${op} ${dec(b)}`]),
          answer: dec(exact),
          value: exact,
          wrongs,
          steps: [`Line up the decimal points; fill empty places with zeros: ${a.toFixed(P)} ${op} ${b.toFixed(P)}.`, `${op === "+" ? "Add" : "Subtract"} as with whole numbers and keep the point in line: ${dec(exact)}.`],
          hardness,
        };
      },
    },
    {
      id: "decimals.multiply",
      name: "Multiply decimals",
      description: "Multiply decimals and place the decimal point by counting decimal places.",
      prerequisites: ["decimals.add-subtract", "mult.multi-digit"],
      prefix: "de-multiply",
      draft(rng) {
        const pa = rng.int(1, 2);
        const pb = rng.int(0, 2);
        const A = rng.int(2, pa === 1 ? 99 : 999);
        const B = rng.int(2, pb === 0 ? 12 : 40);
        const a = A / 10 ** pa;
        const b = B / 10 ** pb;
        const P = pa + pb;
        const prod = (A * B) / 10 ** P;
        const asWord = rng.chance(0.25) && pb === 0;
        const who = rng.pick(NAMES);
        return {
          prompt: asWord ? `${who} buys ${B} notebooks at ${money(a)} each. What is the total cost in dollars?` : rng.pick([`What is ${dec(a)} × ${dec(b)}?`, `Multiply the decimals: ${dec(a)} × ${dec(b)}`]),
          answer: asWord ? money(prod) : dec(prod),
          value: prod,
          wrongs: [(A * B) / 10 ** Math.max(pa, pb), (A * B) / 10 ** (P + 1), (A * B) / 10 ** Math.max(0, P - 1), a + b, prod + b].map((w) => (asWord ? money(w) : dec(w))),
          steps: [`Ignore the points: ${A} × ${B} = ${commas(A * B)}.`, `Count decimal places: ${pa} + ${pb} = ${P}.`, `Place the point ${P} places from the right: ${dec(prod)}.`],
          hardness: clamp01(P / 4 * 0.5 + String(A * B).length / 5 * 0.3 + (a < 1 && b < 1 ? 0.2 : 0)),
          tags: asWord ? word(["money"]) : [],
        };
      },
    },
    {
      id: "decimals.divide",
      name: "Divide decimals",
      description: "Divide decimals by whole numbers and by decimals, shifting the point in both numbers.",
      prerequisites: ["decimals.multiply", "div.long"],
      prefix: "de-divide",
      draft(rng) {
        const byDecimal = rng.chance(0.55);
        const pq = rng.int(0, 2);
        const Q = rng.int(2, pq === 0 ? 60 : 400);
        const q = Q / 10 ** pq;
        const pd = byDecimal ? rng.int(1, 2) : 0;
        const D = byDecimal ? rng.int(2, pd === 1 ? 9 : 25) : rng.int(2, 12);
        const divisor = D / 10 ** pd;
        const n = (Q * D) / 10 ** (pq + pd); // exact dividend
        const asWord = !byDecimal && rng.chance(0.3);
        const who = rng.pick(NAMES);
        return {
          prompt: asWord ? `${who} and ${D - 1} friends split a bill of ${money(n)} equally. How much does each person pay?` : rng.pick([`What is ${dec(n)} ÷ ${dec(divisor)}?`, `Divide the decimals: ${dec(n)} ÷ ${dec(divisor)}`]),
          answer: asWord ? money(q) : dec(q),
          value: q,
          wrongs: [q * 10, q / 10, q * 100, n * divisor, q + 1].map((w) => (asWord ? money(w) : dec(w))),
          steps: byDecimal
            ? [`Make the divisor whole: multiply both numbers by ${10 ** pd}.`, `${dec(n)} ÷ ${dec(divisor)} = ${dec(n * 10 ** pd)} ÷ ${D}.`, `${dec(n * 10 ** pd)} ÷ ${D} = ${dec(q)}.`]
            : [`Divide as with whole numbers, keeping the point above its place in the dividend.`, `${dec(n)} ÷ ${D} = ${dec(q)}.`],
          hardness: clamp01((byDecimal ? 0.4 : 0) + pq * 0.2 + (pd === 2 ? 0.2 : 0)),
          tags: asWord ? word(["money"]) : [],
        };
      },
    },
    {
      id: "decimals.fraction-convert",
      name: "Convert between fractions and decimals",
      description: "Write fractions as terminating decimals and decimals as fractions in simplest form.",
      prerequisites: ["decimals.place-value", "fractions.simplify"],
      prefix: "de-convert",
      draft(rng) {
        const d = rng.pick([2, 4, 5, 8, 10, 20, 25, 40, 50]);
        let n = rng.int(1, d - 1);
        while (gcd(n, d) !== 1) n = rng.int(1, d - 1);
        const value = n / d;
        const hardness = clamp01(dec(value).length / 6 * 0.5 + ([8, 40].includes(d) ? 0.3 : 0));
        if (rng.chance(0.5)) {
          return {
            prompt: rng.pick([`Write the fraction ${n}/${d} as a decimal.`, `What is ${n}/${d} written as a decimal?`]),
            answer: dec(value),
            value,
            wrongs: [`${n}.${d}`, `0.${n}${d}`, dec(d / n, 3), `0.${n}`, dec(value * 10), dec(value / 10)],
            steps: [`A fraction means division: ${n} ÷ ${d}.`, d === 10 ? `Tenths: ${n}/10 = ${dec(value)}.` : `Rewrite over a power of ten: ${n}/${d} = ${dec(value * 10 ** Math.max(1, dec(value).length - 2))}/${10 ** Math.max(1, dec(value).length - 2)} = ${dec(value)}.`],
            hardness,
          };
        }
        const p = dec(value).length - 2;
        const N = Math.round(value * 10 ** p);
        const ans = frac(N, 10 ** p);
        return {
          prompt: rng.pick([`Write the decimal ${dec(value)} as a fraction in simplest form.`, `Which fraction equals ${dec(value)}?`]),
          answer: fracStr(ans.n, ans.d),
          accepted: [fracStr(ans.n, ans.d)],
          wrongs: fracWrongs(ans, [[N, 10 ** (p + 1)], [N, 10 ** Math.max(1, p - 1)], [ans.d, ans.n], [N, 100], [1, N]]),
          steps: [`${dec(value)} has ${p} decimal place${p === 1 ? "" : "s"}: ${dec(value)} = ${N}/${10 ** p}.`, `Simplify by GCF ${gcd(N, 10 ** p)}: ${fracStr(ans.n, ans.d)}.`],
          hardness: hardness + 0.15,
        };
      },
    },
  ],
};
