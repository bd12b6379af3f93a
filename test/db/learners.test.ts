import { asc, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { learnerHistory, pgArray, writeBatch } from "../../src/db/learners";
import type { AttemptRow } from "../../src/db/learners";
import { attempts as attemptsTable, learnerSkillStates, learners as learnersTable } from "../../src/db/schema";
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
    it("writes every column of a batch as sent, in order, odd text included; a repeat inserts nothing; an older skill snapshot never overwrites a newer one", async () => {
      const db = open();
      const stamp = Date.now().toString(36);
      // Text that an array literal must quote: quotes, backslashes, commas, braces, NULL, spaces.
      const odd = ['a"b', "c\\d", "e,f", "{g}", "NULL", " h ", ""];
      const learnerA = `odd-"{${stamp}},\\`;
      const learnerB = `plain-${stamp}`;
      const rows: Array<AttemptRow & { learnerId: string }> = odd.map((text, k) => ({
        learnerId: k % 2 === 0 ? learnerA : learnerB,
        clientAttemptId: `${text}-${k}`,
        seq: k + 1,
        itemId: k % 2 === 0 ? "frac-add-1" : "add-1",
        skillIds: k % 2 === 0 ? ["fractions.add-like", "fractions.equivalent"] : ["arith.add"],
        mode: k === 3 ? "mock" : "practice",
        mockTestId: k === 3 ? `test "${text}"` : null,
        correct: k % 3 === 0,
        response: k === 5 ? { choice: 2, note: text } : text,
        responseMs: 1000 + k,
        servedAt: k === 1 ? null : 1_790_000_000_000 + k * 1000 - 500,
        answeredAt: 1_790_000_000_000 + k * 1000,
        ...(k === 2 ? { features: [0.5, 0, 1e-30, -3.25e12], featureVersion: "features/3" } : {}),
        ...(k === 4 ? { predictions: { model: 0.123456789012345, knowledge: 1e-9 } } : {}),
      }));
      const inserted = await writeBatch(db.write, { attempts: rows, states: [], reports: [] });
      expect(inserted.size).toBe(rows.length);
      const back = await db.read
        .select()
        .from(attemptsTable)
        .where(inArray(attemptsTable.learnerId, [learnerA, learnerB]))
        .orderBy(asc(attemptsTable.id));
      // In the batch's order (ids follow it), every column as sent: the replay's view of each
      // (learnerHistory, in each learner's seq order, which is the batch's here), then the rest.
      expect(back.map((r) => [r.learnerId, r.clientAttemptId])).toEqual(rows.map((r) => [r.learnerId, r.clientAttemptId]));
      const replayed = [...(await learnerHistory(db.read, learnerA)), ...(await learnerHistory(db.read, learnerB))].sort((x, y) => x.seq - y.seq);
      expect(replayed).toEqual(rows.map(({ learnerId: _learner, features: _features, featureVersion: _version, predictions, ...sent }) => ({ ...sent, predictions: predictions ?? null })));
      expect(back.map((r) => [r.features?.map(Math.fround) ?? null, r.featureVersion, r.pModel, r.pKnowledge])).toEqual(
        rows.map((r) => [r.features?.map(Math.fround) ?? null, r.featureVersion ?? null, r.predictions?.model ?? null, r.predictions?.knowledge ?? null]),
      );
      // The same batch again (a lost acknowledgement): nothing new, nothing returned.
      expect((await writeBatch(db.write, { attempts: rows, states: [], reports: [] })).size).toBe(0);
      expect((await db.read.select().from(attemptsTable).where(inArray(attemptsTable.learnerId, [learnerA, learnerB]))).length).toBe(rows.length);
      expect((await db.read.select({ id: learnersTable.id }).from(learnersTable).where(inArray(learnersTable.id, [learnerA, learnerB]))).length).toBe(2);
      // A learner's last_seen_at only moves forward (a late batch carries an older clock).
      const seen = async () => (await db.read.select({ at: learnersTable.lastSeenAt }).from(learnersTable).where(eq(learnersTable.id, learnerB)))[0]?.at?.getTime();
      await writeBatch(db.write, { attempts: [], states: [], reports: [], goals: [{ learnerId: learnerB, skillIds: [], updatedAt: 1 }] }, new Date(1_900_000_000_000));
      await writeBatch(db.write, { attempts: [], states: [], reports: [], goals: [{ learnerId: learnerB, skillIds: [], updatedAt: 2 }] }, new Date(1_800_000_000_000));
      expect(await seen()).toBe(1_900_000_000_000);

      // Skill snapshots: a newer one replaces, an older one (a late batch) does not.
      const snap = (updatedAt: number, theta: number) => ({ learnerId: learnerA, skillId: "fractions.add-like", theta, variance: 0.25, attempts: 3, correct: 2, mastered: theta > 1, updatedAt });
      await writeBatch(db.write, { attempts: [], states: [snap(2_000, 0.5), { ...snap(2_000, -0.5), learnerId: learnerB, skillId: "arith.add" }], reports: [] });
      await writeBatch(db.write, { attempts: [], states: [snap(3_000, 1.5)], reports: [] });
      await writeBatch(db.write, { attempts: [], states: [snap(2_500, -2)], reports: [] });
      const states = await db.read
        .select()
        .from(learnerSkillStates)
        .where(inArray(learnerSkillStates.learnerId, [learnerA, learnerB]))
        .orderBy(asc(learnerSkillStates.skillId));
      expect(states.map((r) => ({ learnerId: r.learnerId, skillId: r.skillId, theta: r.theta, mastered: r.mastered, updatedAt: r.updatedAt.getTime() }))).toEqual([
        { learnerId: learnerB, skillId: "arith.add", theta: -0.5, mastered: false, updatedAt: 2_000 },
        { learnerId: learnerA, skillId: "fractions.add-like", theta: 1.5, mastered: true, updatedAt: 3_000 },
      ]);
    });
  });
}

describe("pgArray", () => {
  it("quotes every string, escapes quotes and backslashes, writes numbers and booleans as they are and NULL for null", () => {
    expect(pgArray(["a", 'b"c', "d\\e", null, 1.5, true, "NULL", ""])).toBe('{"a","b\\"c","d\\\\e",NULL,1.5,true,"NULL",""}');
    expect(pgArray([Number.NaN, -1e-7, Number.POSITIVE_INFINITY, false])).toBe("{NaN,-1e-7,Infinity,false}");
    expect(pgArray([])).toBe("{}");
  });
});
