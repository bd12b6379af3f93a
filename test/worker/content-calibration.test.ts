/**
 * Items held in an isolate's memory (workers/learner/content.ts) are served only under the
 * calibration they were calibrated with: once a newer document is in force, an item read under
 * the old one is read again, so a served item never carries parameters the learner's features
 * and knowledge model have moved on from.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import type { Item } from "../../src/content/schema";
import { CALIBRATION_KV_KEY, CALIBRATION_REFRESH_MS, ContentMemory, LearnerContent } from "../../workers/learner/content";

const item = (id: string): Item => ({ id, skillIds: ["s"], difficulty: 0, discrimination: 1, guessing: 0.25, calibrated: false }) as unknown as Item;
const doc = (version: number, difficulty: number): PublishedCalibration => ({
  version,
  createdAt: 0,
  minResponses: 200,
  maxSe: 0.2,
  items: { a: encodeCalibration({ difficulty, discrimination: 1.2, guessing: 0.25, responses: 400, seDifficulty: 0.1, status: "calibrated" }) },
  exposure: {},
  sympsonHetter: false,
});

describe("items in an isolate's memory under a new calibration", () => {
  it("serves an item only with the parameters of the calibration in force", async () => {
    const memory = new ContentMemory();
    const content = new LearnerContent(env.CONTENT, () => {
      throw new Error("no database in this test");
    }, () => 300, () => undefined, memory);
    let now = 1_000_000;
    memory.banks.set("s", { value: [item("a"), item("b")], loadedAt: now });
    try {
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(doc(1, 0.5)));
      expect((await content.skillItems(["s"], now))[0]?.find((i) => i.id === "a")?.difficulty).toBe(0.5);
      expect(content.cachedItem("a")?.difficulty).toBe(0.5);
      expect(content.cachedItem("b")?.difficulty).toBe(0);

      // Version 2 is read: the items held under version 1 are not served from memory …
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(doc(2, -0.75)));
      now += CALIBRATION_REFRESH_MS;
      expect((await content.calibration(now))?.version).toBe(2);
      expect(content.cachedItem("a")).toBeNull();
      expect(content.cachedItem("b")).toBeNull();
      // … but read through their bank again, with version 2's parameters.
      expect((await content.itemOfSkill("s", "a", now))?.difficulty).toBe(-0.75);
      expect(content.cachedItem("a")?.difficulty).toBe(-0.75);
      expect(content.cachedItem("b")?.difficulty).toBe(0);
    } finally {
      await env.CONTENT.delete(CALIBRATION_KV_KEY);
    }
  });
});
