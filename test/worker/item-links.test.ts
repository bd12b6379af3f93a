/**
 * Item links learnt from the platform's own attempts, end to end inside workerd: learners'
 * attempts in Postgres → the calibration job (src/core/item-links.ts fit, published with the
 * calibration version in Postgres and KV) → the feature rows a learner's object builds and logs
 * (features/3's link columns) → rebuilt exactly by the replay that `npm run train --
 * --from-postgres` trains on, with the links of the latest version.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { asc, eq, isNotNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { buildCurriculum } from "../../src/core/engine";
import { FEATURE_NAMES, answerResidual } from "../../src/core/features";
import { DEFAULT_PUBLISH_LINKS, decodeLinks, encodeLinks, fitItemLinks, linksOf, linksReference, publishLinks, publishedLinkCount } from "../../src/core/item-links";
import { LINK_TABLES_KEPT, answerSequences, authoredItems, currentCalibrations, latestLinks, latestVersion } from "../../src/db/calibration";
import { createDatabase } from "../../src/db/client";
import { getItems, listSkills } from "../../src/db/content";
import { attempts, calibrationVersions } from "../../src/db/schema";
import { replayPlatformHistory } from "../../src/ml/platform-replay";
import { createItemStats } from "../../src/stats/item-stats";
import { runCalibration } from "../../workers/calibration/job";
import { CALIBRATION_KV_KEY } from "../../workers/learner/content";
import type { LearnerDO } from "../../workers/learner/learner-do";
import { api, drainOutbox, json, learnerStub, testEnv, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

const LINK_COUNT = FEATURE_NAMES.indexOf("link_count");

async function practise(label: string, answers: number, ahead = 0): Promise<LearnerClient> {
  const learner = await LearnerClient.create(uniqueLearner(label));
  if (ahead > 0) {
    await runInDurableObject(learnerStub(learner.id), (i: LearnerDO) => {
      i.clock = () => Date.now() + ahead;
    });
  }
  for (let k = 0; k < answers; k++) {
    const next = await learner.next();
    await learner.answer(next.item?.id ?? "", k % 3 !== 1);
  }
  await drainOutbox(learner.id);
  return learner;
}

describe("item links: attempts → calibration job → KV → learners' feature rows", () => {
  it("learns links from the attempts in Postgres, publishes exactly their fit, and learners' objects build their rows with them", async () => {
    for (let l = 0; l < 8; l++) await practise(`links-${l}`, 8);

    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    try {
      const stats = createItemStats({ url: testEnv.UPSTASH_REDIS_REST_URL, token: testEnv.UPSTASH_REDIS_REST_TOKEN, prefix: testEnv.ITEM_STATS_KEY_PREFIX });
      const config = { linksMinSupport: 1, linksMinNewAnswers: 1 };
      const run = await runCalibration({ db: db.write, stats, kv: env.CONTENT, now: Date.now(), config });
      expect(run.linksRefitted).toBe(true);
      expect(run.links).toBeGreaterThan(0);
      const doc = await env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json");
      // The version in Postgres carries the table (what the replay reads); KV a pointer to it, under a key of its own.
      const links = (await latestLinks(db.read))?.links;
      const newest = await latestVersion(db.read);
      expect(newest).not.toHaveProperty("links");
      expect((await latestLinks(db.read))?.version).toBe(newest?.version);
      const ref = doc?.linksRef;
      if (!doc || !links || !ref) throw new Error("no links published");
      expect(doc.version).toBe(run.version);
      expect(doc.links).toBeUndefined();
      const encoded = encodeLinks(links);
      expect(ref).toEqual(linksReference(links, encoded));
      expect(ref.count).toBe(run.links);
      const stored = await env.CONTENT.get(ref.key, "arrayBuffer");
      expect(stored && new Uint8Array(stored)).toEqual(encoded);

      // Exactly the fit of the attempts it read: every learner's answers in order, residuals
      // against the difficulty learners are served.
      const read = await answerSequences(db.read, 200_000, links.throughAttemptId);
      expect(links.answers).toBe(read.answers);
      const [items, calibrations] = await Promise.all([authoredItems(db.read), currentCalibrations(db.read)]);
      const authored = new Map(items.map((i) => [i.id, i.difficulty]));
      const b = (id: string) => calibrations.get(id)?.difficulty ?? authored.get(id) ?? 0;
      const fitted = fitItemLinks(read.sequences.map((s) => s.answers.map((a) => ({ itemId: a.itemId, residual: answerResidual(b(a.itemId), a.correct) }))));
      const expected = publishLinks(fitted, { answers: read.answers, learners: read.sequences.length, throughAttemptId: links.throughAttemptId }, { maxPerItem: DEFAULT_PUBLISH_LINKS.maxPerItem, minSupport: 1 });
      expect(links).toEqual(expected);
      expect(publishedLinkCount(links)).toBe(decodeLinks(encoded).count);

      // Operators see them: counts, and one item's links in and out, strongest first.
      const [source, out] = Object.entries(links.links).sort((x, y) => y[1].length - x[1].length)[0] ?? ["", []];
      const shown = await json<{ links: { published: number; answers: number; throughAttemptId: number }; itemLinks: { into: { itemId: string; weight: number }[]; outOf: { itemId: string; weight: number }[] } }>(
        await api(`/v1/ops/calibration?item=${source}`, { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } }),
      );
      expect(shown.links).toEqual({ published: run.links, answers: links.answers, learners: links.learners, throughAttemptId: links.throughAttemptId });
      expect(shown.itemLinks.outOf).toHaveLength(out.length);
      expect(new Set(shown.itemLinks.outOf.map((l) => `${l.itemId}:${l.weight}`))).toEqual(new Set(out.map(([to, w]) => `${to}:${w}`)));
      expect(shown.itemLinks.outOf.map((l) => Math.abs(l.weight))).toEqual(shown.itemLinks.outOf.map((l) => Math.abs(l.weight)).sort((x, y) => y - x));
      const into = Object.entries(links.links).flatMap(([from, list]) => list.filter(([to]) => to === source).map(([, w]) => `${from}:${w}`));
      expect(new Set(shown.itemLinks.into.map((l) => `${l.itemId}:${l.weight}`))).toEqual(new Set(into));

      // Nothing new since: the next run keeps them (no refit below linksMinNewAnswers).
      const again = await runCalibration({ db: db.write, stats, kv: env.CONTENT, now: Date.now(), config: { ...config, linksMinNewAnswers: 1_000_000 } });
      expect(again.linksRefitted).toBe(false);
      expect(await latestLinks(db.read)).toEqual({ version: run.version, links });
      expect((await env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json"))?.linksRef).toEqual(ref);
      expect(await env.CONTENT.get(ref.key, "arrayBuffer")).not.toBeNull();

      // A learner whose object reads the published calibration (its clock past the isolate's refresh).
      const learner = await practise("links-reader", 10, 2 * 60_000);
      const rows = await db.read.select().from(attempts).where(eq(attempts.learnerId, learner.id)).orderBy(asc(attempts.seq));
      expect(rows).toHaveLength(10);
      const [skills, bank] = await Promise.all([listSkills(db.read), getItems(db.read, [...new Set(rows.map((r) => r.itemId))])]);
      const replay = (withLinks: boolean) =>
        replayPlatformHistory(
          [
            {
              learnerId: learner.id,
              fold: 1,
              attempts: rows.map((r) => ({ itemId: r.itemId, correct: r.correct, response: r.response, responseMs: r.responseMs, answeredAt: r.answeredAt.getTime(), features: r.features, featureVersion: r.featureVersion })),
            },
          ],
          new Map(bank.map((it) => [it.id, withCalibration(it, doc)])),
          buildCurriculum(skills),
          undefined,
          10,
          withLinks ? linksOf(links) : undefined,
        );
      // Its logged rows are the replay's with the published links, column for column…
      const parity = replay(true).parity;
      expect(parity, JSON.stringify({ columns: parity.columns.filter((c) => c.mismatches > 0), examples: parity.examples.slice(0, 3) })).toMatchObject({ logged: 10, identical: 10 });
      // …and the links are in them: some rows have linked answers in their window, and without the links the replay differs there.
      expect(rows.some((r) => (r.features?.[LINK_COUNT] ?? 0) > 0)).toBe(true);
      expect(replay(false).parity.columns[LINK_COUNT]?.mismatches).toBeGreaterThan(0);

      // That learner's attempts are new answers: a refit publishes a new table under a new key and drops the old one.
      const refit = await runCalibration({ db: db.write, stats, kv: env.CONTENT, now: Date.now(), config });
      expect(refit.linksRefitted).toBe(true);
      const moved = (await env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json"))?.linksRef;
      expect(moved?.throughAttemptId).toBeGreaterThan(ref.throughAttemptId);
      expect(moved?.key).not.toBe(ref.key);
      expect(await env.CONTENT.get(moved?.key ?? "", "arrayBuffer")).not.toBeNull();
      expect(await env.CONTENT.get(ref.key)).toBeNull();
      // Postgres keeps the newest LINK_TABLES_KEPT tables: two more refits clear the first.
      for (let k = 0; k < LINK_TABLES_KEPT; k++) {
        await practise(`links-more-${k}`, 2);
        expect((await runCalibration({ db: db.write, stats, kv: env.CONTENT, now: Date.now(), config })).linksRefitted).toBe(true);
      }
      const tables = await db.read.select({ version: calibrationVersions.version }).from(calibrationVersions).where(isNotNull(calibrationVersions.links));
      expect(tables).toHaveLength(LINK_TABLES_KEPT);
      expect(tables.map((t) => t.version)).not.toContain(run.version);

      // A table that would not fit the size budget is published with fewer links into each item.
      await practise("links-budget", 2);
      const tight = await runCalibration({ db: db.write, stats, kv: env.CONTENT, now: Date.now(), config: { ...config, linksMaxBytes: 1 } });
      expect(tight.linksRefitted).toBe(true);
      expect((await latestLinks(db.read))?.links.maxPerItem).toBe(1);
      expect((await env.CONTENT.get<PublishedCalibration>(CALIBRATION_KV_KEY, "json"))?.linksRef?.maxPerItem).toBe(1);
    } finally {
      await db.end();
    }
  });
});
