/**
 * Grading a learner's response against an item's `Answer`.
 * Malformed responses come back as a typed error, never as a throw, so the API can answer
 * 422 with a reason and the attempt is not counted as wrong.
 *
 * choice   a non-negative integer index, as a number or a string of digits ("2").
 * numeric  a finite number, or a string (surrounding whitespace ignored):
 *            decimal    "0.75", ".75", "-3", "+2.5", and decimal comma "1,5" → 1.5
 *            fraction   "3/4", "-3/4", "3 / 4"; mixed number "1 3/4" → 1.75
 *          A dot is always a decimal point. A comma followed by exactly three digits
 *          after a non-zero integer part ("1,000") could be a thousands separator or a
 *          decimal comma, so it is rejected as ambiguous rather than guessed. Thousands
 *          separators, exponents, percentages and units are not accepted.
 *          Correct when |x − value| ≤ tolerance + 1e-9·max(1, |value|): the small
 *          relative slack absorbs binary rounding, so "0.3" matches 0.1 + 0.2.
 * text     compared after Unicode NFKC normalisation, lower-casing and collapsing runs of
 *          whitespace to one space (trimmed), against each accepted answer treated alike.
 */
/**
 * The answer key as the core grades it. The content contract (src/content/schema.ts)
 * validates items into this shape; the core declares it itself so that it depends on no
 * other src/ folder (content already uses the core), and every place that hands a content
 * item to the core type-checks the two against each other.
 */
export type Answer =
  | { readonly type: "choice"; readonly index: number }
  | { readonly type: "numeric"; readonly value: number; readonly tolerance: number }
  | { readonly type: "text"; readonly accepted: readonly string[] };

export type GradeErrorCode = "wrong-type" | "empty" | "too-long" | "unparseable" | "ambiguous" | "out-of-range";

export type GradeResult =
  | { readonly ok: true; readonly correct: boolean; readonly normalizedResponse: string }
  | { readonly ok: false; readonly code: GradeErrorCode; readonly message: string };

export interface GradeOptions {
  /** Number of choices shown; an index at or beyond it is malformed rather than wrong. */
  readonly choiceCount?: number;
}

/** Longer responses are refused before any parsing: no accepted answer is that long. */
export const MAX_RESPONSE_LENGTH = 1000;

function fail(code: GradeErrorCode, message: string): GradeResult {
  return { ok: false, code, message };
}

export function gradeResponse(answer: Answer, response: unknown, options: GradeOptions = {}): GradeResult {
  if (typeof response === "string" && response.length > MAX_RESPONSE_LENGTH) {
    return fail("too-long", `response longer than ${MAX_RESPONSE_LENGTH} characters`);
  }
  switch (answer.type) {
    case "choice":
      return gradeChoice(answer.index, response, options.choiceCount);
    case "numeric":
      return gradeNumeric(answer.value, answer.tolerance, response);
    case "text":
      return gradeText(answer.accepted, response);
  }
}

function gradeChoice(expected: number, response: unknown, choiceCount: number | undefined): GradeResult {
  let index: number;
  if (typeof response === "number") {
    index = response;
  } else if (typeof response === "string") {
    const s = response.trim();
    if (s === "") return fail("empty", "no choice given");
    if (!/^\d{1,6}$/.test(s)) return fail("unparseable", "a choice is a non-negative integer index");
    index = Number(s);
  } else {
    return fail("wrong-type", "a choice is a number or a string of digits");
  }
  if (!Number.isSafeInteger(index) || index < 0) return fail("unparseable", "a choice is a non-negative integer index");
  if (choiceCount !== undefined && index >= choiceCount) {
    return fail("out-of-range", `choice ${index} is outside the ${choiceCount} choices`);
  }
  return { ok: true, correct: index === expected, normalizedResponse: String(index) };
}

const DECIMAL = /^([+-]?)(\d*)(?:([.,])(\d*))?$/;
const FRACTION = /^([+-]?)(?:(\d+)\s+)?(\d+)\s*\/\s*(\d+)$/;

/** Parses a numeric response string (grammar in the module comment). */
export function parseNumber(text: string): { ok: true; value: number } | { ok: false; code: GradeErrorCode; message: string } {
  const s = text.trim();
  if (s === "") return { ok: false, code: "empty", message: "no number given" };
  const frac = FRACTION.exec(s);
  if (frac) {
    const sign = frac[1] === "-" ? -1 : 1;
    const whole = frac[2] === undefined ? 0 : Number(frac[2]);
    const num = Number(frac[3]);
    const den = Number(frac[4]);
    if (den === 0) return { ok: false, code: "unparseable", message: "division by zero" };
    return { ok: true, value: sign * (whole + num / den) };
  }
  const dec = DECIMAL.exec(s);
  if (dec) {
    const [, sign = "", int = "", sep, fraction = ""] = dec;
    if (int === "" && fraction === "") return { ok: false, code: "unparseable", message: `not a number: "${s}"` };
    if (sep === "," && fraction.length === 3 && /[1-9]/.test(int)) {
      return { ok: false, code: "ambiguous", message: `"${s}": decimal comma or thousands separator? Write ${int}.${fraction} or ${int}${fraction}` };
    }
    const value = Number(`${sign}${int === "" ? "0" : int}.${fraction === "" ? "0" : fraction}`);
    if (Number.isFinite(value)) return { ok: true, value };
  }
  return { ok: false, code: "unparseable", message: `not a number: "${s}"` };
}

function gradeNumeric(expected: number, tolerance: number, response: unknown): GradeResult {
  let value: number;
  if (typeof response === "number") {
    if (!Number.isFinite(response)) return fail("unparseable", "the number must be finite");
    value = response;
  } else if (typeof response === "string") {
    const parsed = parseNumber(response);
    if (!parsed.ok) return fail(parsed.code, parsed.message);
    value = parsed.value;
  } else {
    return fail("wrong-type", "a numeric answer is a number or a string");
  }
  const slack = tolerance + 1e-9 * Math.max(1, Math.abs(expected));
  // -0 prints as "0": the normalised form is for display and logs.
  return { ok: true, correct: Math.abs(value - expected) <= slack, normalizedResponse: String(value === 0 ? 0 : value) };
}

/** Text normal form used on both sides of the comparison. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

function gradeText(accepted: readonly string[], response: unknown): GradeResult {
  if (typeof response !== "string") return fail("wrong-type", "a text answer is a string");
  const norm = normalizeText(response);
  if (norm === "") return fail("empty", "no answer given");
  const correct = accepted.some((a) => normalizeText(a) === norm);
  return { ok: true, correct, normalizedResponse: norm };
}
