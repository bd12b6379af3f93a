import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LINK_WINDOW } from "../../src/core/features";
import { EMPTY_PREDICTOR_MIX, modelWeight, observeAnswer } from "../../src/core/predictor-mix";
import { encodeLinks, linksReference } from "../../src/core/item-links";
import type { PublishedLinks } from "../../src/core/item-links";
import { createDatabase } from "../../src/db/client";
import { learnerHistory } from "../../src/db/learners";
import { CALIBRATION_KV_KEY } from "../../workers/learner/content";
import type { LearnerDO } from "../../workers/learner/learner-do";
import type { GradedAttemptResult, NextResult } from "../../workers/learner/types";
import type { OutboxWriterDO } from "../../workers/writer/writer-do";
import { api, drainOutbox, json, learnerStub, parsed, postgresAttempts, problem, testEnv, tokenFor, uniqueLearner, writerStub } from "./helpers";
import { LearnerClient, fullItem, rightResponse, wrongResponse } from "./learner-support";

interface SkillGraph {
  skills: Array<{ id: string; prerequisites: string[] }>;
}

const stubOf = learnerStub;


describe("the learner engine through the API", () => {
  it("serves a new learner from the starting ranking with its reasons", async () => {
    const learner = await LearnerClient.create(uniqueLearner("new"));
    const next = await learner.next();
    expect(next.source).toBe("start-ranking");
    expect(next.item?.id).toBeTruthy();
    expect(next.item).not.toHaveProperty("answer");
    // The bundled correctness model scores the candidates (the knowledge model is its fallback).
    expect(next.why?.predictor).toBe("correctness-v2");
    expect(next.why?.fallbackReason).toBeUndefined();
    const sum = next.why ? Object.values(next.why.terms).reduce((a, b) => a + b, 0) : Number.NaN;
    expect(sum).toBeCloseTo(next.why?.score ?? Number.NaN, 6);
    expect(next.why?.candidates).toBeGreaterThanOrEqual(50);
  });

  it("mixes the model's predictions with the knowledge model's by how well each predicted the learner's answers, and keeps the weight across a restart", async () => {
    const learner = await LearnerClient.create(uniqueLearner("mix"));
    let state = EMPTY_PREDICTOR_MIX;
    let next = await learner.next();
    for (let k = 0; k < 4; k++) {
      const mix = next.why?.mix;
      if (!mix) throw new Error(`no mix in why: ${JSON.stringify(next.why)}`);
      // The weight is the learner's so far, and the prediction the scorer used is the mixture.
      expect(mix.modelWeight).toBeCloseTo(modelWeight(state), 12);
      expect(next.why?.prediction).toBeCloseTo(mix.modelWeight * mix.model + (1 - mix.modelWeight) * mix.knowledge, 12);
      expect(mix.model).not.toBeCloseTo(mix.knowledge, 6);
      const correct = k !== 1;
      state = observeAnswer(state, mix.model, mix.knowledge, correct);
      await learner.answer(next.item?.id ?? "", correct);
      next = await learner.next();
    }
    expect(state.answers).toBe(4);
    await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, s) => s.abort("evicted")).catch(() => {});
    const stored = await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, s) => ({
      mix: JSON.parse(String(s.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'predictor_mix'").one().value)) as typeof state,
      served: s.storage.sql.exec<{ p_model: number | null }>("SELECT p_model FROM served WHERE answered_by IS NOT NULL").toArray(),
    }));
    expect(stored.mix.answers).toBe(4);
    expect(stored.mix.lossModel).toBeCloseTo(state.lossModel, 12);
    expect(stored.mix.lossKnowledge).toBeCloseTo(state.lossKnowledge, 12);
    expect(stored.served).toHaveLength(4);
    expect(stored.served.every((r) => typeof r.p_model === "number")).toBe(true);
    // The woken object scores with the stored weight.
    await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, s) => s.storage.sql.exec("DELETE FROM meta WHERE key LIKE 'ranking:%'"));
    const after = await learner.next();
    expect(after.source).toBe("scored");
    expect(after.why?.mix?.modelWeight).toBeCloseTo(modelWeight(state), 12);
  });

  it("ranks the next item while the learner reads the feedback, exactly as scoring at the next request would", async () => {
    type Internals = { preparing: { done: Promise<void> } | null; rankings: Map<string, { entries: Array<{ itemId: string; why: { score: number } }> }> };
    const learner = await LearnerClient.create(uniqueLearner("ahead"));
    const at = Date.now();
    await runInDurableObject(stubOf(learner.id), (i: LearnerDO) => {
      i.clock = () => at; // one moment for both rankings below
    });
    for (let k = 0; k < 3; k++) {
      const next = await learner.next();
      if (k > 0) expect(next.source, `next after attempt ${k}`).toBe("cache");
      await learner.answer(next.item?.id ?? "", k % 2 === 0);
    }
    // The ranking computed ahead, then the same ranking scored at the request instead.
    const ahead = await runInDurableObject(stubOf(learner.id), async (i: LearnerDO) => {
      const internals = i as unknown as Internals;
      await internals.preparing?.done;
      const ranking = internals.rankings.get("practice");
      internals.rankings.clear();
      return ranking?.entries.map((e) => [e.itemId, e.why.score]);
    });
    expect(ahead?.length).toBeGreaterThan(0);
    expect((await learner.next()).source).toBe("scored");
    const atRequest = await runInDurableObject(stubOf(learner.id), (i: LearnerDO) =>
      (i as unknown as Internals).rankings.get("practice")?.entries.map((e) => [e.itemId, e.why.score]),
    );
    expect(atRequest).toEqual(ahead);
  });

  it("answers the first next after an eviction from the ranking saved with the hand-over, until goals change it", async () => {
    type Internals = {
      preparing: { done: Promise<void> } | null;
      rankings: Map<string, { seq: number; entries: Array<{ itemId: string; why: { score: number } }> }>;
      handOverOnTimer(): Promise<void>;
    };
    const learner = await LearnerClient.create(uniqueLearner("saved-ranking"));
    const restart = () => runInDurableObject(stubOf(learner.id), (_i: LearnerDO, state) => state.abort("evicted")).catch(() => {});
    await runInDurableObject(stubOf(learner.id), (i: LearnerDO) => {
      i.flushDelayMs = 600_000; // the hand-over below is run by hand
    });
    await learner.answer((await learner.next()).item?.id ?? "", true);
    const ahead = await runInDurableObject(stubOf(learner.id), async (i: LearnerDO) => {
      const internals = i as unknown as Internals;
      await internals.preparing?.done;
      await internals.handOverOnTimer();
      return new Map(internals.rankings.get("practice")?.entries.map((e) => [e.itemId, e.why.score]));
    });
    expect(ahead.size).toBeGreaterThan(0);
    expect((await learner.progress()).outbox.pending).toBe(0);
    await restart();
    // A new instance: nothing in memory, yet no candidate is scored again.
    const next = await learner.next();
    expect(next.source).toBe("cache");
    expect(next.why?.score).toBe(ahead.get(next.item?.id ?? ""));

    // New goals change the ranking: the saved one is forgotten with them.
    const goal = next.why?.skillId ?? "";
    const set = await api(`/v1/learners/${learner.id}/goals`, { method: "PUT", token: await tokenFor(learner.id), json: { skillIds: [goal] } });
    expect(set.status).toBe(200);
    await restart();
    expect((await learner.next()).source).toBe("scored");
  });

  it("serves the next best item when the ranked one was retired from the bank after ranking", async () => {
    type Bank = { value: Array<{ id: string }>; loadedAt: number };
    type Memory = { banks: Map<string, Bank>; items: Map<string, unknown>; calibrated: Map<string, unknown> };
    type Internals = {
      preparing: { done: Promise<void> } | null;
      content: { memory: Memory };
      rankings: Map<string, { entries: Array<{ itemId: string; why: { skillId: string } }> }>;
    };
    const learner = await LearnerClient.create(uniqueLearner("retired"));
    const first = await learner.next();
    await learner.answer(first.item?.id ?? "", true);
    // The ranking prepared after the attempt names the next item; retire that item from the bank
    // as this isolate reads it (a publish without it, once the cached bank expired).
    const retired = await runInDurableObject(stubOf(learner.id), async (i: LearnerDO) => {
      const internals = i as unknown as Internals;
      await internals.preparing?.done;
      const top = internals.rankings.get("practice")?.entries.find((e) => e.itemId !== first.item?.id);
      if (!top) throw new Error("no ranking prepared");
      const memory = internals.content.memory;
      const bank = memory.banks.get(top.why.skillId);
      if (!bank) throw new Error(`bank of ${top.why.skillId} not in memory`);
      const item = memory.items.get(top.itemId);
      memory.banks.set(top.why.skillId, { value: bank.value.filter((it) => it.id !== top.itemId), loadedAt: bank.loadedAt });
      memory.items.delete(top.itemId);
      memory.calibrated.delete(top.why.skillId);
      return { itemId: top.itemId, skillId: top.why.skillId, bank, item };
    });
    try {
      const next = await learner.next(); // 200, or the test fails here
      expect(next.item?.id).toBeTruthy();
      expect(next.item?.id).not.toBe(retired.itemId);
      // And after the next attempt: ranked again from the bank as read now, which lacks it.
      await learner.answer(next.item?.id ?? "", true);
      expect((await learner.next()).item?.id).not.toBe(retired.itemId);
    } finally {
      await runInDurableObject(stubOf(learner.id), (i: LearnerDO) => {
        const memory = (i as unknown as Internals).content.memory;
        memory.banks.set(retired.skillId, retired.bank);
        if (retired.item) memory.items.set(retired.itemId, retired.item);
        memory.calibrated.delete(retired.skillId);
      });
    }
  });

  it("moves a learner from ready skills to their dependants", async () => {
    const graph = await json<SkillGraph>(await api("/v1/skills"));
    const prereqs = new Map(graph.skills.map((s) => [s.id, s.prerequisites]));
    const learner = await LearnerClient.create(uniqueLearner("flow"));
    const mastered = new Set<string>();
    const servedSkills: string[] = [];
    for (let i = 0; i < 260 && servedSkills.filter((s) => (prereqs.get(s) ?? []).length > 0).length < 5; i++) {
      const next = await learner.next("practice");
      const item = next.item;
      expect(item, `${i}: ${next.message}`).not.toBeNull();
      if (!item) break;
      const skill = next.why?.skillId ?? "";
      // Practice only serves skills whose prerequisites are all mastered.
      for (const p of prereqs.get(skill) ?? []) expect(mastered.has(p), `${skill} served before ${p} was mastered`).toBe(true);
      servedSkills.push(skill);
      const result = await learner.answer(item.id, true);
      for (const m of result.mastery) if (m.mastered) mastered.add(m.skillId);
    }
    expect(mastered.size).toBeGreaterThan(0);
    const dependants = servedSkills.filter((s) => (prereqs.get(s) ?? []).length > 0);
    expect(dependants.length, `served: ${[...new Set(servedSkills)].join(", ")}`).toBeGreaterThan(0);
    const progress = await learner.progress();
    expect(progress.skills.filter((s) => s.mastered).map((s) => s.skillId).sort()).toEqual([...mastered].sort());
  });

  it("favours goal skills once set, and rejects unknown ones", async () => {
    const learner = await LearnerClient.create(uniqueLearner("goals"));
    const token = await tokenFor(learner.id);
    const bad = await api(`/v1/learners/${learner.id}/goals`, { method: "PUT", token, json: { skillIds: ["no.such-skill"] } });
    expect(bad.status).toBe(400);
    const graph = await json<SkillGraph>(await api("/v1/skills"));
    const root = graph.skills.find((s) => s.prerequisites.length === 0)?.id ?? "";
    const ok = await api(`/v1/learners/${learner.id}/goals`, { method: "PUT", token, json: { skillIds: [root] } });
    expect(await json(ok)).toEqual({ goalSkillIds: [root] });
    const next = await learner.next();
    expect(next.why?.skillId).toBe(root);
    expect(next.why?.terms.goal).toBeGreaterThan(0);
  });

  it("never hands one item to two concurrent next calls, cold or warm", async () => {
    const learner = await LearnerClient.create(uniqueLearner("concurrent"));
    // Cold: a new object, nothing loaded; warm: after an answer, a freshly scored ranking.
    const cold = await Promise.all(Array.from({ length: 6 }, () => learner.next()));
    const coldIds = cold.map((n) => n.item?.id);
    expect(new Set(coldIds).size, coldIds.join(", ")).toBe(6);
    await learner.answer(coldIds[0] ?? "", true);
    const warm = await Promise.all(Array.from({ length: 6 }, () => learner.next()));
    const warmIds = warm.map((n) => n.item?.id);
    expect(new Set([...coldIds, ...warmIds]).size).toBe(12);
  });

  it("answers and serves the next item in one request, exactly as a next right after the attempt would", async () => {
    type WithNext = GradedAttemptResult & { next?: NextResult | null; nextProblem?: unknown };
    const graph = await json<SkillGraph>(await api("/v1/skills"));
    const root = graph.skills.find((s) => s.prerequisites.length === 0)?.id ?? "";
    const at = Date.now();
    // Twins: the same goal (a scored first ranking, not the shared one each learner orders
    // its own way), the same clock, the same answers.
    const twins = await Promise.all(["two-calls", "one-call"].map((name) => LearnerClient.create(uniqueLearner(name))));
    for (const t of twins) {
      await runInDurableObject(stubOf(t.id), (i: LearnerDO) => {
        i.clock = () => at;
      });
      await api(`/v1/learners/${t.id}/goals`, { method: "PUT", token: await tokenFor(t.id), json: { skillIds: [root] } });
    }
    const [separate, combined] = twins as [LearnerClient, LearnerClient];
    const first = [await separate.next(), await combined.next()];
    expect(first[1]?.item?.id).toBe(first[0]?.item?.id);
    const itemId = first[0]?.item?.id ?? "";
    const item = await fullItem(itemId);
    const plain = await separate.answer(itemId, true, "s1");
    expect(plain).not.toHaveProperty("next"); // not asked for: the answer is as before
    const expected = await separate.next();

    const body = { clientAttemptId: "c1", itemId, response: rightResponse(item), responseMs: 12_000 };
    const res = await combined.attemptRaw({ ...body, next: "practice" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-cache")).toBe("HIT"); // ranked ahead by the attempt, like the separate next
    const result = await json<WithNext>(res);
    const { next, ...graded } = result;
    expect({ ...graded, clientAttemptId: "s1" }).toEqual(plain);
    expect(result.nextProblem).toBeUndefined();
    expect(next?.item?.id).toBe(expected.item?.id);
    expect(next?.why).toEqual(expected.why);
    expect(next?.source).toBe(expected.source);
    // The item it brought is served: answerable once, like any other.
    await combined.answer(next?.item?.id ?? "", false, "c2");
    expect((await combined.progress()).attempts).toBe(2);

    // A mode it does not know is refused before anything is written.
    const next2 = await combined.next();
    const item2 = await fullItem(next2.item?.id ?? "");
    const bad = await combined.attemptRaw({ clientAttemptId: "c3", itemId: item2.id, response: rightResponse(item2), responseMs: 1000, next: "mock" });
    expect(bad.status).toBe(400);
    expect((await combined.progress()).attempts).toBe(2);
    // A retry of a combined answer replays the attempt and brings a next item again.
    const again = await combined.attemptRaw({ ...body, next: "practice" });
    const replay = await json<WithNext>(again);
    expect(replay.replayed).toBe(true);
    expect(replay.next?.item?.id).toBeTruthy();
    expect((await combined.progress()).attempts).toBe(2);
  });

  it("counts a retried attempt once and refuses reuse of its id", async () => {
    const learner = await LearnerClient.create(uniqueLearner("retry"));
    const next = await learner.next();
    const itemId = next.item?.id ?? "";
    const first = await learner.answer(itemId, true, "attempt-1");
    const again = await learner.answer(itemId, true, "attempt-1");
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect({ ...again, replayed: false }).toEqual(first);
    expect((await learner.progress()).attempts).toBe(1);
    // The same id with another answer is not a retry: 409, and nothing changes.
    const item = await fullItem(itemId);
    const changed = await learner.attemptRaw({ clientAttemptId: "attempt-1", itemId, response: wrongResponse(item), responseMs: 12_000 });
    expect(changed.status).toBe(409);
    expect((await problem(changed)).detail).toContain("different response");
    const slower = await learner.attemptRaw({ clientAttemptId: "attempt-1", itemId, response: rightResponse(item), responseMs: 12_001 });
    expect(slower.status).toBe(409);
    expect((await learner.progress()).attempts).toBe(1);

    const other = await learner.next();
    const reuse = await learner.attemptRaw({ clientAttemptId: "attempt-1", itemId: other.item?.id, response: 0, responseMs: 1000 });
    expect(reuse.status).toBe(409);
    await problem(reuse);
    // The refused reuse wrote nothing: the other item is still open, and its own answer counts.
    expect((await learner.progress()).attempts).toBe(1);
    const answered = await learner.answer(other.item?.id ?? "", true, "attempt-2");
    expect(answered.replayed).toBe(false);
    expect((await learner.progress()).attempts).toBe(2);
  });

  it("refuses items never served, answered twice, or malformed answers, changing nothing", async () => {
    const learner = await LearnerClient.create(uniqueLearner("refuse"));
    const next = await learner.next();
    const item = await fullItem(next.item?.id ?? "");
    const notServed = await learner.attemptRaw({ clientAttemptId: "x1", itemId: "no-such-item", response: 0, responseMs: 10 });
    expect(notServed.status).toBe(404);
    const bad = await learner.attemptRaw({ clientAttemptId: "x2", itemId: item.id, response: "   ", responseMs: 10 });
    expect(bad.status).toBe(400);
    const missing = await learner.attemptRaw({ clientAttemptId: "x3", itemId: item.id, responseMs: 10 });
    expect(missing.status).toBe(400);
    expect((await learner.progress()).attempts).toBe(0);
    await learner.answer(item.id, true, "x4");
    const twice = await learner.attemptRaw({ clientAttemptId: "x5", itemId: item.id, response: rightResponse(item), responseMs: 10 });
    expect(twice.status).toBe(409);
    expect((await problem(twice)).detail).toContain("already answered");
    expect((await learner.progress()).attempts).toBe(1);
  });

  it("brings reviews back when they are due", async () => {
    const learner = await LearnerClient.create(uniqueLearner("review"));
    const stub = stubOf(learner.id);
    let now = Date.UTC(2026, 0, 5, 9);
    await runInDurableObject(stub, (instance: LearnerDO) => {
      instance.clock = () => now;
    });
    const first = await learner.next();
    const skill = first.why?.skillId ?? "";
    await learner.answer(first.item?.id ?? "", true);
    const empty = await learner.next("review");
    expect(empty.item).toBeNull();
    expect(empty.message).toContain("nothing is due");
    expect(empty.nextReviewAt).toBeGreaterThan(now);

    now = (empty.nextReviewAt ?? now) + 3_600_000;
    const review = await learner.next("review");
    expect(review.item).not.toBeNull();
    expect(review.why?.skillId).toBe(skill);
    expect(review.why?.terms.urgency).toBeGreaterThan(0);
    const progress = await learner.progress();
    expect((progress.reviews as { dueNow: number }).dueNow).toBeGreaterThanOrEqual(1);
  });

  it("accepts attempts while Postgres is unreachable and delivers each exactly once later", async () => {
    const ATTEMPTS = 60;
    const learner = await LearnerClient.create(uniqueLearner("outage"));
    const stub = stubOf(learner.id);
    // Content is served from KV: publish the bank there, as after an import.
    const published = await api("/v1/ops/content/publish", { method: "POST", headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } });
    expect(published.status).toBe(200);
    // A writer of this test's own, so taking "Postgres" away from it touches no other test.
    const writerName = `test-writer-${learner.id}`;
    const writer = writerStub(writerName, true);
    // No hand-over on its own while the attempts are made: the test drains by hand.
    await runInDurableObject(stub, (instance: LearnerDO) => {
      instance.flushDelayMs = 3_600_000;
    });
    for (let i = 0; i < ATTEMPTS; i++) {
      const next = await learner.next();
      await learner.answer(next.item?.id ?? "", i % 3 !== 0);
    }
    // Overrides live in the objects' memory (an idle object may be evicted): set them right before use.
    await runInDurableObject(stub, (instance: LearnerDO) => instance.useWriter(writerName));
    await runInDurableObject(writer, (instance: OutboxWriterDO) => {
      // Nothing listens on port 9: every connection is refused, as when Postgres is down.
      instance.useDatabase({ url: testEnv.DATABASE_URL, wsProxy: "127.0.0.1:9" });
    });
    await drainOutbox(learner.id, writer); // the hand-over succeeds; the writer's flush fails
    expect((await learner.progress()).outbox.pending).toBe(0);
    const during = await writer.status();
    expect(during.pending.attempts).toBe(ATTEMPTS);
    expect(during.failures).toBeGreaterThan(0);
    expect(await postgresAttempts(learner.id)).toBe(0);

    await runInDurableObject(writer, (instance: OutboxWriterDO) => instance.useDatabase(null));
    await runInDurableObject(stub, (instance: LearnerDO) => instance.useWriter(writerName));
    await drainOutbox(learner.id, writer);
    expect(await postgresAttempts(learner.id)).toBe(ATTEMPTS);
    expect((await writer.status()).pending.attempts).toBe(0);

    // A lost acknowledgement: the learner hands the same rows over again after they were
    // written. The writer queues them (it no longer has them) and Postgres ignores them.
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    const rows = await learnerHistory(db.read, learner.id).finally(() => db.end());
    expect(rows).toHaveLength(ATTEMPTS);
    expect((await writer.accept({ learnerId: learner.id, attempts: rows.slice(0, 30), states: [], reports: [] })).accepted).toBe(30);
    expect((await writer.accept({ learnerId: learner.id, attempts: rows.slice(0, 30), states: [], reports: [] })).accepted).toBe(0);
    const written = (await writer.status()).attemptsWritten;
    await runInDurableObject(stub, (instance: LearnerDO) => instance.useWriter(writerName));
    await drainOutbox(learner.id, writer);
    expect((await writer.status()).pending.attempts).toBe(0);
    expect((await writer.status()).attemptsWritten).toBe(written);
    expect(await postgresAttempts(learner.id)).toBe(ATTEMPTS);
  }, 180_000); // publishing the bank to KV alone took 40 s on a loaded 2-core machine

  it("writes many learners' attempts in one Postgres transaction over one warm connection", async () => {
    const writerName = `test-writer-batch-${Date.now()}`;
    const writer = writerStub(writerName, true);
    const learners = await Promise.all(Array.from({ length: 6 }, (_, i) => LearnerClient.create(uniqueLearner(`batch${i}`))));
    const round = async () => {
      // Flushes by hand only: no timed flush may run in between.
      await runInDurableObject(writer, (instance: OutboxWriterDO) => {
        instance.flushIntervalMs = 3_600_000;
      });
      for (const learner of learners) {
        await runInDurableObject(stubOf(learner.id), (instance: LearnerDO) => instance.useWriter(writerName));
        for (let i = 0; i < 4; i++) {
          const next = await learner.next();
          await learner.answer(next.item?.id ?? "", i % 2 === 0);
        }
        for (let i = 0; i < 5 && (await runDurableObjectAlarm(stubOf(learner.id))); i++);
      }
      const before = await writer.status();
      expect(before.pending.attempts).toBe(24);
      await runDurableObjectAlarm(writer);
      const after = await writer.status();
      expect(after.pending.attempts).toBe(0);
      expect(after.transactions - before.transactions).toBe(1);
      expect(after.attemptsWritten - before.attemptsWritten).toBe(24);
      return after;
    };
    await round();
    const second = await round();
    // The second flush reused the first one's connection.
    expect(second.connectionsOpened).toBe(1);
    for (const learner of learners) expect(await postgresAttempts(learner.id)).toBe(8);
  });

  it("serves a brand-new learner without touching Postgres", async () => {
    const learner = await LearnerClient.create(uniqueLearner("cheap"));
    await runInDurableObject(stubOf(learner.id), (instance: LearnerDO) => {
      instance.useDatabase({ url: testEnv.DATABASE_URL, wsProxy: "127.0.0.1:9" }); // Postgres "down"
    });
    const next = await learner.next();
    expect(next.item).not.toBeNull();
    await learner.answer(next.item?.id ?? "", true);
    expect((await learner.progress()).attempts).toBe(1);
  });

  it("creates a new learner's tables with its first serve, upgrades an older object's tables at start, and runs no DDL when they are current", async () => {
    const tables = (state: DurableObjectState) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'sqlite_sequence' ORDER BY name")
        .toArray()
        .map((r) => r.name);
    // Started, asked nothing: it has written nothing (its tables come in the first serve's commit).
    const learner = await LearnerClient.create(uniqueLearner("schema"));
    expect(await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, state) => tables(state))).toEqual([]);
    expect((await learner.next()).item).not.toBeNull();
    expect(await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, state) => tables(state))).toContain("served");

    // An object created before five columns existed: its constructor adds them, once.
    const oldId = uniqueLearner("old-schema");
    await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => {
      state.storage.sql.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('schema_version', '1');
        CREATE TABLE served (id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, skill_id TEXT NOT NULL, mode TEXT NOT NULL, session INTEGER NOT NULL, served_at INTEGER NOT NULL, answered_by TEXT, item TEXT);
        CREATE TABLE attempts (client_attempt_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, item_id TEXT NOT NULL, mode TEXT NOT NULL, correct INTEGER NOT NULL, response_ms INTEGER NOT NULL, answered_at INTEGER NOT NULL, result TEXT NOT NULL);
        CREATE TABLE mock_tests (id TEXT PRIMARY KEY, course TEXT NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL, strata TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, report TEXT);`);
    });
    await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => state.abort("restart with the old tables")).catch(() => {});
    const columns = await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => ({
      served: state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('served')").toArray().map((r) => r.name),
      attempts: state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('attempts')").toArray().map((r) => r.name),
      mockTests: state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('mock_tests')").toArray().map((r) => r.name),
      applied: state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'alters_applied'").one().value,
    }));
    expect(columns.served).toEqual(expect.arrayContaining(["mock_test_id", "p_model", "p_knowledge"]));
    expect(columns.attempts).toContain("request");
    expect(columns.mockTests).toContain("ended");
    expect(columns.applied).toBe("5");

    // Up to date (its schema signature matches): a restart runs no DDL at all, so a table
    // dropped behind its back stays dropped; under another signature (tables from an older
    // DDL) the start brings every table back.
    const restart = () => runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => state.abort("restart")).catch(() => {});
    await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => state.storage.sql.exec("DROP TABLE report_outbox"));
    await restart();
    expect(await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => tables(state))).not.toContain("report_outbox");
    await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => state.storage.sql.exec("UPDATE meta SET value = 'older' WHERE key = 'schema_signature'"));
    await restart();
    expect(await runInDurableObject(stubOf(oldId), (_i: LearnerDO, state) => tables(state))).toContain("report_outbox");
  });

  it("hands the outbox over on an in-memory timer, with one standing alarm as the safety net, dropped once the learner is quiet", async () => {
    // The routine path: the timer hands over; no alarm had to run, and one stands a safety window out.
    const learner = await LearnerClient.create(uniqueLearner("timer"));
    await runInDurableObject(stubOf(learner.id), (i: LearnerDO) => {
      i.flushDelayMs = 300;
    });
    for (let k = 0; k < 2; k++) await learner.answer((await learner.next()).item?.id ?? "", true);
    const alarmAt = await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, state) => state.storage.getAlarm());
    expect(alarmAt ?? 0).toBeGreaterThan(Date.now() + 30_000);
    for (let t = 0; t < 50 && (await learner.progress()).outbox.pending > 0; t++) await new Promise((r) => setTimeout(r, 100));
    expect((await learner.progress()).outbox.pending).toBe(0);

    // Quiet once the timer has emptied the outbox: the safety alarm is dropped (no wake-up a
    // safety window later), and the next attempt sets it again.
    const idle = await LearnerClient.create(uniqueLearner("timer-idle"));
    await runInDurableObject(stubOf(idle.id), (i: LearnerDO) => {
      i.flushDelayMs = 200;
    });
    const alarmOf = () => runInDurableObject(stubOf(idle.id), (_i: LearnerDO, state) => state.storage.getAlarm());
    await idle.answer((await idle.next()).item?.id ?? "", true);
    expect((await alarmOf()) ?? 0).toBeGreaterThan(Date.now() + 30_000);
    for (let t = 0; t < 50 && (await alarmOf()) !== null; t++) await new Promise((r) => setTimeout(r, 100));
    expect(await alarmOf()).toBeNull();
    expect((await idle.progress()).outbox.pending).toBe(0);
    await idle.answer((await idle.next()).item?.id ?? "", false);
    expect((await alarmOf()) ?? 0).toBeGreaterThan(Date.now() + 30_000);
    // An answer that brings the next item is one request, not an answer and a request after it:
    // quiet after it, the alarm is dropped as well.
    for (let t = 0; t < 50 && (await alarmOf()) !== null; t++) await new Promise((r) => setTimeout(r, 100));
    const open = await idle.next();
    const openItem = await fullItem(open.item?.id ?? "");
    const withNext = await idle.attemptRaw({ clientAttemptId: "idle-next", itemId: openItem.id, response: rightResponse(openItem), responseMs: 5000, next: "practice" });
    expect(withNext.status).toBe(200);
    expect((await alarmOf()) ?? 0).toBeGreaterThan(Date.now() + 30_000);
    for (let t = 0; t < 50 && (await alarmOf()) !== null; t++) await new Promise((r) => setTimeout(r, 100));
    expect(await alarmOf()).toBeNull();

    // Still at it (a request after the answer, within the window): the alarm stays for the
    // stretch of activity, one write instead of a delete and a set per flush window.
    const busy = await LearnerClient.create(uniqueLearner("timer-busy"));
    await runInDurableObject(stubOf(busy.id), (i: LearnerDO) => {
      i.flushDelayMs = 2_000;
    });
    await busy.answer((await busy.next()).item?.id ?? "", true);
    await busy.next();
    for (let t = 0; t < 50 && (await busy.progress()).outbox.pending > 0; t++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const kept = await runInDurableObject(stubOf(busy.id), (_i: LearnerDO, state) => state.storage.getAlarm());
    expect(kept ?? 0).toBeGreaterThan(Date.now());

    // The object reset before its timer fired: the standing alarm hands the outbox over.
    const lost = await LearnerClient.create(uniqueLearner("timer-lost"));
    await runInDurableObject(stubOf(lost.id), (i: LearnerDO) => {
      i.flushDelayMs = 20_000;
    });
    await lost.answer((await lost.next()).item?.id ?? "", false);
    await runInDurableObject(stubOf(lost.id), (_i: LearnerDO, state) => state.abort("evicted before its timer")).catch(() => {});
    expect((await lost.progress()).outbox.pending).toBe(1);
    expect(await runDurableObjectAlarm(stubOf(lost.id))).toBe(true);
    expect((await lost.progress()).outbox.pending).toBe(0);
  });

  it("loses nothing when its Durable Object restarts", async () => {
    const learner = await LearnerClient.create(uniqueLearner("restart"));
    for (let i = 0; i < 12; i++) {
      const next = await learner.next();
      await learner.answer(next.item?.id ?? "", i % 3 !== 0);
    }
    const pending = await learner.next(); // served, not yet answered
    const before = await learner.progress();
    // Restart this learner's object: its in-memory state is dropped, its storage stays.
    const marker = () => Date.now();
    await runInDurableObject(stubOf(learner.id), (instance: LearnerDO, state) => {
      instance.clock = marker;
      state.abort("test restart");
    }).catch(() => {});
    await runInDurableObject(stubOf(learner.id), (instance: LearnerDO) => {
      expect(instance.clock).not.toBe(marker); // a new instance
    });
    const after = await learner.progress();
    expect({ ...after, outbox: null }).toEqual({ ...before, outbox: null });
    expect(after.outbox.pending).toBe(before.outbox.pending);
    // The item served before the restart can still be answered, once.
    const answered = await learner.answer(pending.item?.id ?? "", true);
    expect(answered.seq).toBe(13);
    // A new instance loads some state on first use: answered straight after a restart, with
    // nothing read before, the answer is still counted once.
    const pending2 = await learner.next();
    const count = (await learner.progress()).attempts;
    await runInDurableObject(stubOf(learner.id), (_i: LearnerDO, state) => state.abort("test restart")).catch(() => {});
    await learner.answer(pending2.item?.id ?? "", false);
    expect((await learner.progress()).attempts).toBe(count + 1);
  });

  it("loads a feature history stored before features/2 (no residual fields, no answer window) and keeps scoring with the model", async () => {
    const learner = await LearnerClient.create(uniqueLearner("legacy-history"));
    for (let i = 0; i < 6; i++) {
      const next = await learner.next();
      await learner.answer(next.item?.id ?? "", i % 2 === 0);
    }
    // Rewrite the stored history into its features/1 shape, then restart the object so it reloads it.
    await runInDurableObject(stubOf(learner.id), (_instance: LearnerDO, state) => {
      const sql = state.storage.sql;
      const counts = JSON.parse(String(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'feature_counts'").one().value)) as Record<string, unknown>;
      expect(counts.residualLong).toEqual(expect.any(Number));
      const { attempts, correct, streak, recent } = counts;
      sql.exec("UPDATE meta SET value = ? WHERE key = 'feature_counts'", JSON.stringify({ attempts, correct, streak, recent }));
      for (const row of [...sql.exec<{ skill_id: string; state: string }>("SELECT skill_id, state FROM feature_skills")]) {
        const { residual: _dropped, ...old } = JSON.parse(row.state) as Record<string, unknown>;
        sql.exec("UPDATE feature_skills SET state = ? WHERE skill_id = ?", JSON.stringify(old), row.skill_id);
      }
    });
    await runInDurableObject(stubOf(learner.id), (_instance: LearnerDO, state) => state.abort("test restart")).catch(() => {});
    const next = await learner.next();
    expect(next.item).not.toBeNull();
    expect(next.why?.predictor).toBe("correctness-v2");
    expect(next.why?.fallbackReason).toBeUndefined();
    await learner.answer(next.item?.id ?? "", true);
    await runInDurableObject(stubOf(learner.id), (_instance: LearnerDO, state) => {
      const counts = JSON.parse(String(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'feature_counts'").one().value)) as Record<string, unknown>;
      expect(counts.attempts).toBe(7);
      expect(counts.residualLong).toEqual(expect.any(Number)); // written back in the features/2 shape
      expect(counts.lastAnswers).toEqual([[next.item?.id, expect.any(Number)]]); // and features/3's window starts with this answer
    });
  });

  it("rebuilds the same progress in a fresh object from Postgres", async () => {
    const learner = await LearnerClient.create(uniqueLearner("hydrate"));
    let firstItem = "";
    const graph = await json<SkillGraph>(await api("/v1/skills"));
    const goal = graph.skills.find((s) => s.prerequisites.length > 0)?.id ?? "";
    const setGoals = await api(`/v1/learners/${learner.id}/goals`, { method: "PUT", token: await tokenFor(learner.id), json: { skillIds: [goal] } });
    expect(setGoals.status).toBe(200);
    for (let i = 0; i < 40; i++) {
      const next = await learner.next();
      firstItem ||= next.item?.id ?? "";
      await learner.answer(next.item?.id ?? "", i % 4 !== 0);
    }
    await drainOutbox(learner.id);
    const original = await learner.progress();
    const fresh = env.LEARNER.get(env.LEARNER.newUniqueId());
    const rebuilt = parsed(await fresh.progress(learner.id, 0));
    expect(rebuilt.ok).toBe(true);
    if (!rebuilt.ok) return;
    // Every progress field, goals included (the outbox's own bookkeeping aside).
    expect(original.goalSkillIds).toEqual([goal]);
    expect({ ...rebuilt.value, outbox: null }).toEqual({ ...original, outbox: null });
    // The predictor weights too: rebuilt from what both predictors said of each served item.
    const mixOf = (stub: DurableObjectStub<LearnerDO>) =>
      runInDurableObject(stub, (_i: LearnerDO, state) => JSON.parse(String(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'predictor_mix'").one().value)) as { answers: number; lossModel: number; lossKnowledge: number });
    const [liveMix, rebuiltMix] = [await mixOf(stubOf(learner.id)), await mixOf(fresh)];
    expect(liveMix.answers).toBe(40);
    expect(rebuiltMix.answers).toBe(40);
    expect(rebuiltMix.lossModel).toBeCloseTo(liveMix.lossModel, 9);
    expect(rebuiltMix.lossKnowledge).toBeCloseTo(liveMix.lossKnowledge, 9);
    // And the rebuilt object recognises retries of attempts it never saw live: the first
    // attempt (answered wrongly) resent is replayed, not counted again …
    const first = await fullItem(firstItem);
    const retry = { learnerId: learner.id, clientAttemptId: `${learner.id}-a1`, itemId: firstItem, response: wrongResponse(first), responseMs: 12_000 };
    const retried = parsed(await fresh.attempt(retry));
    expect(retried.ok && retried.value.replayed).toBe(true);
    expect(retried.ok && (retried.value.withheld ? "withheld" : retried.value.correct)).toBe(false);
    // … and the same id for another item is a conflict, never a second count.
    const other = await fresh.attempt({ ...retry, itemId: "another-item" });
    expect(!other.ok && other.code).toBe("conflict");
    const after = parsed(await fresh.progress(learner.id, 0));
    expect(after.ok && after.value.attempts).toBe(40);
  });
  it("switches to the links model (correctness-v3) once the published item links rest on enough answers, and only with the table in hand", async () => {
    const table = (answers: number): PublishedLinks => ({ answers, learners: 100, throughAttemptId: answers, window: LINK_WINDOW, shrink: 5, maxPerItem: 64, minSupport: 1, links: { "x-1": [["x-2", 0.25]] } });
    /** The calibration document pointing at the table fitted from `answers` (the job's form), or carrying it inside (documents from before). */
    const published = (answers: number, form: "ref" | "inline") => ({
      version: 9_000_000 + answers,
      createdAt: Date.now(),
      minResponses: 200,
      maxSe: 0.2,
      items: {},
      exposure: {},
      sympsonHetter: false,
      ...(form === "inline" ? { links: table(answers) } : { linksRef: linksReference(table(answers), encodeLinks(table(answers))) }),
    });
    const keyOf = (answers: number) => linksReference(table(answers), encodeLinks(table(answers))).key;
    /** A learner whose object reads the calibration now published (its clock past the isolate's refresh, further each time). */
    let ahead = 0;
    const practise = async (label: string) => {
      const learner = await LearnerClient.create(uniqueLearner(label));
      ahead += 2 * 60_000;
      const at = ahead;
      await runInDurableObject(learnerStub(learner.id), (i: LearnerDO) => {
        i.clock = () => Date.now() + at;
      });
      const first = await learner.next();
      await learner.answer(first.item?.id ?? "", true);
      return { second: await learner.next() };
    };
    try {
      await env.CONTENT.put(keyOf(19_999), encodeLinks(table(19_999)));
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(published(19_999, "ref")));
      // (A brand-new learner's first item comes from the shared starting ranking: the second is ranked by their own object.)
      const below = await practise("links-young");
      expect(below.second.why?.predictor).toBe("correctness-v2");
      // Mature links whose table cannot be read (not in KV): the links in hand are still the young ones.
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(published(20_000, "ref")));
      const unread = await practise("links-unread");
      expect(unread.second.why?.predictor).toBe("correctness-v2");
      await env.CONTENT.put(keyOf(20_000), encodeLinks(table(20_000)));
      const mature = await practise("links-mature");
      expect(mature.second.why?.predictor).toBe("correctness-v3");
      expect(mature.second.why?.fallbackReason).toBeUndefined();
      // A document from before `linksRef` (the table inside) is read as well.
      await env.CONTENT.put(CALIBRATION_KV_KEY, JSON.stringify(published(20_001, "inline")));
      expect((await practise("links-inline")).second.why?.predictor).toBe("correctness-v3");
    } finally {
      await env.CONTENT.delete(CALIBRATION_KV_KEY);
      for (const answers of [19_999, 20_000]) await env.CONTENT.delete(keyOf(answers));
    }
  });
});
