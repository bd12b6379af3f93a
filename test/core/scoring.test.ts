import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG, SCORE_TERMS, scoreCandidates, scoreTop, spreadNearEqual } from "../../src/core/scoring";
import { mulberry32, seedFromString } from "../../src/core/random";
import type { Candidate, ScoringContext } from "../../src/core/scoring";

const NOW = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;

function cand(itemId: string, over: Partial<Candidate> = {}): Candidate {
  return { itemId, skillId: "s", urgency: 0, due: false, readiness: 1, mastery: 0, lastSeenAt: null, ...over };
}

function ctx(over: Partial<ScoringContext> = {}): ScoringContext {
  return { now: NOW, mode: "practice", sessionItemIds: new Set(), recentSkillIds: [], goalSkillIds: new Set(), ...over };
}

const ids = (r: readonly { candidate: Candidate }[]) => r.map((s) => s.candidate.itemId);

describe("scoreCandidates", () => {
  it("empty candidate set → empty result", () => {
    expect(scoreCandidates([], new Float64Array(0), ctx())).toEqual([]);
  });

  it("throws only when predictions are missing", () => {
    expect(() => scoreCandidates([cand("a")], new Float64Array(0), ctx())).toThrow(RangeError);
  });

  it("locks the band term: centre +1, band edge 0, a half-width outside −1", () => {
    const r = scoreCandidates([cand("a"), cand("b"), cand("c")], Float64Array.from([0.75, 0.85, 0.95]), ctx());
    expect(ids(r)).toEqual(["a", "b", "c"]);
    expect(r.map((s) => s.terms.band)).toEqual([expect.closeTo(1, 12), expect.closeTo(0, 12), expect.closeTo(-1, 12)]);
  });

  it("ranks an in-band prediction above otherwise-equal ones far outside, on either side", () => {
    for (const inside of [0.66, 0.7, 0.8, 0.84]) {
      for (const outside of [0.02, 0.3, 0.5, 0.97, 1]) {
        const r = scoreCandidates([cand("out"), cand("in")], Float64Array.from([outside, inside]), ctx());
        expect(ids(r)[0]).toBe("in");
      }
    }
  });

  it("breaks ties by item id, whatever the input order", () => {
    const cs = [cand("m"), cand("b"), cand("z"), cand("a")];
    const r = scoreCandidates(cs, new Float64Array(4).fill(0.75), ctx());
    expect(ids(r)).toEqual(["a", "b", "m", "z"]);
    expect(r.map((s) => s.index)).toEqual([3, 1, 0, 2]);
  });

  it("returns a breakdown whose terms sum to the score", () => {
    const c = cand("a", { skillId: "g", urgency: 0.3, readiness: 0.6, mastery: 0.2, lastSeenAt: NOW - 2 * DAY });
    const [s] = scoreCandidates([c], Float64Array.from([0.7]), ctx({ recentSkillIds: ["x", "g"], goalSkillIds: new Set(["g"]) }));
    expect(s).toBeDefined();
    const t = s?.terms;
    expect(Object.keys(t ?? {})).toEqual([...SCORE_TERMS]);
    expect(t?.band).toBeCloseTo(0.5, 12);
    expect(t?.urgency).toBeCloseTo(0.3, 12);
    expect(t?.readiness).toBeCloseTo(0.6, 12);
    expect(t?.novelty).toBe(0);
    expect(t?.exposure).toBeCloseTo(-0.5, 12); // one half-life ago
    expect(t?.sibling).toBeCloseTo(-0.25, 12); // second most recent: 0.5 · 0.5
    expect(t?.goal).toBeCloseTo(0.4, 12); // 0.5 · (1 − 0.2)
    const sum = SCORE_TERMS.reduce((acc, k) => acc + (t?.[k] ?? 0), 0);
    expect(s?.score).toBeCloseTo(sum, 12);
    expect(s?.prediction).toBe(0.7);
  });

  it("never repeats an item within a session", () => {
    const cs = Array.from({ length: 20 }, (_, i) => cand(`i${String(i).padStart(2, "0")}`, { skillId: `s${i % 4}` }));
    const preds = Float64Array.from(cs, (_, i) => 0.5 + (i % 7) * 0.06);
    const session = new Set<string>();
    const recent: string[] = [];
    for (let turn = 0; turn < 25; turn++) {
      const r = scoreCandidates(cs, preds, ctx({ sessionItemIds: session, recentSkillIds: recent }));
      for (const s of r) expect(session.has(s.candidate.itemId)).toBe(false);
      const best = r[0];
      if (!best) {
        expect(turn).toBe(20); // all served, nothing left
        break;
      }
      session.add(best.candidate.itemId);
      recent.unshift(best.candidate.skillId);
    }
    expect(session.size).toBe(20);
  });

  it("prefers never-seen over long-ago-seen over just-seen items", () => {
    const cs = [cand("now", { lastSeenAt: NOW - 60_000 }), cand("old", { lastSeenAt: NOW - 30 * DAY }), cand("new")];
    const r = scoreCandidates(cs, new Float64Array(3).fill(0.75), ctx());
    expect(ids(r)).toEqual(["new", "old", "now"]);
  });

  it("spaces siblings: the skill just served drops below another skill", () => {
    const cs = [cand("a", { skillId: "fractions" }), cand("b", { skillId: "decimals" })];
    const r = scoreCandidates(cs, new Float64Array(2).fill(0.75), ctx({ recentSkillIds: ["fractions"] }));
    expect(ids(r)).toEqual(["b", "a"]);
    expect(r[1]?.terms.sibling).toBeCloseTo(-0.5, 12);
  });

  it("favours unmastered goal skills and ready skills", () => {
    const cs = [cand("a", { skillId: "other" }), cand("b", { skillId: "goal", mastery: 0.1 }), cand("c", { skillId: "x", readiness: 0 })];
    const r = scoreCandidates(cs, new Float64Array(3).fill(0.75), ctx({ goalSkillIds: new Set(["goal"]) }));
    expect(ids(r)).toEqual(["b", "a", "c"]);
  });

  it("excludes candidates without a finite prediction", () => {
    const r = scoreCandidates([cand("a"), cand("b")], Float64Array.from([Number.NaN, 0.7]), ctx());
    expect(ids(r)).toEqual(["b"]);
  });

  it("review mode keeps only due or nearly forgotten skills, most urgent first", () => {
    const cs = [
      cand("fresh", { skillId: "f", urgency: 0.01 }),
      cand("due", { skillId: "d", urgency: 0.12, due: true }),
      cand("nearly", { skillId: "n", urgency: 0.09 }),
      cand("lost", { skillId: "l", urgency: 0.6, due: true }),
      cand("new", { skillId: "w", urgency: 0, due: false }),
    ];
    const r = scoreCandidates(cs, new Float64Array(5).fill(0.75), ctx({ mode: "review" }));
    expect(ids(r)).toEqual(["lost", "due", "nearly"]);
    expect(r[0]?.terms.urgency).toBeCloseTo(DEFAULT_SCORING_CONFIG.review.urgency * 0.6, 12);
  });

  it("review mode picks the in-band item within the most urgent skill", () => {
    const cs = [cand("hard", { skillId: "l", urgency: 0.5, due: true }), cand("fit", { skillId: "l", urgency: 0.5, due: true })];
    const r = scoreCandidates(cs, Float64Array.from([0.3, 0.75]), ctx({ mode: "review" }));
    expect(ids(r)).toEqual(["fit", "hard"]);
  });

  it("is deterministic: the same input gives the same ranking", () => {
    const cs = Array.from({ length: 50 }, (_, i) => cand(`i${i}`, { skillId: `s${i % 5}`, urgency: (i % 3) / 10 }));
    const preds = Float64Array.from(cs, (_, i) => (i * 37) % 100 / 100);
    const a = scoreCandidates(cs, preds, ctx({ recentSkillIds: ["s1"] }));
    const b = scoreCandidates([...cs], preds.slice(), ctx({ recentSkillIds: ["s1"] }));
    expect(a).toEqual(b);
  });
});

describe("scoreTop (the head of a ranking, the rest left unordered)", () => {
  // Predictions on a coarse grid and few distinct urgencies, so many scores tie exactly and the
  // item-id tie-break decides at the cut; item ids shuffled so input order is not the answer.
  const pool = (seed: number, n: number) => {
    const rng = mulberry32(seed);
    const cs = Array.from({ length: n }, (_, i) =>
      cand(`item-${String(Math.floor(rng() * 1e6)).padStart(6, "0")}-${i}`, {
        skillId: `s${Math.floor(rng() * 6)}`,
        urgency: Math.floor(rng() * 3) / 4,
        due: rng() < 0.5,
        readiness: Math.floor(rng() * 3) / 2,
        lastSeenAt: rng() < 0.3 ? NOW - Math.floor(rng() * 5) * DAY : null,
      }),
    );
    const preds = Float64Array.from(cs, () => Math.floor(rng() * 8) / 8);
    return { cs, preds };
  };

  it("is exactly the first `limit` entries of the full ranking, ties at the cut included", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { cs, preds } = pool(seed, 20 + seed * 7);
      const c = ctx({ mode: seed % 3 === 0 ? "review" : "practice", recentSkillIds: ["s1", "s2"], sessionItemIds: new Set([cs[3]?.itemId ?? ""]) });
      const full = scoreCandidates(cs, preds, c);
      for (const limit of [1, 5, 50, full.length, full.length + 10]) {
        const { top, eligible } = scoreTop(cs, preds, c, DEFAULT_SCORING_CONFIG, limit);
        expect(eligible).toBe(full.length);
        expect(top).toEqual(full.slice(0, limit));
      }
    }
  });

  it("keeps every candidate in play when a score is not a number", () => {
    const cs = [cand("a"), cand("b", { urgency: Number.NaN }), cand("c"), cand("d")];
    const preds = Float64Array.from([0.75, 0.75, 0.7, 0.9]);
    const full = scoreCandidates(cs, preds, ctx());
    expect(scoreTop(cs, preds, ctx(), DEFAULT_SCORING_CONFIG, 2).top).toEqual(full.slice(0, 2));
  });
});

describe("spreadNearEqual (new learners' starting order)", () => {
  const ranking = [
    { id: "a", s: 3.0 },
    { id: "b", s: 2.95 },
    { id: "c", s: 2.92 },
    { id: "d", s: 2.5 },
    { id: "e", s: 2.45 },
    { id: "f", s: 1.0 },
  ];
  const order = (seed: number) => spreadNearEqual(ranking, (e) => e.s, mulberry32(seed)).map((e) => e.id).join("");

  it("shuffles only within runs of near-equal scores and keeps the runs in order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const o = order(seed);
      expect(o.slice(0, 3).split("").sort().join("")).toBe("abc");
      expect(o.slice(3, 5).split("").sort().join("")).toBe("de");
      expect(o[5]).toBe("f");
    }
  });

  it("differs between learners and is stable for one (seeded)", () => {
    const firsts = new Set(Array.from({ length: 30 }, (_, i) => order(seedFromString(`learner-${i}`))[0]));
    expect(firsts.size).toBe(3);
    expect(order(7)).toBe(order(7));
    // A clearly better item is never passed over.
    expect(spreadNearEqual(ranking, (e) => e.s, mulberry32(1), 0).map((e) => e.id).join("")).toBe("abcdef");
  });
});
