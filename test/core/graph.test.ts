import { describe, expect, it } from "vitest";
import { findCycle, neighbourMap, topologicalOrder, validateSkillGraph } from "../../src/core/graph";

const acyclic = [
  { id: "count", prerequisites: [] },
  { id: "add", prerequisites: ["count"] },
  { id: "sub", prerequisites: ["count"] },
  { id: "mul", prerequisites: ["add"] },
  { id: "div", prerequisites: ["mul", "sub"] },
];

describe("findCycle", () => {
  it("returns null for an acyclic graph", () => {
    expect(findCycle(acyclic)).toBeNull();
    expect(findCycle([])).toBeNull();
  });
  it("reports a cycle as a closed path, each skill a prerequisite of the next", () => {
    const nodes = [
      { id: "a", prerequisites: ["c"] },
      { id: "b", prerequisites: ["a"] },
      { id: "c", prerequisites: ["b"] },
    ];
    const path = findCycle(nodes);
    expect(path).toEqual(["a", "b", "c", "a"]);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const p = path ?? [];
    for (let i = 0; i + 1 < p.length; i++) {
      expect(byId.get(p[i + 1] ?? "")?.prerequisites).toContain(p[i]);
    }
  });
  it("finds a cycle behind an acyclic prefix and survives a deep chain", () => {
    expect(findCycle([...acyclic, { id: "x", prerequisites: ["div", "y"] }, { id: "y", prerequisites: ["x"] }])).toEqual(["x", "y", "x"]);
    const chain = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, prerequisites: i === 0 ? [] : [`s${i - 1}`] }));
    expect(findCycle(chain)).toBeNull();
  });
});

describe("validateSkillGraph", () => {
  it("accepts a well-formed graph", () => {
    expect(validateSkillGraph(acyclic)).toEqual([]);
  });
  it("reports unknown prerequisites, self-prerequisites, duplicates and cycles", () => {
    const problems = validateSkillGraph([
      { id: "a", prerequisites: ["ghost"] },
      { id: "b", prerequisites: ["b"] },
      { id: "a", prerequisites: [] },
      { id: "c", prerequisites: ["d"] },
      { id: "d", prerequisites: ["c"] },
    ]);
    expect(problems).toContainEqual({ kind: "unknown-prerequisite", skillId: "a", prerequisite: "ghost" });
    expect(problems).toContainEqual({ kind: "self-prerequisite", skillId: "b" });
    expect(problems).toContainEqual({ kind: "duplicate", skillId: "a" });
    expect(problems.find((p) => p.kind === "cycle")).toEqual({ kind: "cycle", path: ["c", "d", "c"] });
  });
});

describe("topologicalOrder", () => {
  it("puts prerequisites first and breaks ties by input order, deterministically", () => {
    expect(topologicalOrder(acyclic)).toEqual(["count", "add", "sub", "mul", "div"]);
    const shuffled = [acyclic[4], acyclic[2], acyclic[0], acyclic[3], acyclic[1]].flatMap((n) => (n ? [n] : []));
    expect(topologicalOrder(shuffled)).toEqual(["count", "sub", "add", "mul", "div"]);
    expect(topologicalOrder(shuffled)).toEqual(topologicalOrder(shuffled));
  });
  it("rejects a cycle", () => {
    expect(() => topologicalOrder([{ id: "a", prerequisites: ["b"] }, { id: "b", prerequisites: ["a"] }])).toThrow(/cycle/);
  });
});

describe("neighbourMap", () => {
  it("lists prerequisites and dependants of each skill", () => {
    const m = neighbourMap(acyclic);
    expect(m.get("count")).toEqual({ prerequisites: [], dependants: ["add", "sub"] });
    expect(m.get("div")).toEqual({ prerequisites: ["mul", "sub"], dependants: [] });
  });
});
