import { describe, expect, it } from "vitest";
import { concatParts, parseAssist2009, parseStatics2011 } from "../../src/ml/dataset";

const HEADER = "student_idx,user_id_raw,seq_pos,problem_id,skill_id,correct,test_fold";

describe("ASSISTments 2009 multi-skill collapse", () => {
  const csv = [
    HEADER,
    "7,700,0,100,37,0,1", // problem 100 tagged 37 + 54, wrong: one interaction
    "7,700,1,100,54,0,1",
    "7,700,2,101,37,1,1",
    "7,700,3,101,37,0,1", // same problem, different outcome: a new interaction
    "7,700,4,102,5,1,1",
    "7,700,5,102,6,1,1",
    "7,700,6,102,7,1,1",
    "8,800,1,100,54,1,2", // rows out of order are sorted by seq_pos
    "8,800,0,100,37,1,2",
    "",
  ].join("\n");

  it("turns consecutive same-problem same-outcome rows into one interaction with all skills", () => {
    const ds = parseAssist2009(csv);
    expect(ds.rows).toBe(9);
    const [a, b] = ds.students;
    expect(a?.fold).toBe(1);
    expect(a?.interactions).toEqual([
      { itemId: "100", skillIds: ["37", "54"], correct: false },
      { itemId: "101", skillIds: ["37"], correct: true },
      { itemId: "101", skillIds: ["37"], correct: false },
      { itemId: "102", skillIds: ["5", "6", "7"], correct: true },
    ]);
    expect(b?.fold).toBe(2);
    expect(b?.interactions).toEqual([{ itemId: "100", skillIds: ["37", "54"], correct: true }]);
  });

  it("counts what the merge rule did", () => {
    expect(parseAssist2009(csv).merges).toEqual({ multiSkillRows: 4, retriesKept: 1, mergedWithOtherLabel: 0 });
  });

  it("keeps a genuine retry with the same outcome as its own answer", () => {
    const ds = parseAssist2009([HEADER, "1,1,0,100,3,1,1", "1,1,1,100,3,1,1", "1,1,2,100,3,0,1"].join("\n"));
    expect(ds.students[0]?.interactions.map((x) => x.correct)).toEqual([true, true, false]);
    expect(ds.merges).toEqual({ multiSkillRows: 0, retriesKept: 2, mergedWithOtherLabel: 0 });
  });

  it("cuts runs without looking at labels: a retried multi-skill problem is two answers, whatever their outcomes", () => {
    const rows = (labels: string) =>
      parseAssist2009([HEADER, ...["3", "4", "3", "4"].map((skill, i) => `1,1,${i},100,${skill},${labels[i]},1`)].join("\n"));
    for (const labels of ["0000", "0101", "0110", "1111", "1001"]) {
      const ds = rows(labels);
      expect(ds.students[0]?.interactions.map((x) => x.skillIds)).toEqual([["3", "4"], ["3", "4"]]);
      // A run keeps its first row's label.
      expect(ds.students[0]?.interactions.map((x) => (x.correct ? "1" : "0")).join("")).toBe(`${labels[0]}${labels[2]}`);
    }
    expect(rows("0110").merges).toEqual({ multiSkillRows: 2, retriesKept: 1, mergedWithOtherLabel: 2 });
  });

  it("does not merge across students", () => {
    const ds = parseAssist2009([HEADER, "1,1,0,100,3,1,1", "2,2,0,100,4,1,1"].join("\n"));
    expect(ds.students.map((s) => s.interactions.length)).toEqual([1, 1]);
  });

  it("rejects a student split across folds", () => {
    expect(() => parseAssist2009([HEADER, "1,1,0,100,3,1,1", "1,1,1,101,3,1,2"].join("\n"))).toThrow(/folds/);
  });
});

describe("parts and Statics", () => {
  it("concatenates parts, dropping repeated headers", () => {
    const joined = concatParts([`${HEADER}\n1,1,0,100,3,1,1\n`, `${HEADER}\n1,1,1,101,3,0,1`]);
    expect(joined.split("\n").filter((l) => l === HEADER)).toHaveLength(1);
    expect(parseAssist2009(joined).students[0]?.interactions).toHaveLength(2);
  });
  it("parses Statics rows as single interactions without skills", () => {
    const ds = parseStatics2011("student_idx,user_id_raw,seq_pos,item_id,correct,test_fold\n1,,0,72,1,3\n1,,1,72,1,3\n");
    expect(ds.students[0]?.interactions).toEqual([
      { itemId: "72", skillIds: [], correct: true },
      { itemId: "72", skillIds: [], correct: true },
    ]);
    expect(ds.students[0]?.fold).toBe(3);
  });
});
