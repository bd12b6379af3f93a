import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { itemSchema, skillSchema } from "../../src/content/schema";
import type { Item } from "../../src/content/schema";
import { topologicalOrder, validateSkillGraph } from "../../src/core/graph";

const bank = generateDemoBank(1);
const bySkill = new Map<string, Item[]>();
for (const item of bank.items) {
  const key = item.skillIds[0] ?? "";
  const list = bySkill.get(key) ?? [];
  list.push(item);
  bySkill.set(key, list);
}

function hash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The answer key as text: the chosen choice, the numeric value, or the first accepted text. */
function keyOf(item: Item): string {
  if (item.answer.type === "choice") return item.choices?.[item.answer.index] ?? "";
  if (item.answer.type === "numeric") return String(item.answer.value);
  return item.answer.accepted[0] ?? "";
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** "3/4", "-2", "1 1/2" → [numerator, denominator] in lowest terms. */
function fractionValue(text: string): [number, number] {
  const mixed = /^(-?\d+) (\d+)\/(\d+)$/.exec(text);
  if (mixed) {
    const [w, n, d] = [Number(mixed[1]), Number(mixed[2]), Number(mixed[3])];
    return lowest(w * d + Math.sign(w || 1) * n, d);
  }
  const [n = "", d = "1"] = text.split("/");
  return lowest(Number(n), Number(d));
}

function lowest(n: number, d: number): [number, number] {
  const g = gcd(n, d) || 1;
  return [n / g, d / g];
}

/**
 * A tiny independent evaluator for the prompts' arithmetic and algebra: + - × ÷ * /, ² ³,
 * parentheses, unary minus binding looser than powers (so -3² = -9), and implicit
 * multiplication (5x, 4(x + 6)).
 */
function evaluate(source: string, vars: Record<string, number> = {}): number {
  const tokens = source.match(/\d+(?:\.\d+)?|[a-z]|[-+×÷*/()²³]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expr = (): number => {
    let v = term();
    while (peek() === "+" || peek() === "-") v = next() === "+" ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = unary();
    for (;;) {
      const t = peek();
      if (t === "×" || t === "*") { next(); v *= unary(); }
      else if (t === "÷" || t === "/") { next(); v /= unary(); }
      else if (t !== undefined && (/^[a-z]$/.test(t) || t === "(")) v *= unary();
      else return v;
    }
  };
  const unary = (): number => (peek() === "-" ? (next(), -unary()) : power());
  const power = (): number => {
    const base = primary();
    if (peek() === "²") { next(); return base ** 2; }
    if (peek() === "³") { next(); return base ** 3; }
    return base;
  };
  const primary = (): number => {
    const t = next();
    if (t === "(") { const v = expr(); next(); return v; }
    if (t !== undefined && /^[a-z]$/.test(t)) {
      const v = vars[t];
      if (v === undefined) throw new Error(`no value for ${t} in ${source}`);
      return v;
    }
    return Number(t);
  };
  const value = expr();
  if (i !== tokens.length) throw new Error(`could not parse ${source}`);
  return value;
}

describe("demo bank: shape and determinism", () => {
  it("is byte-identical for the same seed and differs for another", () => {
    expect(hash(generateDemoBank(1))).toBe(hash(bank));
    expect(hash(generateDemoBank(2))).not.toBe(hash(bank));
  });

  it("generates well under two seconds", () => {
    const t = performance.now();
    generateDemoBank(7);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it("has at least 60 skills and 6,000 items, about 100 per skill", () => {
    expect(bank.skills.length).toBeGreaterThanOrEqual(60);
    expect(bank.items.length).toBeGreaterThanOrEqual(6000);
    for (const s of bank.skills) expect(bySkill.get(s.id)?.length ?? 0).toBeGreaterThanOrEqual(90);
  });

  it("every skill and item passes the content schema unchanged", () => {
    for (const s of bank.skills) expect(skillSchema.parse(s)).toEqual(s);
    for (const item of bank.items) {
      const r = itemSchema.safeParse(item);
      if (!r.success) throw new Error(`${item.id}: ${r.error.message}`);
      expect(r.data).toEqual(item);
    }
  });

  it("has unique, readable item ids", () => {
    const ids = bank.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(?:-[a-z]+)*-\d{4}$/);
  });

  it("forms a valid prerequisite DAG taught in order", () => {
    expect(validateSkillGraph(bank.skills)).toEqual([]);
    expect(topologicalOrder(bank.skills)).toHaveLength(bank.skills.length);
    const position = new Map(bank.skills.map((s) => [s.id, s.position]));
    for (const s of bank.skills) for (const p of s.prerequisites) expect(position.get(p) ?? Infinity).toBeLessThan(s.position);
    expect(new Set(bank.skills.map((s) => s.strand)).size).toBeGreaterThanOrEqual(10);
    // Only the very first skill has no prerequisites.
    expect(bank.skills.filter((s) => s.prerequisites.length === 0).map((s) => s.id)).toEqual(["number.place-value"]);
  });

  it("mixes answer types with the right guessing parameter", () => {
    const counts = { choice: 0, numeric: 0, text: 0 };
    for (const item of bank.items) {
      counts[item.answer.type]++;
      if (item.answer.type === "choice") {
        expect(item.choices).toHaveLength(4);
        expect(new Set(item.choices).size).toBe(4);
        expect(item.guessing).toBe(0.25);
      } else {
        expect(item.choices).toBeUndefined();
        expect(item.guessing).toBe(0);
      }
    }
    expect(counts.choice / bank.items.length).toBeGreaterThan(0.6);
    expect(counts.numeric).toBeGreaterThan(500);
    expect(counts.text).toBeGreaterThan(200);
  });

  it("spreads difficulty within each skill, centred on the skill's own scale", () => {
    for (const [skill, items] of bySkill) {
      const bs = items.map((i) => i.difficulty);
      const spread = Math.max(...bs) - Math.min(...bs);
      if (spread < 1) throw new Error(`${skill}: difficulty spread ${spread.toFixed(2)} < 1`);
      for (const i of items) {
        expect(i.discrimination).toBeGreaterThanOrEqual(0.8);
        expect(i.discrimination).toBeLessThanOrEqual(1.6);
      }
    }
    // Per-skill abilities: a typical item of every skill sits near b = 0 (see kit.ts).
    for (const [skill, items] of bySkill) {
      const m = items.reduce((a, i) => a + i.difficulty, 0) / items.length;
      if (Math.abs(m) > 1) throw new Error(`${skill}: mean difficulty ${m.toFixed(2)} is off its scale`);
    }
    const all = bank.items.reduce((a, i) => a + i.difficulty, 0) / bank.items.length;
    expect(Math.abs(all)).toBeLessThan(0.75);
  });

  it("varies prompts and writes worked, multi-step explanations", () => {
    for (const [skill, items] of bySkill) {
      const unique = new Set(items.map((i) => i.prompt)).size;
      if (unique < 0.8 * items.length) throw new Error(`${skill}: only ${unique} distinct prompts`);
      for (const i of items) expect(i.explanation.split("\n").length).toBeGreaterThanOrEqual(2);
    }
    expect(bank.items.filter((i) => i.tags.includes("word-problem")).length).toBeGreaterThan(800);
  });

  it("uses searchable words in prompts", () => {
    const count = (w: string) => bank.items.filter((i) => i.prompt.toLowerCase().includes(w)).length;
    expect(count("fraction")).toBeGreaterThan(200);
    expect(count("percent")).toBeGreaterThan(50);
    expect(count("ratio")).toBeGreaterThan(100);
    expect(count("equation")).toBeGreaterThan(200);
    expect(count("slope")).toBeGreaterThan(50);
  });
});

describe("demo bank: answers recomputed independently", () => {
  it("fraction addition and subtraction", () => {
    let checked = 0;
    for (const skill of ["fractions.add-like", "fractions.subtract-like", "fractions.add-unlike", "fractions.subtract-unlike"]) {
      for (const item of bySkill.get(skill) ?? []) {
        const m = /(\d+)\/(\d+) ([+-]) (\d+)\/(\d+)/.exec(item.prompt);
        if (!m) continue;
        const [a, b, op, c, d] = [Number(m[1]), Number(m[2]), m[3], Number(m[4]), Number(m[5])];
        const expected = lowest(op === "+" ? a * d + c * b : a * d - c * b, b * d);
        expect(fractionValue(keyOf(item)), `${item.id}: ${item.prompt}`).toEqual(expected);
        if (item.choices) {
          // No distractor may secretly equal the answer.
          const same = item.choices.filter((ch) => fractionValue(ch).join("/") === expected.join("/"));
          expect(same, item.id).toHaveLength(1);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(250);
  });

  it("fraction multiplication and division", () => {
    let checked = 0;
    for (const item of [...(bySkill.get("fractions.multiply") ?? []), ...(bySkill.get("fractions.divide") ?? [])]) {
      const m = /(\d+)\/(\d+) ([×÷]) (\d+)\/(\d+)/.exec(item.prompt);
      if (!m) continue;
      const [a, b, op, c, d] = [Number(m[1]), Number(m[2]), m[3], Number(m[4]), Number(m[5])];
      const expected = op === "×" ? lowest(a * c, b * d) : lowest(a * d, b * c);
      expect(fractionValue(keyOf(item)), `${item.id}: ${item.prompt}`).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("order of operations, with and without negative numbers", () => {
    let checked = 0;
    for (const skill of ["expressions.order-of-operations", "expressions.order-of-operations-integers"]) {
      for (const item of bySkill.get(skill) ?? []) {
        const expr = item.prompt.slice(item.prompt.lastIndexOf(": ") + 2);
        expect(Number(keyOf(item)), `${item.id}: ${expr}`).toBe(evaluate(expr));
        checked++;
      }
    }
    expect(checked).toBe(200);
  });

  it("whole-number addition, subtraction and multiplication facts", () => {
    let checked = 0;
    for (const skill of ["number.add-whole", "number.subtract-whole", "mult.facts", "mult.multi-digit"]) {
      for (const item of bySkill.get(skill) ?? []) {
        const m = /([\d,]+) ([+\-×]) ([\d,]+)/.exec(item.prompt);
        if (!m || item.tags.includes("word-problem")) continue;
        const [a, op, b] = [Number((m[1] ?? "").replace(/,/g, "")), m[2], Number((m[3] ?? "").replace(/,/g, ""))];
        const expected = op === "+" ? a + b : op === "-" ? a - b : a * b;
        expect(Number(keyOf(item).replace(/,/g, "")), `${item.id}: ${item.prompt}`).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("linear equations: the keyed answer satisfies the equation", () => {
    let checked = 0;
    for (const skill of ["equations.one-step-add", "equations.one-step-multiply", "equations.two-step", "equations.variables-both-sides", "equations.distributive"]) {
      for (const item of bySkill.get(skill) ?? []) {
        if (item.tags.includes("word-problem")) continue;
        const m = /(?:equation |: |if )([^=:]+?) = (.+?)(?: true\?|\.)?$/.exec(item.prompt);
        if (!m) throw new Error(`${item.id}: no equation in "${item.prompt}"`);
        const [lhs = "", rhs = ""] = [m[1], m[2]];
        const v = /[a-z]/.exec(lhs)?.[0] ?? "x";
        const x = Number(keyOf(item));
        expect(evaluate(lhs, { [v]: x }), `${item.id}: ${lhs} = ${rhs} at ${v} = ${x}`).toBeCloseTo(evaluate(rhs, { [v]: x }), 9);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  it("percent of a number", () => {
    let checked = 0;
    for (const item of bySkill.get("percent.of-number") ?? []) {
      const m = /^(?:What is|Find|Calculate) ([\d.]+)(?:%| percent) of (\d+)/.exec(item.prompt);
      if (!m) continue;
      expect(Number(keyOf(item)), item.prompt).toBeCloseTo((Number(m[1]) * Number(m[2])) / 100, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
