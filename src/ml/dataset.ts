/**
 * Real student-response data for the prediction study (see /work/shared/data/README.md).
 *
 * One student's history is a list of interactions in sequence order. ASSISTments 2009 lists
 * an answer to a problem tagged with several skills as several consecutive rows (same
 * student, same problem, one row per skill); such a run is collapsed into ONE interaction
 * carrying all its skills, so it is predicted once and its duplicate rows cannot leak the
 * answer to each other. The merge key never looks at the label (see `parseAssist2009`), so
 * no label can change how the sequence is cut. Statics 2011 has no skill ids (`skillIds`
 * is empty; the caller maps items to skills).
 *
 * Parsing is pure (text in, data out); only `loadDataset` touches the disk.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Interaction {
  /** Problem (ASSISTments) or problem step (Statics) id, as in the file. */
  readonly itemId: string;
  /** Skill ids in file order, distinct; empty when the dataset has none. */
  readonly skillIds: readonly string[];
  readonly correct: boolean;
}

export interface StudentSequence {
  readonly studentId: string;
  /** 1–5: the fold in which the student is a test student; 0: always in training. */
  readonly fold: number;
  readonly interactions: readonly Interaction[];
}

/** What the loader's merge rule did, for the report (all zero for Statics). */
export interface MergeCounts {
  /** Rows folded into the interaction before them: same problem, a skill not yet in that run. */
  readonly multiSkillRows: number;
  /** Rows of the same problem right after it, with a skill already in the run: kept as a new answer. */
  readonly retriesKept: number;
  /**
   * Merged rows whose label differs from their run's first row (the interaction keeps the
   * first row's label). Counted only for the report; the rule itself never reads a label.
   */
  readonly mergedWithOtherLabel: number;
}

export interface Dataset {
  readonly name: string;
  readonly students: readonly StudentSequence[];
  /** Rows in the file(s) before collapsing. */
  readonly rows: number;
  readonly merges: MergeCounts;
}

const NO_MERGES: MergeCounts = { multiSkillRows: 0, retriesKept: 0, mergedWithOtherLabel: 0 };

export type DatasetName = "assist2009" | "statics2011";

/** Concatenates CSV parts, keeping the first header and dropping the identical header line of later parts. */
export function concatParts(parts: readonly string[]): string {
  const out: string[] = [];
  let header: string | undefined;
  for (const text of parts) {
    const nl = text.indexOf("\n");
    const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, "");
    if (header === undefined) {
      header = first;
      out.push(text.endsWith("\n") ? text : `${text}\n`);
    } else {
      const body = first === header ? (nl < 0 ? "" : text.slice(nl + 1)) : text;
      out.push(body.endsWith("\n") || body === "" ? body : `${body}\n`);
    }
  }
  return out.join("");
}

interface Row {
  student: string;
  seq: number;
  item: string;
  skill: string | null;
  correct: boolean;
  fold: number;
}

function parseRows(csv: string, columns: { student: string; seq: string; item: string; skill: string | null; correct: string; fold: string }): Row[] {
  const lines = csv.split("\n");
  const header = (lines[0] ?? "").replace(/\r$/, "").split(",");
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`CSV has no column ${name} (header: ${header.join(",")})`);
    return i;
  };
  const iStudent = col(columns.student);
  const iSeq = col(columns.seq);
  const iItem = col(columns.item);
  const iSkill = columns.skill === null ? -1 : col(columns.skill);
  const iCorrect = col(columns.correct);
  const iFold = col(columns.fold);
  const rows: Row[] = [];
  for (let l = 1; l < lines.length; l++) {
    const line = (lines[l] ?? "").replace(/\r$/, "");
    if (line === "" || line === lines[0]) continue;
    const f = line.split(",");
    const correct = f[iCorrect];
    if (correct !== "0" && correct !== "1") throw new Error(`line ${l + 1}: correct must be 0 or 1, got ${correct}`);
    rows.push({
      student: f[iStudent] ?? "",
      seq: Number(f[iSeq]),
      item: f[iItem] ?? "",
      skill: iSkill < 0 ? null : (f[iSkill] ?? ""),
      correct: correct === "1",
      fold: Number(f[iFold]),
    });
  }
  return rows;
}

/** Groups rows by student (first-appearance order), each in `seq_pos` order. */
function byStudent(rows: readonly Row[]): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const list = map.get(r.student);
    if (list) list.push(r);
    else map.set(r.student, [r]);
  }
  for (const list of map.values()) list.sort((a, b) => a.seq - b.seq);
  return map;
}

function foldOf(student: string, rows: readonly Row[]): number {
  const fold = rows[0]?.fold ?? 0;
  for (const r of rows) if (r.fold !== fold) throw new Error(`student ${student} is in folds ${fold} and ${r.fold}`);
  return fold;
}

/**
 * ASSISTments 2009 long format. The merge key is (student, problem, skill): a row continues
 * the run before it when it is the same student's next row, on the same problem, with a
 * skill id that run does not have yet — one answer listed once per tagged skill. A row of
 * the same problem whose skill the run already has is a genuine retry and starts a new
 * interaction. The label is never part of the key: an earlier rule merged only rows with
 * equal correctness, so after a merge an immediate repeat always had the opposite label,
 * and the item-repeat features learnt exactly that (a leak on data with retries). A run
 * keeps its first row's label; rows merged with a different label are counted.
 */
export function parseAssist2009(csv: string): Dataset {
  const rows = parseRows(csv, { student: "student_idx", seq: "seq_pos", item: "problem_id", skill: "skill_id", correct: "correct", fold: "test_fold" });
  const students: StudentSequence[] = [];
  let multiSkillRows = 0;
  let retriesKept = 0;
  let mergedWithOtherLabel = 0;
  for (const [student, list] of byStudent(rows)) {
    const interactions: Interaction[] = [];
    let first: Row | undefined;
    let skills: string[] = [];
    // The run's skill keys, "" for a row without a skill id (so a second such row is a retry).
    let keys: string[] = [];
    const flush = () => {
      if (first) interactions.push({ itemId: first.item, skillIds: skills, correct: first.correct });
    };
    for (const r of list) {
      const key = r.skill ?? "";
      if (first && first.item === r.item) {
        if (!keys.includes(key)) {
          keys.push(key);
          if (key !== "") skills.push(key);
          multiSkillRows++;
          if (r.correct !== first.correct) mergedWithOtherLabel++;
          continue;
        }
        retriesKept++;
      }
      flush();
      first = r;
      keys = [key];
      skills = key !== "" ? [key] : [];
    }
    flush();
    students.push({ studentId: student, fold: foldOf(student, list), interactions });
  }
  return { name: "assist2009", students, rows: rows.length, merges: { multiSkillRows, retriesKept, mergedWithOtherLabel } };
}

/** Statics 2011 long format: one row per problem-step attempt, no skills. */
export function parseStatics2011(csv: string): Dataset {
  const rows = parseRows(csv, { student: "student_idx", seq: "seq_pos", item: "item_id", skill: null, correct: "correct", fold: "test_fold" });
  const students: StudentSequence[] = [];
  for (const [student, list] of byStudent(rows)) {
    students.push({
      studentId: student,
      fold: foldOf(student, list),
      interactions: list.map((r) => ({ itemId: r.item, skillIds: [], correct: r.correct })),
    });
  }
  return { name: "statics2011", students, rows: rows.length, merges: NO_MERGES };
}

/** The raw CSV of `<dataDir>/<name>/*.csv`, parts joined in name order. */
export function readDatasetCsv(dataDir: string, name: DatasetName): string {
  const dir = join(dataDir, name);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort();
  if (files.length === 0) throw new Error(`no CSV files in ${dir}`);
  return concatParts(files.map((f) => readFileSync(join(dir, f), "utf8")));
}

export function parseDataset(name: DatasetName, csv: string): Dataset {
  return name === "assist2009" ? parseAssist2009(csv) : parseStatics2011(csv);
}

/** Reads `<dataDir>/<name>/*.csv` (parts in name order) and parses them. */
export function loadDataset(dataDir: string, name: DatasetName): Dataset {
  return parseDataset(name, readDatasetCsv(dataDir, name));
}

/** Keeps `n` students per fold-preserving deterministic order (every k-th), for quick runs. */
export function subsetStudents(ds: Dataset, maxStudents: number): Dataset {
  if (ds.students.length <= maxStudents) return ds;
  const step = ds.students.length / maxStudents;
  const picked: StudentSequence[] = [];
  for (let i = 0; i < maxStudents; i++) {
    const s = ds.students[Math.floor(i * step)];
    if (s) picked.push(s);
  }
  return { ...ds, students: picked };
}
