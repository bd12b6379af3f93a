/**
 * A served item carries the parameters of the calibration in force: a learner's `next` reads
 * the published document when its isolate's copy is due for a refresh, even when the ranking
 * it answers from (the shared starting one) needed no scoring and so no item bank read.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { createDatabase } from "../../src/db/client";
import { items as itemsTable } from "../../src/db/schema";
import { CALIBRATION_KV_KEY } from "../../workers/learner/content";
import type { LearnerDO } from "../../workers/learner/learner-do";
import { learnerStub, testEnv, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

describe("the calibration a served item carries", () => {
  it("is the one in force when the item is served, read afresh by next when due", async () => {
    // An isolate that has served from the starting ranking under no calibration (its items held as authored).
    const first = await LearnerClient.create(uniqueLearner("calib-serve-warm"));
    expect((await first.next()).source).toBe("start-ranking");

    // Then the job publishes a version that moves every item's difficulty.
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    const bank = await db.read.select({ id: itemsTable.id, difficulty: itemsTable.difficulty, discrimination: itemsTable.discrimination, guessing: itemsTable.guessing }).from(itemsTable);
    await db.end();
    const moved = (b: number) => Math.round((b + 0.37) * 1000) / 1000;
    const doc: PublishedCalibration = {
      version: 77,
      createdAt: Date.now(),
      minResponses: 200,
      maxSe: 0.2,
      items: Object.fromEntries(bank.map((it) => [it.id, encodeCalibration({ difficulty: moved(it.difficulty), discrimination: it.discrimination, guessing: it.guessing, responses: 250, seDifficulty: 0.15, status: "provisional" })])),
      exposure: {},
      sympsonHetter: false,
    };
    await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(doc));
    try {
      // A new learner two minutes later (the isolate's copy is due for a refresh): same starting ranking, no scoring.
      const learner = await LearnerClient.create(uniqueLearner("calib-serve"));
      const later = Date.now() + 2 * 60_000;
      await runInDurableObject(learnerStub(learner.id), (i: LearnerDO) => {
        i.clock = () => later;
      });
      const next = await learner.next();
      expect(next.source).toBe("start-ranking");
      const served = await runInDurableObject(learnerStub(learner.id), (_i: LearnerDO, state) =>
        JSON.parse(String(state.storage.sql.exec<{ item: string }>("SELECT item FROM served ORDER BY id DESC LIMIT 1").one().item)) as { id: string; difficulty: number },
      );
      const authored = bank.find((it) => it.id === served.id)?.difficulty ?? Number.NaN;
      expect(served.id).toBe(next.item?.id);
      expect(served.difficulty).toBeCloseTo(moved(authored), 6);
    } finally {
      await env.CONTENT.delete(CALIBRATION_KV_KEY);
    }
  });
});
