/**
 * Real student-response data for the prediction study (see /work/shared/data/README.md).
 *
 * One student's history is a list of interactions in sequence order. ASSISTments 2009 lists
 * an answer to a problem tagged with several skills as several consecutive rows (same
 * student, same problem, same correctness); such a run is collapsed into ONE interaction
 * carrying all its skills, so it is predicted once and its duplicate rows cannot leak the
 * answer to each other. Statics 2011 has no skill ids (`skillIds` is empty; the caller maps
 * items to skills).
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

export interface Dataset {
  readonly name: string;
  readonly students: readonly StudentSequence[];
  /** Rows in the file(s) before collapsing. */
  readonly rows: number;
}

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
 * ASSISTments 2009 long format. Consecutive rows of one student with the same problem and
 * the same correctness are one answer tagged with several skills: collapsed, skills kept in
 * order without repeats. (Two genuine consecutive attempts at one problem with the same
 * outcome cannot be told apart from a multi-skill run in this file; AKT's preprocessing has
 * the same ambiguity, and treating them as one answer is the conservative choice: it can
 * only remove an easy "same as last time" prediction, never add a leaked one.)
 */
export function parseAssist2009(csv: string): Dataset {
  const rows = parseRows(csv, { student: "student_idx", seq: "seq_pos", item: "problem_id", skill: "skill_id", correct: "correct", fold: "test_fold" });
  const students: StudentSequence[] = [];
  for (const [student, list] of byStudent(rows)) {
    const interactions: Interaction[] = [];
    let prev: Row | undefined;
    let skills: string[] = [];
    const flush = () => {
      if (prev) interactions.push({ itemId: prev.item, skillIds: skills, correct: prev.correct });
    };
    for (const r of list) {
      if (prev && prev.item === r.item && prev.correct === r.correct) {
        if (r.skill !== null && r.skill !== "" && !skills.includes(r.skill)) skills.push(r.skill);
        continue;
      }
      flush();
      prev = r;
      skills = r.skill !== null && r.skill !== "" ? [r.skill] : [];
    }
    flush();
    students.push({ studentId: student, fold: foldOf(student, list), interactions });
  }
  return { name: "assist2009", students, rows: rows.length };
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
  return { name: "statics2011", students, rows: rows.length };
}

/** Reads `<dataDir>/<name>/*.csv` (parts in name order) and parses them. */
export function loadDataset(dataDir: string, name: DatasetName): Dataset {
  const dir = join(dataDir, name);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort();
  if (files.length === 0) throw new Error(`no CSV files in ${dir}`);
  const csv = concatParts(files.map((f) => readFileSync(join(dir, f), "utf8")));
  return name === "assist2009" ? parseAssist2009(csv) : parseStatics2011(csv);
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
