import { describe, expect, it } from "vitest";
import { affectedSkills, buildCurriculum } from "../../src/core/engine";
import { ScoreCache } from "../../workers/learner/score-cache";

const curriculum = buildCurriculum([
  { id: "a", prerequisites: [], position: 0 },
  { id: "b", prerequisites: ["a"], position: 1 },
  { id: "c", prerequisites: ["b"], position: 2 },
  { id: "d", prerequisites: [], position: 3 },
] as Parameters<typeof buildCurriculum>[0]);

const items = ["a", "b", "c", "d"].flatMap((s) => [1, 2].map((n) => ({ id: `${s}${n}`, skillIds: [s] })));

function filled(cache: ScoreCache, now = 0, predictor = "m"): number[] {
  const out = new Float64Array(items.length);
  const missing = cache.lookup(items, predictor, now, out);
  for (const i of missing) cache.store(items[i] ?? { id: "", skillIds: [] }, i / 10);
  return missing;
}

describe("affectedSkills", () => {
  it("is the item's skills and their direct neighbours", () => {
    expect([...affectedSkills(curriculum, { skillIds: ["b"] })].sort()).toEqual(["a", "b", "c"]);
    expect([...affectedSkills(curriculum, { skillIds: ["d"] })]).toEqual(["d"]);
  });
});

describe("the learner's score cache", () => {
  it("reuses every prediction until something invalidates it", () => {
    const cache = new ScoreCache({ refreshEveryAttempts: 10, ttlMs: 1000 });
    expect(filled(cache)).toHaveLength(8);
    const out = new Float64Array(items.length);
    expect(cache.lookup(items, "m", 10, out)).toEqual([]);
    expect([...out]).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(cache.counts).toEqual({ reused: 8, computed: 8 });
  });

  it("drops only the skills an attempt changed, and the attempted item", () => {
    const cache = new ScoreCache({ refreshEveryAttempts: 10, ttlMs: 1000 });
    filled(cache);
    cache.attempted(affectedSkills(curriculum, { skillIds: ["d"] }), "d1");
    expect(filled(cache)).toEqual([6, 7]);
    cache.attempted(affectedSkills(curriculum, { skillIds: ["a"] }), "a1");
    expect(filled(cache)).toEqual([0, 1, 2, 3]);
  });

  it("refreshes everything every few attempts, after its TTL, and for another predictor", () => {
    const cache = new ScoreCache({ refreshEveryAttempts: 3, ttlMs: 1000 });
    filled(cache);
    cache.attempted([], "x");
    cache.attempted([], "x");
    expect(filled(cache)).toEqual([]);
    cache.attempted([], "x");
    expect(filled(cache)).toHaveLength(8);
    expect(filled(cache, 1001)).toHaveLength(8);
    expect(filled(cache, 1001, "knowledge")).toHaveLength(8);
  });
});
