/**
 * Published item links (src/core/item-links.ts): what the calibration job keeps of a fit, and
 * what the learner objects read back — the same links through both of the reader's views.
 */
import { describe, expect, it } from "vitest";
import { LINK_WINDOW } from "../../src/core/features";
import { decodeLinks, encodeLinks, fitItemLinks, linksOf, linksReference, publishLinks, publishLinksWithin, publishedLinkCount } from "../../src/core/item-links";
import type { LinkAnswer } from "../../src/core/item-links";
import { mulberry32 } from "../../src/core/random";

const SOURCE = { answers: 0, learners: 0, throughAttemptId: 0 };

/** Learners who answer q0…q9 in random order; answers on "lead" predict answers on "follow". */
function sequences(n: number, seed: number): LinkAnswer[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const ability = rng() < 0.5 ? 0.4 : -0.4;
    const seq: LinkAnswer[] = [];
    for (let k = 0; k < 12; k++) seq.push({ itemId: `q${Math.floor(rng() * 10)}`, residual: rng() - 0.5 });
    seq.push({ itemId: "lead", residual: ability }, { itemId: "follow", residual: ability + (rng() - 0.5) * 0.1 });
    return seq;
  });
}

describe("published item links", () => {
  it("keeps per target the links of largest |w| resting on enough answer pairs, rounded, in id order", () => {
    const fitted = fitItemLinks(sequences(200, 3));
    const doc = publishLinks(fitted, { answers: 2800, learners: 200, throughAttemptId: 99 }, { maxPerItem: 3, minSupport: 5 });
    expect(doc).toMatchObject({ answers: 2800, learners: 200, throughAttemptId: 99, window: LINK_WINDOW, maxPerItem: 3, minSupport: 5 });
    const into = new Map<string, [string, number][]>();
    for (const [from, out] of Object.entries(doc.links)) for (const [to, w] of out) into.set(to, [...(into.get(to) ?? []), [from, w]]);
    for (const list of into.values()) expect(list.length).toBeLessThanOrEqual(3);
    expect(publishedLinkCount(doc)).toBe([...into.values()].reduce((n, list) => n + list.length, 0));
    expect(publishedLinkCount(null)).toBe(0);
    // "lead" always precedes "follow" with the same sign of residual: the strongest link into "follow".
    const follow = (into.get("follow") ?? []).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    expect(follow[0]?.[0]).toBe("lead");
    expect(follow[0]?.[1]).toBeCloseTo(fitted.weight("lead", "follow") ?? Number.NaN, 4);
    expect(follow[0]?.[1]).toBeGreaterThan(0.5);
    // Kept links are the fit's, rounded to 4 decimals; sources and targets in id order.
    for (const [from, out] of Object.entries(doc.links)) {
      for (const [to, w] of out) expect(w).toBe(Math.round((fitted.weight(from, to) ?? Number.NaN) * 1e4) / 1e4);
      expect(out.map(([to]) => to)).toEqual(out.map(([to]) => to).sort());
    }
    expect(Object.keys(doc.links)).toEqual(Object.keys(doc.links).sort());
    // The same fit publishes the same document.
    expect(JSON.stringify(publishLinks(fitItemLinks(sequences(200, 3)), { answers: 2800, learners: 200, throughAttemptId: 99 }, { maxPerItem: 3, minSupport: 5 }))).toBe(JSON.stringify(doc));
  });

  it("drops links resting on fewer answer pairs than minSupport", () => {
    const fitted = fitItemLinks([[{ itemId: "a", residual: 0.5 }, { itemId: "b", residual: 0.5 }]]);
    expect(fitted.weight("a", "b")).toBeGreaterThan(0);
    expect(publishLinks(fitted, SOURCE, { maxPerItem: 16, minSupport: 2 }).links).toEqual({});
    expect(publishLinks(fitted, SOURCE, { maxPerItem: 16, minSupport: 1 }).links).toEqual({ a: [["b", Math.round((fitted.weight("a", "b") ?? 0) * 1e4) / 1e4]] });
  });

  it("reads back as the same links pair by pair and source by source; nothing for another window or no document", () => {
    const doc = publishLinks(fitItemLinks(sequences(100, 5)), SOURCE);
    const links = linksOf(JSON.parse(JSON.stringify(doc)));
    let n = 0;
    for (const [from, out] of Object.entries(doc.links)) {
      expect([...links.outgoing(from)]).toEqual(out);
      for (const [to, w] of out) {
        expect(links.weight(from, to)).toBe(w);
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
    expect(links.weight("nope", "q1")).toBeUndefined();
    expect([...links.outgoing("nope")]).toEqual([]);
    for (const none of [linksOf(null), linksOf(undefined), linksOf({ ...doc, window: LINK_WINDOW + 1 })]) {
      expect([...none.outgoing("lead")]).toEqual([]);
      expect(none.weight("lead", "follow")).toBeUndefined();
    }
  });

  it("encoded on their own (a KV key of their own), decode to the same links as the document form, and are named by content", () => {
    const doc = publishLinks(fitItemLinks(sequences(300, 8)), { answers: 4200, learners: 300, throughAttemptId: 7 }, { maxPerItem: 5, minSupport: 1 });
    const encoded = encodeLinks(doc);
    const decoded = decodeLinks(encoded.slice().buffer);
    const json = linksOf(doc);
    expect(decoded.count).toBe(publishedLinkCount(doc));
    expect(decoded.count).toBeGreaterThan(40);
    // About 8 bytes a link (plus the id list), half the JSON form.
    expect(encoded.length).toBeLessThan(JSON.stringify(doc.links).length * 0.75);
    const ids = new Set(Object.entries(doc.links).flatMap(([from, out]) => [from, ...out.map(([to]) => to)]));
    for (const from of ids) {
      expect([...decoded.outgoing(from)]).toEqual([...json.outgoing(from)]);
      for (const to of ids) expect(decoded.weight(from, to)).toBe(json.weight(from, to));
      const into = Object.entries(doc.links).flatMap(([f, out]) => out.filter(([t]) => t === from).map(([, w]) => [f, w]));
      expect(decoded.into(from)).toEqual(into);
    }
    expect([...decoded.outgoing("nope")]).toEqual([]);
    expect(decoded.weight("nope", "lead")).toBeUndefined();
    expect(decoded.into("nope")).toEqual([]);
    // The reference carries the provenance, not the table; its key follows the bytes.
    const ref = linksReference(doc, encoded);
    expect(ref).toMatchObject({ answers: 4200, learners: 300, throughAttemptId: 7, maxPerItem: 5, count: decoded.count, bytes: encoded.length });
    expect(ref).not.toHaveProperty("links");
    expect(linksReference(doc, encodeLinks(JSON.parse(JSON.stringify(doc)))).key).toBe(ref.key);
    const other = publishLinks(fitItemLinks(sequences(300, 9)), { answers: 4200, learners: 300, throughAttemptId: 7 }, { maxPerItem: 5, minSupport: 1 });
    expect(linksReference(other, encodeLinks(other)).key).not.toBe(ref.key);
    expect(() => decodeLinks(new Uint8Array(12))).toThrow(/not an encoded/);
    expect(() => decodeLinks(encoded.subarray(0, encoded.length - 4))).toThrow(/bytes/);
  });

  it("within a size budget, keeps fewer links into each item (halving) until the encoded table fits, one at the least", () => {
    const fitted = fitItemLinks(sequences(300, 8));
    const options = { maxPerItem: 8, minSupport: 1 };
    const full = publishLinks(fitted, SOURCE, options);
    const fullBytes = encodeLinks(full).length;
    // Room enough: the configured cut, unchanged.
    expect(publishLinksWithin(fitted, SOURCE, options, fullBytes)).toEqual(full);
    // A byte short: the next halving that fits, and the document says so.
    const cut = publishLinksWithin(fitted, SOURCE, options, fullBytes - 1);
    expect(cut.maxPerItem).toBeLessThan(8);
    expect(encodeLinks(cut).length).toBeLessThanOrEqual(fullBytes - 1);
    expect(cut).toEqual(publishLinks(fitted, SOURCE, { ...options, maxPerItem: cut.maxPerItem }));
    expect(encodeLinks(publishLinks(fitted, SOURCE, { ...options, maxPerItem: cut.maxPerItem * 2 })).length).toBeGreaterThan(fullBytes - 1);
    // No room at all: one link into each item, never none.
    const floor = publishLinksWithin(fitted, SOURCE, options, 1);
    expect(floor.maxPerItem).toBe(1);
    expect(publishedLinkCount(floor)).toBeGreaterThan(0);
  });
});
