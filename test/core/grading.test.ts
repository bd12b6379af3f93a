import { describe, expect, it } from "vitest";
import { gradeResponse, normalizeText, parseNumber } from "../../src/core/grading";
import type { Answer } from "../../src/content/schema";

const choice: Answer = { type: "choice", index: 2 };
const threeQuarters: Answer = { type: "numeric", value: 0.75, tolerance: 0 };
const text: Answer = { type: "text", accepted: ["Paris", "the  city of Paris"] };

describe("choice", () => {
  it("grades an index given as a number or digits", () => {
    expect(gradeResponse(choice, 2)).toEqual({ ok: true, correct: true, normalizedResponse: "2" });
    expect(gradeResponse(choice, " 2 ")).toEqual({ ok: true, correct: true, normalizedResponse: "2" });
    expect(gradeResponse(choice, 1)).toEqual({ ok: true, correct: false, normalizedResponse: "1" });
  });
  it("rejects malformed choices with a typed error", () => {
    expect(gradeResponse(choice, "B")).toMatchObject({ ok: false, code: "unparseable" });
    expect(gradeResponse(choice, -1)).toMatchObject({ ok: false, code: "unparseable" });
    expect(gradeResponse(choice, 1.5)).toMatchObject({ ok: false, code: "unparseable" });
    expect(gradeResponse(choice, "")).toMatchObject({ ok: false, code: "empty" });
    expect(gradeResponse(choice, null)).toMatchObject({ ok: false, code: "wrong-type" });
    expect(gradeResponse(choice, 4, { choiceCount: 4 })).toMatchObject({ ok: false, code: "out-of-range" });
  });
});

describe("numeric", () => {
  it.each([
    ["0.75", 0.75],
    [".75", 0.75],
    ["3/4", 0.75],
    [" 3 / 4 ", 0.75],
    ["0,75", 0.75],
    ["6/8", 0.75],
    [0.75, 0.75],
  ] as const)("accepts %j as 0.75", (response, value) => {
    expect(gradeResponse(threeQuarters, response)).toEqual({ ok: true, correct: true, normalizedResponse: String(value) });
  });

  it("parses decimal commas, signs, fractions and mixed numbers", () => {
    expect(parseNumber(" 1,5 ")).toEqual({ ok: true, value: 1.5 });
    expect(parseNumber("-3/4")).toEqual({ ok: true, value: -0.75 });
    expect(parseNumber("1 3/4")).toEqual({ ok: true, value: 1.75 });
    expect(parseNumber("+2.5")).toEqual({ ok: true, value: 2.5 });
    expect(parseNumber("5.")).toEqual({ ok: true, value: 5 });
    expect(parseNumber("0,125")).toEqual({ ok: true, value: 0.125 });
    expect(parseNumber("1.000")).toEqual({ ok: true, value: 1 });
  });

  it("rejects what it cannot read unambiguously", () => {
    expect(parseNumber("1,000")).toMatchObject({ ok: false, code: "ambiguous" });
    expect(parseNumber("3/0")).toMatchObject({ ok: false, code: "unparseable" });
    expect(parseNumber("abc")).toMatchObject({ ok: false, code: "unparseable" });
    expect(parseNumber("1.2.3")).toMatchObject({ ok: false, code: "unparseable" });
    expect(parseNumber("75%")).toMatchObject({ ok: false, code: "unparseable" });
    expect(parseNumber(".")).toMatchObject({ ok: false, code: "unparseable" });
    expect(parseNumber("   ")).toMatchObject({ ok: false, code: "empty" });
    expect(gradeResponse(threeQuarters, Number.NaN)).toMatchObject({ ok: false, code: "unparseable" });
    expect(gradeResponse(threeQuarters, { v: 1 })).toMatchObject({ ok: false, code: "wrong-type" });
    expect(gradeResponse(threeQuarters, "9".repeat(1001))).toMatchObject({ ok: false, code: "too-long" });
  });

  it("applies the tolerance, with slack only for binary rounding", () => {
    const pi: Answer = { type: "numeric", value: 3.14159, tolerance: 0.01 };
    expect(gradeResponse(pi, "3.14")).toMatchObject({ correct: true });
    expect(gradeResponse(pi, "3.15")).toMatchObject({ correct: true });
    expect(gradeResponse(pi, "3.13")).toMatchObject({ correct: false });
    expect(gradeResponse({ type: "numeric", value: 0.1 + 0.2, tolerance: 0 }, "0.3")).toMatchObject({ correct: true });
    expect(gradeResponse(threeQuarters, "0.7501")).toMatchObject({ ok: true, correct: false });
  });
});

describe("text", () => {
  it("is case- and whitespace-insensitive on both sides", () => {
    expect(gradeResponse(text, "  PARIS ")).toEqual({ ok: true, correct: true, normalizedResponse: "paris" });
    expect(gradeResponse(text, "The City\tof  paris")).toMatchObject({ ok: true, correct: true });
    expect(gradeResponse(text, "London")).toEqual({ ok: true, correct: false, normalizedResponse: "london" });
  });
  it("normalises compatibility characters (full-width letters)", () => {
    expect(normalizeText("ＰＡＲＩＳ")).toBe("paris");
  });
  it("rejects empty and non-string responses", () => {
    expect(gradeResponse(text, " \n ")).toMatchObject({ ok: false, code: "empty" });
    expect(gradeResponse(text, 42)).toMatchObject({ ok: false, code: "wrong-type" });
  });
});
