/**
 * A Durable Object reset in the middle of a flush, at the two points where a crash could lose
 * or double data: a learner after its writer shard accepted the outbox but before the outbox
 * forgot it, and a writer shard after its Postgres commit but before its own rows were deleted.
 * The objects' `crash…` fields throw at exactly that point; `state.abort()` then drops the
 * object's memory as a restart does (storage stays).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createItemStats } from "../../src/stats/item-stats";
import type { LearnerDO } from "../../workers/learner/learner-do";
import type { OutboxWriterDO } from "../../workers/writer/writer-do";
import { api, learnerStub, postgresAttempts, testEnv, uniqueLearner, writerStub } from "./helpers";
import { LearnerClient } from "./learner-support";


/** learning_outbox_rewritten_attempts_total at /metrics. */
async function rewrittenCounter(): Promise<number> {
  const text = await (await api("/metrics", { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } })).text();
  return Number(/^learning_outbox_rewritten_attempts_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Restarts an object: its in-memory state is dropped, its storage stays. */
async function reset(stub: DurableObjectStub): Promise<void> {
  await runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) => state.abort("test reset")).catch(() => {});
}

async function practise(learner: LearnerClient, n: number): Promise<string[]> {
  const items: string[] = [];
  await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => {
    instance.flushDelayMs = 3_600_000; // the test hands the outbox over by hand
  });
  for (let i = 0; i < n; i++) {
    const next = await learner.next();
    items.push(next.item?.id ?? "");
    await learner.answer(next.item?.id ?? "", i % 2 === 0);
  }
  return items;
}

describe("a Durable Object reset mid-flush", () => {
  it("a learner reset after its writer accepted the outbox hands it over again, and Postgres holds each attempt once", async () => {
    const learner = await LearnerClient.create(uniqueLearner("reset-learner"));
    const writerName = `test-writer-reset-learner-${learner.id}`;
    const writer = writerStub(writerName, true);
    await practise(learner, 5);

    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => {
      instance.useWriter(writerName);
      instance.crashAfterHandOver = true;
    });
    await runDurableObjectAlarm(learnerStub(learner.id));
    // The writer has the rows; the learner still holds them too.
    expect((await writer.status()).pending.attempts).toBe(5);
    expect((await learner.progress()).outbox.pending).toBe(5);
    await runDurableObjectAlarm(writer);
    expect(await postgresAttempts(learner.id)).toBe(5);

    const rewrittenBefore = await rewrittenCounter();
    await reset(learnerStub(learner.id));
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => instance.useWriter(writerName));
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(learnerStub(learner.id))); i++);
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(writer)); i++);

    expect((await learner.progress()).outbox.pending).toBe(0);
    const after = await writer.status();
    expect(after.pending.attempts).toBe(0);
    expect(after.attemptsWritten).toBe(5);
    expect(after.attemptsAlreadyWritten).toBe(5); // handed over twice, held once
    expect(await postgresAttempts(learner.id)).toBe(5);
    expect(await rewrittenCounter()).toBe(rewrittenBefore + 5); // and visible in /metrics
  });

  it("a writer shard reset between its Postgres commit and its own delete writes again, and each attempt is held and counted once", async () => {
    const learner = await LearnerClient.create(uniqueLearner("reset-writer"));
    const writerName = `test-writer-reset-writer-${learner.id}`;
    let writer = writerStub(writerName, true);
    // Item statistics under a prefix of this test's own (other files answer the same items).
    const upstash = testEnv.UPSTASH_REDIS_REST_URL
      ? { url: testEnv.UPSTASH_REDIS_REST_URL, token: testEnv.UPSTASH_REDIS_REST_TOKEN ?? "", prefix: `${testEnv.ITEM_STATS_KEY_PREFIX ?? ""}${learner.id}:` }
      : null;
    const items = await practise(learner, 4);

    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => instance.useWriter(writerName));
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(learnerStub(learner.id))); i++);
    expect((await writer.status()).pending.attempts).toBe(4);
    await runInDurableObject(writer, (instance: OutboxWriterDO) => {
      if (upstash) instance.useRedis(upstash);
      instance.crashAfterCommit = true;
    });
    await runDurableObjectAlarm(writer).catch(() => {});
    // Committed in Postgres, still queued in the shard.
    expect(await postgresAttempts(learner.id)).toBe(4);
    expect((await writer.status()).pending.attempts).toBe(4);

    await reset(writer);
    writer = writerStub(writerName, true); // a stub does not outlive its object's reset
    // The restarted shard schedules its own flush (vitest-pool-workers does not retry an alarm that failed).
    await runInDurableObject(writer, async (instance: OutboxWriterDO, state: DurableObjectState) => {
      if (upstash) instance.useRedis(upstash);
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(writer)); i++);
    const after = await writer.status();
    expect(after.pending.attempts).toBe(0);
    expect(after.attemptsAlreadyWritten).toBe(4);
    expect(await postgresAttempts(learner.id)).toBe(4);
    if (upstash) {
      // The crashed transaction stored its item aggregates beside the attempts; the restarted
      // shard sends that backlog, and the second write added nothing: each attempt counted once.
      expect(after.itemStats.backlog).toBe(false);
      const expected = new Map<string, number>();
      for (const id of items) expected.set(id, (expected.get(id) ?? 0) + 1);
      const counted = new Map((await createItemStats(upstash).read(items)).map((s) => [s.itemId, s.attempts]));
      expect(counted).toEqual(expected);
    }
  });
});
