/**
 * Content import: parse a JSON or NDJSON file into skills and items, validating every row
 * against the content contract and the rows against each other. Pure: no I/O; callers pass
 * the skill ids the database already holds.
 *
 * All or nothing. Every bad row is reported (line number, id when known, reason), and any
 * error means no rows are returned, so a half-valid file can never be half imported.
 *
 * Formats:
 *   json   { "skills": [ … ], "items": [ … ] }; each row's line is where its element starts.
 *   ndjson one object per line, `"type": "skill" | "item"`; blank lines are skipped.
 *
 * @example
 *   const r = parseContentFile(text, "ndjson", { skillIds: new Set(["fractions.add-like"]) });
 *   if (!r.ok) for (const e of r.errors) console.error(`line ${e.line}: ${e.reason}`);
 */
import type { z } from "zod";
import { findCycle } from "../core/graph";
import { itemSchema, skillSchema } from "./schema";
import type { Item, ItemInput, Skill, SkillInput } from "./schema";

export type ContentFormat = "json" | "ndjson";

export interface ImportError {
  /** 1-based line where the offending row starts. */
  line: number;
  id?: string;
  reason: string;
}

export type ParseResult = { ok: true; skills: Skill[]; items: Item[] } | { ok: false; errors: ImportError[] };

/** One row of the file before validation. */
interface RawRow {
  kind: "skill" | "item";
  line: number;
  value: unknown;
}

/** Cycles reported per file at most; each further one needs another pass over the graph. */
const MAX_CYCLES = 50;

export function parseContentFile(text: string, format: ContentFormat, existing?: { skillIds: ReadonlySet<string> }): ParseResult {
  const read = format === "json" ? readJson(text) : readNdjson(text);
  const errors: ImportError[] = [...read.errors];
  const skills: Array<{ row: Skill; line: number }> = [];
  const items: Array<{ row: Item; line: number }> = [];

  // Every id a skill row declares, valid or not: an item pointing at a skill whose row has a
  // typo elsewhere should be reported once (for the typo), not twice.
  const declaredSkills = new Set<string>();
  for (const r of read.rows) {
    const id = idOf(r.value);
    if (r.kind === "skill" && id !== undefined) declaredSkills.add(id);
  }

  for (const r of read.rows) {
    const id = idOf(r.value);
    const parsed = r.kind === "skill" ? skillSchema.safeParse(r.value) : itemSchema.safeParse(r.value);
    if (!parsed.success) {
      errors.push(withId({ line: r.line, reason: `invalid ${r.kind}: ${describeIssues(parsed.error)}` }, id));
      continue;
    }
    if (r.kind === "skill") skills.push({ row: parsed.data as Skill, line: r.line });
    else items.push({ row: parsed.data as Item, line: r.line });
  }

  const known = (skillId: string) => declaredSkills.has(skillId) || (existing?.skillIds.has(skillId) ?? false);
  errors.push(...duplicateIds("skill", skills), ...duplicateIds("item", items));

  for (const { row, line } of skills) {
    const problems: string[] = [];
    for (const p of row.prerequisites) {
      if (p === row.id) problems.push(`skill lists itself as a prerequisite`);
      else if (!known(p)) problems.push(`unknown prerequisite "${p}" (not in this file or the database)`);
    }
    if (problems.length > 0) errors.push({ line, id: row.id, reason: problems.join("; ") });
  }
  for (const { row, line } of items) {
    const unknown = row.skillIds.filter((s) => !known(s));
    if (unknown.length > 0) errors.push({ line, id: row.id, reason: `unknown skill ${unknown.map((s) => `"${s}"`).join(", ")} (not in this file or the database)` });
  }
  errors.push(...cycleErrors(skills));

  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, skills: skills.map((s) => s.row), items: items.map((i) => i.row) };
}

/**
 * The bank as NDJSON, skills first (so a streaming importer meets prerequisites before the
 * items that need them), one row per line with its `type`, ending in a newline.
 */
export function serializeNdjson(bank: { skills: readonly SkillInput[]; items: readonly ItemInput[] }): string {
  const lines = [...bank.skills.map((s) => JSON.stringify({ type: "skill", ...s })), ...bank.items.map((i) => JSON.stringify({ type: "item", ...i }))];
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------
// Reading the two formats

interface ReadResult {
  rows: RawRow[];
  errors: ImportError[];
}

function readNdjson(text: string): ReadResult {
  const rows: RawRow[] = [];
  const errors: ImportError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      errors.push({ line, reason: `invalid JSON: ${jsonMessage(err)}` });
      return;
    }
    if (!isRecord(value)) {
      errors.push({ line, reason: "each line must be a JSON object" });
      return;
    }
    const { type, ...rest } = value;
    if (type !== "skill" && type !== "item") {
      errors.push(withId({ line, reason: `"type" must be "skill" or "item" (got ${JSON.stringify(type) ?? "nothing"})` }, idOf(value)));
      return;
    }
    rows.push({ kind: type, line, value: rest });
  });
  return { rows, errors };
}

function readJson(text: string): ReadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec(jsonMessage(err))?.[1];
    const line = position === undefined ? 1 : lineAt(lineStarts(text), Number(position));
    return { rows: [], errors: [{ line, reason: `invalid JSON: ${jsonMessage(err)}` }] };
  }
  if (!isRecord(doc)) return { rows: [], errors: [{ line: 1, reason: 'a JSON import must be an object: { "skills": [...], "items": [...] }' }] };

  const starts = lineStarts(text);
  const layout = scanLayout(text);
  const rows: RawRow[] = [];
  const errors: ImportError[] = [];
  for (const key of Object.keys(doc)) {
    if (key !== "skills" && key !== "items") {
      errors.push({ line: lineAt(starts, layout.keys.get(key) ?? 0), reason: `unknown top-level key "${key}" (expected "skills" and "items")` });
    }
  }
  for (const [key, kind] of [["skills", "skill"], ["items", "item"]] as const) {
    const list = doc[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push({ line: lineAt(starts, layout.keys.get(key) ?? 0), reason: `"${key}" must be an array` });
      continue;
    }
    const offsets = layout.elements.get(key) ?? [];
    list.forEach((value: unknown, i) => {
      rows.push({ kind, line: lineAt(starts, offsets[i] ?? layout.keys.get(key) ?? 0), value });
    });
  }
  return { rows, errors };
}

/**
 * Where things start in an already-valid JSON document: each top-level key, and each element
 * of the top-level "skills" and "items" arrays. A single pass that skips strings (escapes
 * included) and counts nesting; JSON.parse has done the real parsing, this only recovers the
 * positions it throws away, so pretty-printed files report the line an element begins on.
 */
function scanLayout(text: string): { keys: Map<string, number>; elements: Map<string, number[]> } {
  const keys = new Map<string, number>();
  const elements = new Map<string, number[]>();
  let depth = 0;
  let lastKey: string | null = null;
  let current: number[] | null = null; // offsets of the array being scanned, when it is skills/items
  let expectingValue = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 2 && current && expectingValue) {
        current.push(i);
        expectingValue = false;
      } else if (depth === 1) {
        let j = end;
        while (j < text.length && /\s/.test(text[j] ?? "")) j++;
        if (text[j] === ":") {
          lastKey = JSON.parse(text.slice(i, end)) as string;
          keys.set(lastKey, i);
        }
      }
      i = end;
      continue;
    }
    if (c === " " || c === "\n" || c === "\r" || c === "\t") {
      i++;
      continue;
    }
    if (depth === 2 && current && expectingValue && c !== "]") {
      current.push(i);
      expectingValue = false;
    }
    if (c === "{" || c === "[") {
      if (depth === 1 && c === "[" && (lastKey === "skills" || lastKey === "items")) {
        current = [];
        elements.set(lastKey, current); // a repeated key restarts, matching JSON.parse's last-wins
        expectingValue = true;
      }
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth === 1) current = null;
    } else if (c === "," && depth === 2 && current) {
      expectingValue = true;
    }
    i++;
  }
  return { keys, elements };
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line containing `offset` (binary search over line starts). */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

// ---------------------------------------------------------------------------------------
// Cross-row checks

function duplicateIds(kind: "skill" | "item", rows: ReadonlyArray<{ row: { id: string }; line: number }>): ImportError[] {
  const first = new Map<string, number>();
  const errors: ImportError[] = [];
  for (const { row, line } of rows) {
    const seen = first.get(row.id);
    if (seen === undefined) first.set(row.id, line);
    else errors.push({ line, id: row.id, reason: `duplicate ${kind} id "${row.id}" (first defined on line ${seen})` });
  }
  return errors;
}

/**
 * Every prerequisite cycle among the file's skills, one error each, at the line of the
 * cycle's first skill. After a cycle is found its closing edge is dropped and the search
 * repeats, so independent cycles are all reported.
 */
function cycleErrors(skills: ReadonlyArray<{ row: Skill; line: number }>): ImportError[] {
  const lineOf = new Map(skills.map((s) => [s.row.id, s.line]));
  const nodes = skills.map((s) => ({ id: s.row.id, prerequisites: s.row.prerequisites.filter((p) => p !== s.row.id) }));
  const errors: ImportError[] = [];
  for (let n = 0; n < MAX_CYCLES; n++) {
    const cycle = findCycle(nodes);
    if (!cycle) break;
    const head = cycle[0] ?? "";
    const path = cycle.map((id, i) => (i === cycle.length - 1 ? id : `${id} (line ${lineOf.get(id) ?? "?"})`)).join(" → ");
    errors.push({ line: lineOf.get(head) ?? 1, id: head, reason: `prerequisite cycle: ${path}` });
    // cycle = [a, …, y, a]: y is a prerequisite of a. Drop that edge and look again.
    const closer = cycle[cycle.length - 2];
    const node = nodes.find((x) => x.id === head);
    if (!node || closer === undefined) break;
    node.prerequisites = node.prerequisites.filter((p) => p !== closer);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------
// Small helpers

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`), "");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function idOf(v: unknown): string | undefined {
  return isRecord(v) && typeof v.id === "string" ? v.id : undefined;
}

function withId(e: ImportError, id: string | undefined): ImportError {
  return id === undefined ? e : { ...e, id };
}

function jsonMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
