/** Strand "ratios": ratio language, equivalent ratios, unit rates, proportions, sharing in a ratio. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, dec, gcd, intWrongs, money } from "./math";
import type { Rng } from "./random";
import { NAMES, twoNames } from "./random";

/** Two coprime parts, neither 0, not equal. */
function coprimePair(rng: Rng, max: number): [number, number] {
  for (;;) {
    const a = rng.int(1, max);
    const b = rng.int(1, max);
    if (a !== b && gcd(a, b) === 1) return [a, b];
  }
}

export const ratiosStrand: StrandDef = {
  strand: "ratios",
  skills: [
    {
      id: "ratios.meaning",
      name: "Ratios",
      description: "Write part-to-part and part-to-whole ratios in simplest form.",
      prerequisites: ["fractions.simplify"],
      prefix: "ra-meaning",
      draft(rng) {
        const [a, b] = coprimePair(rng, 9);
        const k = rng.int(1, 8);
        const A = a * k;
        const B = b * k;
        const [x, y] = rng.pick([["girls", "boys"], ["cats", "dogs"], ["red tulips", "yellow tulips"], ["apples", "oranges"]] as const);
        const partWhole = rng.chance(0.3);
        const g = gcd(A, A + B);
        const answer = partWhole ? `${A / g}:${(A + B) / g}` : `${a}:${b}`;
        const wrongs = partWhole ? [`${a}:${b}`, `${(A + B) / g}:${A / g}`, `${b}:${a + b}`, `${A}:${B}`] : [`${b}:${a}`, `${a}:${a + b}`, `${b}:${a + b}`, `${A}:${A + B}`, `${a + 1}:${b + 1}`];
        return {
          prompt: `A group has ${A} ${x} and ${B} ${y}. What is the ratio of ${x} to ${partWhole ? `all of the ${x} and ${y} together` : y}, in simplest form?`,
          answer,
          accepted: [answer, answer.replace(":", " : "), answer.replace(":", " to ")],
          freeHint: "Write it like 2:3.",
          wrongs: wrongs.filter((w) => w !== answer),
          steps: partWhole
            ? [`The whole is ${A} + ${B} = ${A + B}.`, `${x} to whole = ${A}:${A + B}.`, `Divide both by ${g}: ${answer}.`]
            : [`${x} to ${y} = ${A}:${B} (order matters: ${x} first).`, k > 1 ? `Divide both by their GCF ${k}: ${answer}.` : `${A} and ${B} share no factor, so it is already ${answer}.`],
          hardness: clamp01((k > 1 ? 0.3 : 0) + (partWhole ? 0.4 : 0) + k / 8 * 0.2),
          tags: word(),
        };
      },
    },
    {
      id: "ratios.equivalent",
      name: "Equivalent ratios",
      description: "Scale a ratio up or down to find a missing quantity.",
      prerequisites: ["ratios.meaning"],
      prefix: "ra-equiv",
      draft(rng) {
        const [a, b] = coprimePair(rng, 9);
        const k = rng.int(2, 12);
        const who = rng.pick(NAMES);
        if (rng.chance(0.6)) {
          const [x, y] = rng.pick([["cups of flour", "cups of sugar"], ["parts water", "parts juice"], ["blue beads", "white beads"]] as const);
          const ans = b * k;
          return {
            prompt: `A recipe uses ${x} and ${y} in the ratio ${a}:${b}. ${who} uses ${a * k} ${x}. How many ${y} are needed?`,
            answer: String(ans),
            value: ans,
            wrongs: intWrongs(ans, [b + (a * k - a), a * k, b + k, b * (k + 1)]),
            steps: [`${a} × ${k} = ${a * k}, so the recipe is scaled by ${k}.`, `Scale the other part by the same factor: ${b} × ${k} = ${ans}.`, `Adding the same amount to both parts would not keep the ratio.`],
            hardness: clamp01(k / 12 * 0.5 + (a > b ? 0.2 : 0) + 0.2),
            tags: word(),
          };
        }
        const ans = `${a * k}:${b * k}`;
        return {
          prompt: rng.pick([`Which ratio is equivalent to ${a}:${b}?`, `Which ratio describes the same relationship as ${a} to ${b}?`]),
          answer: ans,
          wrongs: [`${a + k}:${b + k}`, `${b * k}:${a * k}`, `${a * k}:${b + k}`, `${a * k}:${b * k + 1}`, `${a * k + 1}:${b * k}`, `${a * k + 2}:${b * k + 1}`],
          steps: [`Multiply both terms by the same number ${k}: ${a} × ${k} = ${a * k}, ${b} × ${k} = ${b * k}.`, `${a}:${b} = ${ans}.`],
          hardness: clamp01(k / 12 * 0.6),
        };
      },
    },
    {
      id: "ratios.unit-rate",
      name: "Unit rates",
      description: "Find unit prices and rates such as speed, and compare them.",
      prerequisites: ["ratios.equivalent", "decimals.divide"],
      prefix: "ra-unit",
      draft(rng) {
        const who = rng.pick(NAMES);
        if (rng.chance(0.5)) {
          const n = rng.pick([4, 5, 6, 8, 10, 12, 20, 24]);
          const unitCents = rng.int(15, 250);
          const total = (n * unitCents) / 100;
          const unit = unitCents / 100;
          return {
            prompt: rng.pick([`A pack of ${n} juice boxes costs ${money(total)}. What is the price per juice box?`, `${who} pays ${money(total)} for ${n} pencils. What is the unit price (the price for one pencil)?`]),
            answer: money(unit),
            value: unit,
            tolerance: 0.005,
            wrongs: [money(Math.round((n / total) * 100) / 100), money(total - n > 0 ? total - n : total + n), money(unit * 10), money(unit + 0.1), money(Math.max(0.01, unit - 0.05))],
            steps: [`Unit price = total cost ÷ number of items.`, `${money(total)} ÷ ${n} = ${money(unit)}.`],
            hardness: clamp01((unitCents % 10 !== 0 ? 0.3 : 0) + (n > 10 ? 0.3 : 0)),
            tags: word(["money", "rate"]),
          };
        }
        const h = rng.int(2, 8);
        const speed = rng.int(4, 75);
        const dist = h * speed;
        const [unitD, unitT] = rng.pick([["kilometres", "hour"], ["miles", "hour"], ["metres", "minute"]] as const);
        return {
          prompt: `${who} travels ${dist} ${unitD} in ${h} ${unitT}s at a steady speed. What is the rate in ${unitD} per ${unitT}?`,
          answer: String(speed),
          value: speed,
          wrongs: intWrongs(speed, [dist * h, dist - h, speed + h]).concat([dec(h / dist, 3)]),
          steps: [`Rate = distance ÷ time.`, `${dist} ÷ ${h} = ${speed} ${unitD} per ${unitT}.`],
          hardness: clamp01(dist / 600 * 0.5 + h / 8 * 0.2),
          tags: word(["rate"]),
        };
      },
    },
    {
      id: "ratios.proportions",
      name: "Solve proportions",
      description: "Solve a proportion a/b = x/d by scaling or cross-multiplying.",
      prerequisites: ["ratios.equivalent", "fractions.equivalent"],
      prefix: "ra-proportion",
      draft(rng) {
        const [a, b] = coprimePair(rng, 12);
        const k = rng.int(2, 9);
        const pos = rng.int(0, 3);
        const nums = [a, b, a * k, b * k];
        const ans = nums[pos] ?? 0;
        const shown = nums.map((v, i) => (i === pos ? "x" : String(v)));
        const others = nums.filter((_, i) => i !== pos);
        const wrongs = [
          (others[2] ?? 0) + (others[1] ?? 0) - (others[0] ?? 0), // additive reasoning
          (others[0] ?? 0) * (others[2] ?? 0) / Math.max(1, others[1] ?? 1), // cross-multiplied the wrong pair
          (others[1] ?? 0) * (others[2] ?? 0),
          ans + k,
        ];
        const asWord = rng.chance(0.35) && pos === 3;
        const who = rng.pick(NAMES);
        return {
          prompt: asWord
            ? `On ${who}'s map, ${a} cm stands for ${b} km. A road is ${a * k} cm long on the map. Write and solve a proportion: how many km long is the road?`
            : rng.pick([`Solve the proportion ${shown[0]}/${shown[1]} = ${shown[2]}/${shown[3]}.`, `Find x so the ratios are equal: ${shown[0]}/${shown[1]} = ${shown[2]}/${shown[3]}`]),
          answer: String(ans),
          value: ans,
          wrongs: intWrongs(ans, wrongs.filter((w) => w > 0)),
          steps: [`Cross-multiply: ${shown[0]} × ${shown[3]} = ${shown[1]} × ${shown[2]}.`, `Solve for x: x = ${ans}.`, `Check: ${a}/${b} = ${a * k}/${b * k} (both terms scaled by ${k}).`],
          hardness: clamp01((pos === 0 || pos === 1 ? 0.35 : 0) + k / 9 * 0.3 + Math.max(a, b) / 12 * 0.3),
          tags: asWord ? word(["scale"]) : [],
        };
      },
    },
    {
      id: "ratios.share",
      name: "Share in a ratio",
      description: "Divide a quantity into parts in a given ratio.",
      prerequisites: ["ratios.meaning", "div.facts"],
      prefix: "ra-share",
      draft(rng) {
        const [a, b] = coprimePair(rng, 7);
        const unit = rng.int(2, 25);
        const total = (a + b) * unit;
        const [p, q] = twoNames(rng);
        const second = rng.chance(0.5);
        const ans = (second ? b : a) * unit;
        return {
          prompt: rng.pick([`${p} and ${q} share $${total} in the ratio ${a}:${b}. How many dollars does ${second ? q : p} get?`, `A ${total} g bag of trail mix is nuts and raisins in the ratio ${a}:${b}. How many grams of ${second ? "raisins" : "nuts"} are in it?`]),
          answer: String(ans),
          value: ans,
          wrongs: intWrongs(ans, [(second ? a : b) * unit, unit, Math.round(total / (second ? b : a)), total / 2 === Math.round(total / 2) ? total / 2 : ans + unit]),
          steps: [`Total parts: ${a} + ${b} = ${a + b}.`, `One part: ${total} ÷ ${a + b} = ${unit}.`, `${second ? b : a} parts: ${second ? b : a} × ${unit} = ${ans}.`],
          hardness: clamp01(total / 300 * 0.5 + (a + b) / 14 * 0.4),
          tags: word(),
        };
      },
    },
  ],
};
