/**
 * The item links table as learner objects read it (workers/learner/content.ts): under the key the
 * calibration document points at, read once per key by an isolate however many objects ask at the
 * same time, kept when a newer table cannot be read, retried at the next refresh.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PublishedCalibration } from "../../src/core/calibration";
import { LINK_WINDOW } from "../../src/core/features";
import { encodeLinks, linksReference } from "../../src/core/item-links";
import type { PublishedLinks } from "../../src/core/item-links";
import { CALIBRATION_KV_KEY, CALIBRATION_REFRESH_MS, ContentMemory, LearnerContent } from "../../workers/learner/content";

const table = (answers: number, w: number): PublishedLinks => ({ answers, learners: 9, throughAttemptId: answers, window: LINK_WINDOW, shrink: 5, maxPerItem: 64, minSupport: 1, links: { a: [["b", w]], c: [["a", -w]] } });
const doc = (t: PublishedLinks): PublishedCalibration => ({ version: t.answers, createdAt: 0, minResponses: 200, maxSe: 0.2, items: {}, exposure: {}, sympsonHetter: false, linksRef: linksReference(t, encodeLinks(t)) });

describe("the links table in a learner object's isolate", () => {
  it("is read once per key for all the objects that refresh together, kept when the next cannot be read, and read at the next refresh", async () => {
    const reads: string[] = [];
    const kv = { get: (key: string, type: never) => (reads.push(key), env.CONTENT.get(key, type)) } as unknown as KVNamespace;
    const memory = new ContentMemory();
    const object = () =>
      new LearnerContent(kv, () => {
        throw new Error("no database in this test");
      }, () => 300, () => undefined, memory);
    const first = table(30_000, 0.25);
    const firstKey = linksReference(first, encodeLinks(first)).key;
    const second = table(40_000, 0.5);
    const secondKey = linksReference(second, encodeLinks(second)).key;
    try {
      await env.CONTENT.put(firstKey, encodeLinks(first));
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(doc(first)));
      const objects = [object(), object(), object()];
      let now = 1_000_000;
      await Promise.all(objects.map((o) => o.calibration(now)));
      expect(reads.filter((k) => k === firstKey)).toHaveLength(1);
      for (const o of objects) {
        expect([...o.currentLinks().outgoing("a")]).toEqual([["b", 0.25]]);
        expect(o.currentLinksAnswers()).toBe(30_000);
      }

      // A newer document whose table is not in KV (yet): the first table stays in force.
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(doc(second)));
      now += CALIBRATION_REFRESH_MS;
      await Promise.all(objects.map((o) => o.calibration(now)));
      expect(reads.filter((k) => k === secondKey)).toHaveLength(1);
      expect([...objects[0]!.currentLinks().outgoing("a")]).toEqual([["b", 0.25]]);
      expect(objects[0]?.currentLinksAnswers()).toBe(30_000);

      // Once it is there, the next refresh reads it.
      await env.CONTENT.put(secondKey, encodeLinks(second));
      now += CALIBRATION_REFRESH_MS;
      await objects[1]!.calibration(now);
      expect(reads.filter((k) => k === secondKey)).toHaveLength(2);
      for (const o of objects) {
        expect([...o.currentLinks().outgoing("c")]).toEqual([["a", -0.5]]);
        expect(o.currentLinksAnswers()).toBe(40_000);
      }
    } finally {
      for (const key of [CALIBRATION_KV_KEY, firstKey, secondKey]) await env.CONTENT.delete(key);
    }
  });
});
