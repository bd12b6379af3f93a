/** Strand "percent": meaning, percent of a number, finding the percent, percent change, finding the whole. */
import type { StrandDef } from "./kit";
import { word } from "./kit";
import { clamp01, dec, frac, fracStr, fracWrongs, intWrongs, money } from "./math";
import { NAMES, twoNames } from "./random";

const pct = (x: number) => `${dec(x)}%`;

/** Percent/number pairs whose product is a whole number or ends in .5, as a teacher would pick. */
const FRIENDLY_PERCENTS = [5, 10, 12.5, 15, 20, 25, 30, 35, 40, 45, 50, 60, 75, 80, 90] as const;

export const percentStrand: StrandDef = {
  strand: "percent",
  skills: [
    {
      id: "percent.meaning",
      name: "Percents, decimals and fractions",
      description: "Convert between percents, decimals and fractions.",
      prerequisites: ["decimals.fraction-convert"],
      prefix: "pc-meaning",
      draft(rng) {
        const kind = rng.int(0, 3);
        const p = rng.pick([1, 2, 4, 5, 8, 12, 15, 20, 25, 30, 35, 40, 45, 60, 62.5, 75, 80, 95, 120, 150]);
        const hardness = clamp01((p < 10 ? 0.3 : 0) + (p > 100 ? 0.35 : 0) + (!Number.isInteger(p) ? 0.3 : 0));
        if (kind === 0) {
          const v = p / 100;
          return {
            prompt: rng.pick([`Write ${pct(p)} as a decimal.`, `What is ${p} percent written as a decimal?`]),
            answer: dec(v),
            value: v,
            wrongs: [dec(p / 10), dec(p / 1000), dec(p), `0.${String(p).replace(".", "")}`, dec(v + 0.1)],
            steps: [`Percent means "out of 100", so divide by 100.`, `${pct(p)} = ${p} ÷ 100 = ${dec(v)} (move the point two places left).`],
            hardness,
          };
        }
        if (kind === 1) {
          const v = p / 100;
          return {
            prompt: rng.pick([`Write ${dec(v)} as a percent.`, `What percent is the decimal ${dec(v)}?`]),
            answer: pct(p),
            value: p,
            wrongs: [pct(p / 10), pct(v), pct(p * 10), `${dec(v * 10)}%`, pct(p + 1)].filter((w) => w !== pct(p)),
            freeHint: "Give the number of percent.",
            steps: [`Multiply by 100 to write a decimal as a percent.`, `${dec(v)} × 100 = ${dec(p)}, so ${dec(v)} = ${pct(p)}.`],
            hardness,
          };
        }
        const f = frac(p * 2, 200);
        if (kind === 2 && p <= 100) {
          return {
            prompt: rng.pick([`Write the fraction ${fracStr(f.n, f.d)} as a percent.`, `What percent is ${fracStr(f.n, f.d)}?`]),
            answer: pct(p),
            value: p,
            wrongs: [`${f.n}${f.d}%`, pct(f.n), pct(Math.round((f.d / f.n) * 10) / 10), pct(100 - p), pct(p * 10)].filter((w) => w !== pct(p)),
            freeHint: "Give the number of percent.",
            steps: [`Find an equivalent fraction out of 100, or divide: ${f.n} ÷ ${f.d} = ${dec(p / 100)}.`, `${dec(p / 100)} × 100 = ${dec(p)}, so ${fracStr(f.n, f.d)} = ${pct(p)}.`],
            hardness: hardness + 0.15,
          };
        }
        return {
          prompt: rng.pick([`Write ${pct(p)} as a fraction in simplest form.`, `Which fraction is equal to ${p} percent?`]),
          answer: fracStr(f.n, f.d),
          accepted: [fracStr(f.n, f.d)],
          wrongs: fracWrongs(f, [[Math.round(p), 10], [1, Math.round(p)], [Math.round(p), 1000], [f.d, f.n], [100 - Math.round(p), 100]]),
          steps: [`${pct(p)} = ${dec(p)}/100${Number.isInteger(p) ? "" : ` = ${p * 2}/200`}.`, `Simplify: ${fracStr(f.n, f.d)}.`],
          hardness: hardness + 0.2,
        };
      },
    },
    {
      id: "percent.of-number",
      name: "Percent of a number",
      description: "Find a percent of a quantity, including discounts, tips and scores.",
      prerequisites: ["percent.meaning", "decimals.multiply"],
      prefix: "pc-of",
      draft(rng) {
        const p = rng.pick(FRIENDLY_PERCENTS);
        const unit = p === 12.5 ? 8 : p % 10 === 5 ? 20 : 10;
        const n = unit * rng.int(2, 30);
        const ans = (p * n) / 100;
        const asWord = rng.chance(0.4);
        const [who] = twoNames(rng);
        const ctx = rng.pick([
          `A test has ${n} questions. ${who} got ${pct(p)} of them right. How many questions did ${who} get right?`,
          `A school has ${n} students and ${pct(p)} of them play a sport. How many students play a sport?`,
          `${who} earns $${n} and saves ${p} percent of it. How many dollars does ${who} save?`,
        ]);
        return {
          prompt: asWord ? ctx : rng.pick([`What is ${pct(p)} of ${n}?`, `Find ${p} percent of ${n}.`, `Calculate ${pct(p)} of ${n}.`]),
          answer: dec(ans),
          value: ans,
          wrongs: [dec(ans * 10), dec(ans / 10), dec(n - ans), dec(n + p), dec(Math.round((n / p) * 100) / 100), dec(ans + unit / 10)],
          steps: [`${pct(p)} = ${dec(p / 100)}.`, `${dec(p / 100)} × ${n} = ${dec(ans)}.`, p % 10 === 0 ? `Check: 10% of ${n} is ${dec(n / 10)}, and ${p / 10} × ${dec(n / 10)} = ${dec(ans)}.` : `Check: ${dec(ans)} out of ${n} is ${dec(p)} out of 100.`],
          hardness: clamp01((p % 10 !== 0 ? 0.35 : 0) + n / 600 * 0.4 + (p === 12.5 ? 0.2 : 0)),
          tags: asWord ? word() : [],
        };
      },
    },
    {
      id: "percent.find-percent",
      name: "Find what percent one number is of another",
      description: "Express a part of a whole as a percent.",
      prerequisites: ["percent.of-number", "decimals.divide"],
      prefix: "pc-find",
      draft(rng) {
        const p = rng.pick([5, 10, 15, 20, 25, 30, 40, 45, 50, 60, 70, 75, 80, 85, 90, 120, 150]);
        const whole = rng.pick([20, 40, 60, 80, 120, 160, 200, 300]);
        const part = (p * whole) / 100;
        const asWord = rng.chance(0.45);
        const who = rng.pick(NAMES);
        const ctx = rng.pick([
          `${who} answered ${part} of ${whole} questions correctly. What percent did ${who} get right?`,
          `A garden has ${whole} plants and ${part} of them are flowering. What percent of the plants are flowering?`,
        ]);
        return {
          prompt: asWord && p <= 100 ? ctx : rng.pick([`What percent of ${whole} is ${part}?`, `${part} is what percent of ${whole}?`]),
          answer: pct(p),
          value: p,
          freeHint: "Give the number of percent.",
          wrongs: [pct(Math.round((whole / part) * 100) / 100), pct(Math.round((part / whole) * 100) / 100), pct(part), pct(100 - p), pct(p * 10)].filter((w) => w !== pct(p)),
          steps: [`Percent = part ÷ whole × 100.`, `${part} ÷ ${whole} = ${dec(part / whole)}.`, `${dec(part / whole)} × 100 = ${pct(p)}.`],
          hardness: clamp01((p > 100 ? 0.5 : 0) + (p % 25 !== 0 ? 0.3 : 0) + whole / 300 * 0.2),
          tags: asWord && p <= 100 ? word() : [],
        };
      },
    },
    {
      id: "percent.change",
      name: "Percent increase and decrease",
      description: "Apply discounts, tax and growth, and find the percent change between two amounts.",
      prerequisites: ["percent.of-number"],
      prefix: "pc-change",
      draft(rng) {
        const p = rng.pick([10, 15, 20, 25, 30, 40, 50, 60, 75]);
        const base = rng.pick([20, 40, 60, 80, 100, 120, 160, 200, 240]);
        const change = (p * base) / 100;
        const who = rng.pick(NAMES);
        const kind = rng.int(0, 2);
        if (kind === 0) {
          const ans = base - change;
          return {
            prompt: rng.pick([`A jacket costs ${money(base)} and is on sale for ${pct(p)} off. What is the sale price?`, `${who} buys a ${money(base)} game with a ${p} percent discount. How much does ${who} pay?`]),
            answer: money(ans),
            value: ans,
            wrongs: [money(change), money(base + change), money(base - p), money(ans + 5), money(ans - 5)],
            steps: [`Discount: ${pct(p)} of ${money(base)} = ${money(change)}.`, `Sale price: ${money(base)} - ${money(change)} = ${money(ans)}.`, `Or in one step: ${100 - p}% of ${money(base)} = ${money(ans)}.`],
            hardness: clamp01(0.2 + (p % 20 !== 0 ? 0.2 : 0)),
            tags: word(["money"]),
          };
        }
        if (kind === 1) {
          const town = rng.chance(0.5);
          const q = town ? base * 10 : base;
          const inc = (p * q) / 100;
          const ans = q + inc;
          return {
            prompt: town ? `A town of ${q} people grows by ${pct(p)}. What is the new population?` : `A plant ${q} cm tall grows ${p} percent taller. How tall is it now, in cm?`,
            answer: dec(ans),
            value: ans,
            wrongs: [dec(inc), dec(q + p), dec(q - inc), dec(q * (1 + p / 10)), dec(ans + 10)],
            steps: [`Increase: ${pct(p)} of ${q} = ${dec(inc)}.`, `New amount: ${q} + ${dec(inc)} = ${dec(ans)}.`, `Or in one step: ${100 + p}% of ${q} = ${dec(ans)}.`],
            hardness: clamp01(0.35 + (p % 20 !== 0 ? 0.2 : 0)),
            tags: word(),
          };
        }
        const up = rng.chance(0.5);
        const [from, to] = up ? [base, base + change] : [base, base - change];
        return {
          prompt: `A price changes from ${money(from)} to ${money(to)}. What is the percent ${up ? "increase" : "decrease"}?`,
          answer: pct(p),
          value: p,
          freeHint: "Give the number of percent.",
          wrongs: [pct(Math.round((change / to) * 1000) / 10), pct(change), pct(Math.round((to / from) * 1000) / 10), pct(p / 2), pct(p + 10)].filter((w) => w !== pct(p)),
          steps: [`Change: ${money(Math.abs(to - from))}.`, `Divide by the ORIGINAL amount: ${dec(change)} ÷ ${from} = ${dec(p / 100)}.`, `${dec(p / 100)} = ${pct(p)} ${up ? "increase" : "decrease"}.`],
          hardness: clamp01(0.7 + (p % 20 !== 0 ? 0.2 : 0)),
          tags: word(["money"]),
        };
      },
    },
    {
      id: "percent.find-whole",
      name: "Find the whole from a percent",
      description: "Find the original amount when a part and its percent are known.",
      prerequisites: ["percent.find-percent"],
      prefix: "pc-whole",
      draft(rng) {
        const p = rng.pick([5, 10, 20, 25, 30, 40, 50, 60, 75, 80]);
        const whole = rng.pick([20, 40, 60, 80, 100, 120, 160, 200, 240, 400]);
        const part = (p * whole) / 100;
        const asWord = rng.chance(0.45);
        const who = rng.pick(NAMES);
        return {
          prompt: asWord
            ? rng.pick([`${who} has read ${part} pages, which is ${pct(p)} of the book. How many pages does the book have?`, `${part} students voted, which is ${p} percent of the class list. How many students are on the list?`])
            : rng.pick([`${part} is ${pct(p)} of what number?`, `${pct(p)} of a number is ${part}. What is the number?`]),
          answer: String(whole),
          value: whole,
          wrongs: intWrongs(whole, [Math.round((p * part) / 100), part + p, Math.round(part * p), part * 10, whole / 2]).concat([dec((p * part) / 100)]),
          steps: [`${pct(p)} of the whole is ${part}, so 1% is ${part} ÷ ${p} = ${dec(part / p)}.`, `100% is ${dec(part / p)} × 100 = ${whole}.`, `Check: ${pct(p)} of ${whole} = ${part}.`],
          hardness: clamp01((p % 10 !== 0 ? 0.3 : 0) + whole / 400 * 0.5),
          tags: asWord ? word() : [],
        };
      },
    },
  ],
};
