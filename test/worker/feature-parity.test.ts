/**
 * Train/serve parity: the correctness model's input row that a learner's object builds for
 * each answered item (logged with the attempt, `attempts.features`) is rebuilt exactly by
 * replaying that learner's attempts from Postgres (src/ml/platform-replay.ts, what
 * `npm run train -- --from-postgres` trains on) — across days between answers and an object
 * restart that reloads the state from storage.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { buildCurriculum } from "../../src/core/engine";
import { FEATURE_COUNT, FEATURE_VERSION } from "../../src/core/features";
import { createDatabase } from "../../src/db/client";
import { getItems, listSkills } from "../../src/db/content";
import { attempts } from "../../src/db/schema";
import { replayPlatformHistory } from "../../src/ml/platform-replay";
import { CALIBRATION_KV_KEY } from "../../workers/learner/content";
import type { LearnerDO } from "../../workers/learner/learner-do";
import { drainOutbox, learnerStub, testEnv, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

const DAY = 86_400_000;

describe("the features a learner's object logs with each attempt", () => {
  it("are rebuilt row for row by replaying the learner's attempts from Postgres", async () => {
    const learner = await LearnerClient.create(uniqueLearner("parity"));
    const stub = learnerStub(learner.id);
    const start = Date.now() - 10 * DAY;
    // Six answers a day apart (the knowledge model's beliefs drift with time)…
    for (let k = 0; k < 6; k++) {
      await runInDurableObject(stub, (i: LearnerDO) => {
        i.clock = () => start + k * DAY;
      });
      const next = await learner.next();
      await learner.answer(next.item?.id ?? "", k % 3 !== 1);
    }
    // …then the object restarts (state reloaded from its storage), and six more today.
    await runInDurableObject(stub, (_i: LearnerDO, state) => state.abort("restart")).catch(() => {});
    for (let k = 0; k < 6; k++) {
      const next = await learner.next();
      await learner.answer(next.item?.id ?? "", k % 2 === 0);
    }
    await drainOutbox(learner.id);

    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    let rows;
    let skills;
    let bank;
    try {
      rows = await db.read.select().from(attempts).where(eq(attempts.learnerId, learner.id)).orderBy(asc(attempts.seq));
      [skills, bank] = await Promise.all([listSkills(db.read), getItems(db.read, [...new Set(rows.map((r) => r.itemId))])]);
    } finally {
      await db.end();
    }
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.featureVersion === FEATURE_VERSION && r.features?.length === FEATURE_COUNT)).toBe(true);
    // The bank as the object serves it: with whatever calibration this run published.
    const calibration = await env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json");
    const items = new Map(bank.map((it) => [it.id, withCalibration(it, calibration)]));
    const replay = replayPlatformHistory(
      [
        {
          learnerId: learner.id,
          fold: 1,
          attempts: rows.map((r) => ({ itemId: r.itemId, correct: r.correct, response: r.response, responseMs: r.responseMs, answeredAt: r.answeredAt.getTime(), features: r.features, featureVersion: r.featureVersion })),
        },
      ],
      items,
      buildCurriculum(skills),
    );
    expect(replay.skipped).toBe(0);
    expect(replay.parity.columns.filter((c) => c.mismatches > 0)).toEqual([]);
    expect(replay.parity).toMatchObject({ logged: 12, identical: 12, unlogged: 0, otherLayout: 0 });
    // The rows are not trivially equal: the learner's history moved them.
    expect(new Set(rows.map((r) => r.features?.[8])).size).toBeGreaterThan(6); // total_log
  });
});
