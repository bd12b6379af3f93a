/**
 * Guard rail: no feature of an interaction may change when its own label or a later one
 * changes — end to end, from the raw CSV rows through the loader's merging to the feature
 * rows the model is trained and scored on. For a sample of raw rows: flip that row's
 * `correct`, reload the student's rows with the same parser, rebuild the features with the
 * same item parameters, and compare with the unflipped load:
 *   - the sequence (items and skills of every interaction) is identical: no label moves a cut;
 *   - at most one interaction's label changes (the one whose first row was flipped), and
 *     every feature row up to and including it is bit-identical — every column of the newest
 *     layout (FEATURE_COUNT, features/2's residual columns and features/3's item-link columns
 *     included; older layouts are its prefix).
 * Runs on the real ASSISTments 2009 and Statics 2011 files when present, and always on a
 * synthetic file with multi-skill runs and retries.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { mulberry32 } from "../../src/core/random";
import { parseDataset, readDatasetCsv } from "../../src/ml/dataset";
import type { DatasetName, StudentSequence } from "../../src/ml/dataset";
import { fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import { fitItemLinks } from "../../src/ml/item-links";
import { mappingsFor } from "../../src/ml/mappings";
import { featureTable } from "../../src/ml/pipeline";
import { FEATURE_COUNT, FEATURE_VERSION, FEATURE_WIDTHS } from "../../src/core/features";

const dataDir = resolve(process.env.KT_DATA_DIR ?? resolve(__dirname, "../../../shared/data/kt"));
const ASSIST_HEADER = "student_idx,user_id_raw,seq_pos,problem_id,skill_id,correct,test_fold";

interface Violation {
  readonly student: string;
  readonly line: string;
  readonly what: string;
}

/** Flips `samples` sampled rows of `csv` one at a time; returns every violation found. */
function flipCheck(name: DatasetName, csv: string, maxStudents: number, flipsPerStudent: number, seed: number): { flips: number; violations: Violation[] } {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0] ?? "";
  const cols = header.split(",");
  const iStudent = cols.indexOf("student_idx");
  const iCorrect = cols.indexOf("correct");
  const byStudent = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const id = l.split(",")[iStudent] ?? "";
    byStudent.set(id, [...(byStudent.get(id) ?? []), l]);
  }
  const ids = [...byStudent.keys()];
  const step = Math.max(1, Math.floor(ids.length / maxStudents));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, maxStudents);
  const load = (rows: readonly string[]): StudentSequence => {
    const s = parseDataset(name, [header, ...rows].join("\n")).students[0];
    if (!s) throw new Error("no student");
    return s;
  };
  const original = sample.map((id) => load(byStudent.get(id) ?? []));
  const mapping = mappingsFor(name)[0]?.skills;
  if (!mapping) throw new Error("no mapping");
  // Item parameters and links stay fixed across flips: in the protocol a test student's labels
  // never reach either fit, so only the online features can carry a leak.
  const toItem = itemMapper(fitItemDifficulties(original, mapping, DEFAULT_KNOWLEDGE_CONFIG, { passes: 1, priorVariance: 1 }), mapping);
  const links = fitItemLinks(original, toItem);
  const rng = mulberry32(seed);
  const violations: Violation[] = [];
  let flips = 0;
  sample.forEach((id, k) => {
    const rows = byStudent.get(id) ?? [];
    const base = original[k];
    if (!base) return;
    const before = featureTable([base], toItem, DEFAULT_KNOWLEDGE_CONFIG, links);
    for (let f = 0; f < flipsPerStudent; f++) {
      const r = Math.floor(rng() * rows.length);
      const cells = (rows[r] ?? "").split(",");
      cells[iCorrect] = cells[iCorrect] === "1" ? "0" : "1";
      const flipped = load(rows.map((l, j) => (j === r ? cells.join(",") : l)));
      flips++;
      const report = (what: string) => violations.push({ student: id, line: rows[r] ?? "", what });
      const shape = (s: StudentSequence) => s.interactions.map((x) => `${x.itemId}:${x.skillIds.join("+")}`).join(" ");
      if (shape(flipped) !== shape(base)) {
        report(`the cut into interactions changed (${base.interactions.length} → ${flipped.interactions.length} interactions)`);
        continue;
      }
      const changed = base.interactions.flatMap((x, i) => (x.correct !== flipped.interactions[i]?.correct ? [i] : []));
      if (changed.length > 1) report(`labels of ${changed.length} interactions changed`);
      const upTo = changed[0] ?? base.interactions.length - 1;
      const after = featureTable([flipped], toItem, DEFAULT_KNOWLEDGE_CONFIG, links);
      for (let i = 0; i <= upTo; i++) {
        for (let j = 0; j < FEATURE_COUNT; j++) {
          const a = before.x[i * FEATURE_COUNT + j];
          const b = after.x[i * FEATURE_COUNT + j];
          if (!Object.is(a, b)) {
            report(`feature ${j} of interaction ${i} changed (${a} → ${b}) when interaction ${upTo}'s label changed`);
            i = upTo;
            break;
          }
        }
      }
    }
  });
  return { flips, violations };
}

/** A file with multi-skill runs, retried multi-skill problems and retries with either outcome. */
function syntheticAssist(students: number, seed: number): string {
  const rng = mulberry32(seed);
  const lines = [ASSIST_HEADER];
  for (let s = 0; s < students; s++) {
    let seq = 0;
    for (let a = 0; a < 60; a++) {
      const problem = 100 + Math.floor(rng() * 25);
      const skills = problem % 3 === 0 ? [problem % 7, (problem % 7) + 10] : [problem % 7];
      const tries = rng() < 0.2 ? 2 : 1;
      for (let t = 0; t < tries; t++) {
        const correct = rng() < 0.6 ? 1 : 0;
        for (const skill of skills) lines.push(`${s},${s},${seq++},${problem},${skill},${correct},${1 + (s % 5)}`);
      }
    }
  }
  return lines.join("\n");
}

describe("a label never reaches its own or an earlier interaction's features (raw rows flipped)", () => {
  it("the check covers every column of the newest layout", () => {
    expect(FEATURE_COUNT).toBe(FEATURE_WIDTHS[FEATURE_VERSION]);
    expect(FEATURE_COUNT).toBe(Math.max(...Object.values(FEATURE_WIDTHS)));
  });

  it("synthetic ASSISTments-style file with multi-skill runs and retries", () => {
    const { flips, violations } = flipCheck("assist2009", syntheticAssist(30, 3), 30, 12, 5);
    expect(flips).toBe(360);
    expect(violations).toEqual([]);
  });

  for (const name of ["assist2009", "statics2011"] as const) {
    it.skipIf(!existsSync(resolve(dataDir, name)))(`${name}, a sample of real students`, () => {
      const { flips, violations } = flipCheck(name, readDatasetCsv(dataDir, name), 40, 10, 11);
      expect(flips).toBe(400);
      expect(violations.slice(0, 5)).toEqual([]);
    });
  }
});
