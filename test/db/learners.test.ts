import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { learnerHistory, writeBatch } from "../../src/db/learners";
import type { AttemptRow } from "../../src/db/learners";
import { attempts as attemptsTable } from "../../src/db/schema";
import { backends, openWithFixtures } from "./support";

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`learner history on ${backend.name}`, () => {
    const open = openWithFixtures(backend);

    it("gives every response back exactly as answered, text that looks like JSON included, with the logged features", async () => {
      const db = open();
      const learnerId = `history-${Date.now().toString(36)}`;
      // Text answers are strings even when they read as numbers, booleans or JSON.
      const responses: unknown[] = ["1", "007", "true", "null", '{"a":1}', "3.5", 2, 0, { choice: 1 }, "fifteen"];
      const attempts: Array<AttemptRow & { learnerId: string }> = responses.map((response, k) => ({
        learnerId,
        clientAttemptId: `c-${k}`,
        seq: k + 1,
        itemId: "add-1",
        skillIds: ["arith.add"],
        mode: "practice",
        mockTestId: null,
        correct: k % 2 === 0,
        response,
        responseMs: 4000,
        servedAt: null,
        answeredAt: 1_790_000_000_000 + k * 1000,
        ...(k < 2 ? { features: [0.25, -1.5, 1e-7], featureVersion: "features/2" } : {}),
      }));
      expect((await writeBatch(db.write, { attempts, states: [], reports: [] })).size).toBe(responses.length);
      const back = await learnerHistory(db.read, learnerId);
      expect(back.map((a) => a.response)).toEqual(responses);
      expect(back.map((a) => a.answeredAt)).toEqual(attempts.map((a) => a.answeredAt));
      // The logged feature rows (real[]): every float32 back exactly.
      const rows = await db.read.select({ features: attemptsTable.features, featureVersion: attemptsTable.featureVersion }).from(attemptsTable).where(eq(attemptsTable.learnerId, learnerId)).orderBy(asc(attemptsTable.seq));
      expect(rows.slice(0, 3).map((r) => r.features?.map(Math.fround) ?? null)).toEqual([[0.25, -1.5, Math.fround(1e-7)], [0.25, -1.5, Math.fround(1e-7)], null]);
      expect(rows.slice(0, 3).map((r) => r.featureVersion)).toEqual(["features/2", "features/2", null]);
    });
  });
}
