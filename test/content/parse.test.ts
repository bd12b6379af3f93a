import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { parseContentFile, serializeNdjson } from "../../src/content/parse";
import type { ItemInput, SkillInput } from "../../src/content/schema";

const skill = (id: string, prerequisites: string[] = []): SkillInput => ({ id, name: `Skill ${id}`, strand: "demo", prerequisites });
const item = (id: string, skillId: string, extra: Partial<ItemInput> = {}): ItemInput => ({
  id,
  skillIds: [skillId],
  prompt: `Question ${id}`,
  choices: ["1", "2", "3", "4"],
  answer: { type: "choice", index: 2 },
  explanation: "Because.",
  difficulty: 0,
  ...extra,
});
const ndjson = (rows: Array<Record<string, unknown> | string>) => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n");

/** 1-based line of the first occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in text`);
  return text.slice(0, at).split("\n").length;
}

function errorsOf(result: ReturnType<typeof parseContentFile>) {
  if (result.ok) throw new Error("expected the import to fail");
  return result.errors;
}

describe("parseContentFile: valid files", () => {
  const bank = generateDemoBank(1);
  const small = { skills: bank.skills.slice(0, 5), items: bank.items.filter((i) => bank.skills.slice(0, 5).some((s) => s.id === i.skillIds[0])).slice(0, 40) };

  it("round-trips the whole demo bank through NDJSON", () => {
    const text = serializeNdjson(bank);
    expect(text.split("\n")).toHaveLength(bank.skills.length + bank.items.length + 1);
    const result = parseContentFile(text, "ndjson");
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.skills).toEqual(bank.skills);
      expect(result.items).toEqual(bank.items);
    }
  });

  it("reads pretty-printed and compact JSON", () => {
    for (const text of [JSON.stringify(small, null, 2), JSON.stringify(small)]) {
      const result = parseContentFile(text, "json");
      expect(result).toEqual({ ok: true, skills: small.skills, items: small.items });
    }
  });

  it("applies schema defaults and skips blank NDJSON lines", () => {
    const text = ndjson([{ type: "skill", ...skill("a") }, "", "   ", { type: "item", ...item("q1", "a") }, ""]);
    const result = parseContentFile(text, "ndjson");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.skills[0]).toMatchObject({ id: "a", description: "", position: 0, prerequisites: [] });
    expect(result.items[0]).toMatchObject({ id: "q1", discrimination: 1, guessing: 0, calibrated: false, tags: [] });
  });

  it("resolves prerequisites and item skills against existing skill ids", () => {
    const text = ndjson([{ type: "skill", ...skill("b", ["in-db"]) }, { type: "item", ...item("q1", "in-db") }]);
    expect(errorsOf(parseContentFile(text, "ndjson"))).toHaveLength(2);
    expect(parseContentFile(text, "ndjson", { skillIds: new Set(["in-db"]) }).ok).toBe(true);
  });
});

describe("parseContentFile: bad rows", () => {
  it("reports exactly the three bad rows, by line, and returns no rows", () => {
    const text = ndjson([
      { type: "skill", ...skill("fractions.basics") }, // 1
      { type: "skill", ...skill("Bad Id") }, // 2: bad id
      "", // 3
      { type: "item", ...item("q1", "fractions.basics") }, // 4
      { type: "item", ...item("q2", "fractions.basics", { difficulty: 9 }) }, // 5: difficulty out of range
      { type: "item", ...item("q3", "fractions.basics") }, // 6
      { type: "item", ...item("q4", "fractions.basics", { answer: { type: "choice", index: 7 } }) }, // 7: index outside choices
    ]);
    const result = parseContentFile(text, "ndjson");
    expect(result).not.toHaveProperty("skills");
    expect(result).not.toHaveProperty("items");
    const errors = errorsOf(result);
    expect(errors.map((e) => e.line)).toEqual([2, 5, 7]);
    expect(errors.map((e) => e.id)).toEqual(["Bad Id", "q2", "q4"]);
    expect(errors[0]?.reason).toMatch(/^invalid skill: id: skill id must be lower-case/);
    expect(errors[1]?.reason).toMatch(/^invalid item: difficulty: .*6/);
    expect(errors[2]?.reason).toMatch(/answer\.index: answer index 7 is outside the 4 choices/);
  });

  it("names nested field paths", () => {
    const text = ndjson([{ type: "skill", ...skill("a") }, { type: "item", ...item("q1", "a", { choices: ["x", "", "y"] }) }]);
    expect(errorsOf(parseContentFile(text, "ndjson"))[0]?.reason).toMatch(/choices\[1\]/);
  });

  it("reports an unknown prerequisite and an unknown item skill", () => {
    const text = ndjson([{ type: "skill", ...skill("a", ["nope"]) }, { type: "item", ...item("q1", "missing") }]);
    expect(errorsOf(parseContentFile(text, "ndjson"))).toEqual([
      { line: 1, id: "a", reason: 'unknown prerequisite "nope" (not in this file or the database)' },
      { line: 2, id: "q1", reason: 'unknown skill "missing" (not in this file or the database)' },
    ]);
  });

  it("does not cascade: an item pointing at a skill whose row is invalid is not reported again", () => {
    const text = ndjson([{ type: "skill", id: "a", name: "" , strand: "s" }, { type: "item", ...item("q1", "a") }]);
    const errors = errorsOf(parseContentFile(text, "ndjson"));
    expect(errors.map((e) => e.line)).toEqual([1]);
  });

  it("reports a prerequisite cycle with its path", () => {
    const text = ndjson([{ type: "skill", ...skill("a", ["c"]) }, { type: "skill", ...skill("b", ["a"]) }, { type: "skill", ...skill("c", ["b"]) }, { type: "skill", ...skill("d", ["a"]) }]);
    const errors = errorsOf(parseContentFile(text, "ndjson"));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.reason).toMatch(/^prerequisite cycle: /);
    const path = (errors[0]?.reason ?? "").replace("prerequisite cycle: ", "").split(" → ").map((s) => s.replace(/ \(line \d\)/, ""));
    expect(path).toHaveLength(4);
    expect(path[0]).toBe(path[3]);
    expect(new Set(path)).toEqual(new Set(["a", "b", "c"]));
  });

  it("reports every independent cycle and self-prerequisites", () => {
    const text = ndjson([
      { type: "skill", ...skill("a", ["b"]) },
      { type: "skill", ...skill("b", ["a"]) },
      { type: "skill", ...skill("c", ["d"]) },
      { type: "skill", ...skill("d", ["c"]) },
      { type: "skill", ...skill("e", ["e"]) },
    ]);
    const errors = errorsOf(parseContentFile(text, "ndjson"));
    expect(errors.filter((e) => e.reason.startsWith("prerequisite cycle"))).toHaveLength(2);
    expect(errors).toContainEqual({ line: 5, id: "e", reason: "skill lists itself as a prerequisite" });
  });

  it("reports duplicate ids at each repeat, pointing at the first", () => {
    const text = ndjson([{ type: "skill", ...skill("a") }, { type: "skill", ...skill("a") }, { type: "item", ...item("q1", "a") }, { type: "item", ...item("q1", "a") }]);
    expect(errorsOf(parseContentFile(text, "ndjson"))).toEqual([
      { line: 2, id: "a", reason: 'duplicate skill id "a" (first defined on line 1)' },
      { line: 4, id: "q1", reason: 'duplicate item id "q1" (first defined on line 3)' },
    ]);
  });

  it("reports broken NDJSON lines and missing types without stopping", () => {
    const text = ndjson([{ type: "skill", ...skill("a") }, "{not json", { ...skill("b") }, "[1, 2]", { type: "widget", id: "w" }]);
    const errors = errorsOf(parseContentFile(text, "ndjson"));
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(errors[0]?.reason).toMatch(/^invalid JSON/);
    expect(errors[1]).toMatchObject({ id: "b", reason: expect.stringMatching(/"type" must be "skill" or "item"/) });
  });
});

describe("parseContentFile: JSON line numbers", () => {
  it("points at the line where each bad element starts in a pretty-printed file", () => {
    const doc = {
      skills: [skill("a"), { ...skill("b"), id: "B!" }, skill("c", ["a"])],
      items: [item("q1", "a"), item("q2", "c"), { ...item("q3", "a"), difficulty: "hard" }, item("q4", "zzz")],
    };
    const text = JSON.stringify(doc, null, 2);
    const errors = errorsOf(parseContentFile(text, "json"));
    // In JSON.stringify(…, null, 2) an element's "{" is on the line before its "id".
    expect(errors.map((e) => e.line)).toEqual([lineOf(text, '"id": "B!"') - 1, lineOf(text, '"id": "q3"') - 1, lineOf(text, '"id": "q4"') - 1]);
    expect(errors.map((e) => e.id)).toEqual(["B!", "q3", "q4"]);
  });

  it("is not fooled by brackets, braces and escaped quotes inside strings, or odd layout", () => {
    const text = [
      "{",
      '  "skills": [ {"id": "a", "name": "Brackets ] and } and \\" quotes [", "strand": "s"},',
      "    {",
      '      "id": "b", "name": "", "strand": "s"',
      "    }",
      "  ],",
      '  "items": [',
      "",
      '    {"id": "q1", "skillIds": ["a"], "prompt": "What is {x}? \\\\", "answer": {"type": "numeric", "value": 1}, "explanation": "e", "difficulty": 0}, {"id": "q2", "skillIds": ["a"], "prompt": "", "answer": {"type": "numeric", "value": 1}, "explanation": "e", "difficulty": 0}',
      "  ]",
      "}",
    ].join("\n");
    const errors = errorsOf(parseContentFile(text, "json"));
    expect(errors.map((e) => [e.line, e.id])).toEqual([
      [3, "b"],
      [9, "q2"],
    ]);
  });

  it("reports a syntax error with its line, and unknown or malformed top-level keys", () => {
    const broken = '{\n  "skills": [\n    {"id": "a",}\n  ]\n}';
    const errors = errorsOf(parseContentFile(broken, "json"));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(3);
    expect(errors[0]?.reason).toMatch(/^invalid JSON/);

    const odd = '{\n  "skills": [],\n  "itemz": [],\n  "items": {}\n}';
    expect(errorsOf(parseContentFile(odd, "json"))).toEqual([
      { line: 3, reason: 'unknown top-level key "itemz" (expected "skills" and "items")' },
      { line: 4, reason: '"items" must be an array' },
    ]);
    expect(errorsOf(parseContentFile("[]", "json"))[0]?.line).toBe(1);
  });
});

describe("serializeNdjson", () => {
  it("writes skills first, one typed object per line", () => {
    const text = serializeNdjson({ skills: [skill("a")], items: [item("q1", "a")] });
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; id: string });
    expect(lines.map((l) => [l.type, l.id])).toEqual([
      ["skill", "a"],
      ["item", "q1"],
    ]);
    expect(text.endsWith("\n")).toBe(true);
    expect(serializeNdjson({ skills: [], items: [] })).toBe("");
  });
});
