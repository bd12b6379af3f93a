/**
 * Exactly-once global item statistics, against the machine's Redis (through the local
 * Upstash REST endpoint) and each database backend: a writer flush is killed at every step
 * — before its transaction, after the commit with the reply lost, before the Redis script,
 * after the script with its reply lost, after the acknowledgement before the delete, with
 * Redis unreachable, and with the whole hand-over duplicated — and restarted, and Redis must
 * count every attempt once.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashRest } from "../../scripts/local/upstash-rest";
import type { UpstashRest } from "../../scripts/local/upstash-rest";
import type { Database } from "../../src/db/client";
import { importContent } from "../../src/db/content";
import { writeBatchWithStats } from "../../src/db/learners";
import type { AttemptRow, WriterBatch } from "../../src/db/learners";
import { itemStatDeltas } from "../../src/db/schema";
import { DeltaSender } from "../../src/db/delta-sender";
import type { AckStore, SendBatching, SendStep } from "../../src/db/delta-sender";
import { RedisItemStats } from "../../src/stats/item-stats";
import type { ItemStats } from "../../src/stats/item-stats";
import { backends, fixtureItems, fixtureSkills } from "../db/support";

type Kill = "before-commit" | "commit-reply" | SendStep | "before-delete" | "redis-down" | "duplicate-handover" | null;
const KILLS: Kill[] = [null, "before-commit", "commit-reply", "send", "acknowledge", "before-delete", "redis-down", "duplicate-handover"];

class Crash extends Error {}

/** A writer shard as workers/writer/writer-do.ts runs it, with its durable parts (queue, acks) surviving a crash. */
class Shard {
  queue: Array<AttemptRow & { learnerId: string }> = [];
  readonly ackIds = new Set<string>();
  readonly acks: AckStore = {
    list: () => [...this.ackIds],
    add: (id) => void this.ackIds.add(id),
    remove: (ids) => ids.forEach((id) => this.ackIds.delete(id)),
  };
  private sender: DeltaSender;
  private kill: Kill = null;
  commands = 0;
  private seq = 0;

  constructor(
    private readonly db: Database,
    private stats: ItemStats,
    readonly name: string,
    /** Default: send after every transaction, so each kill point is reached on every flush. */
    private readonly batching: SendBatching = { maxAttempts: 0, maxWaitMs: 0 },
  ) {
    this.sender = this.restart();
  }

  /** A new object instance: memory lost, storage kept. */
  restart(stats: ItemStats = this.stats): DeltaSender {
    this.stats = stats;
    this.sender = new DeltaSender(
      this.name,
      stats,
      this.acks,
      (step) => {
        if (this.kill === step) {
          this.kill = null;
          throw new Crash(step);
        }
      },
      this.batching,
    );
    return this.sender;
  }

  /** A writer alarm with nothing to write: sends what waits once it is due. */
  async tick(now: number): Promise<void> {
    const r = await this.sender.afterCommit(this.db.write, null, now);
    this.commands += r.commands;
  }

  /** One flush, as the writer's alarm runs it; `kill` crashes it at that step. */
  async flush(kill: Kill = null, now = 0): Promise<void> {
    this.kill = kill;
    const batch: WriterBatch = { attempts: this.queue, states: [], reports: [] };
    const acknowledged = this.acks.list();
    if (kill === "before-commit") throw new Crash(kill);
    const { delta } = await writeBatchWithStats(this.db.write, batch, new Date(), { id: `${this.name}:${++this.seq}`, shard: this.name, acknowledged });
    if (kill === "commit-reply") throw new Crash(kill); // committed, but the object never learns it
    this.queue = [];
    this.acks.remove(acknowledged);
    if (kill === "before-delete") {
      // The next transaction would delete what Redis acknowledged; crash before it runs.
      const r = await this.sender.afterCommit(this.db.write, delta, now);
      this.commands += r.commands;
      throw new Crash(kill);
    }
    const r = await this.sender.afterCommit(this.db.write, delta, now);
    this.commands += r.commands;
    if (r.error) throw new Crash(r.error);
  }
}

const attempt = (learnerId: string, n: number, itemId: string, correct: boolean): AttemptRow & { learnerId: string } => ({
  learnerId,
  clientAttemptId: `a${n}`,
  seq: n,
  itemId,
  skillIds: ["arith.add"],
  mode: "practice",
  mockTestId: null,
  correct,
  response: { choice: 0 },
  responseMs: 2000,
  servedAt: null,
  answeredAt: 1_790_000_000_000 + n,
  expected: 0.5,
  theta: 0.3,
  thetaVariance: 0.5,
});

for (const backend of backends) {
  describe.skipIf(!backend.enabled || !process.env.TEST_REDIS_URL)(`exactly-once item statistics (Redis, ${backend.name})`, () => {
    let db: Database;
    let close: () => Promise<void>;
    let rest: UpstashRest;
    let redis: Redis;
    const prefix = `eo${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;

    beforeAll(async () => {
      ({ db, close } = await backend.open());
      await importContent(db.write, { skills: fixtureSkills, items: fixtureItems });
      rest = await startUpstashRest({ port: 0, redisUrl: process.env.TEST_REDIS_URL, token: "eo-token" });
      redis = new Redis({ url: rest.url, token: "eo-token", enableTelemetry: false, retry: false });
    });
    afterAll(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await rest.close();
      await close();
    });

    for (const kill of KILLS) {
      it(`counts every attempt once when the flush is killed at ${kill ?? "no step"}`, async () => {
        const stats = new RedisItemStats(redis, `${prefix}${kill ?? "none"}:`);
        const shard = new Shard(db, stats, `shard-${kill ?? "none"}`);
        const learner = `learner-${kill ?? "none"}`;
        // First flush: 3 attempts on add-1 (2 correct), 1 on ratio-1.
        shard.queue = [attempt(learner, 1, "add-1", true), attempt(learner, 2, "add-1", false), attempt(learner, 3, "add-1", true), attempt(learner, 4, "ratio-1", false)];
        const first = [...shard.queue];
        if (kill === "redis-down") {
          // Redis unreachable: the flush commits, its aggregates wait in Postgres.
          const down = new RedisItemStats(new Redis({ url: "http://127.0.0.1:9", token: "x", retry: false, enableTelemetry: false }), "unused:");
          shard.restart(down);
          await expect(shard.flush()).rejects.toThrow(Crash);
          expect((await stats.read(["add-1"]))[0]?.attempts).toBe(0);
          const [waiting] = await db.write.select({ n: count() }).from(itemStatDeltas);
          expect(waiting?.n).toBeGreaterThan(0);
          shard.restart(stats); // Redis is back
        } else if (kill === "duplicate-handover") {
          await shard.flush();
          shard.queue = first; // the learner re-sends rows already written
        } else if (kill !== null) {
          await expect(shard.flush(kill)).rejects.toThrow(Crash);
          shard.restart();
        }
        // Second flush after the restart: the queue (whatever survived) plus one new attempt.
        shard.queue = [...shard.queue, attempt(learner, 5, "add-1", false)];
        await shard.flush();
        // And a third, empty one: deletes what the second acknowledged.
        await shard.flush();

        const [add1, ratio1] = await stats.read(["add-1", "ratio-1"]);
        expect(add1).toMatchObject({ attempts: 4, correct: 2 });
        expect(add1?.bins).toEqual([{ theta: expect.closeTo(0.3, 9), variance: expect.closeTo(0.5, 9), n: 4, correct: 2 }]);
        expect(ratio1).toMatchObject({ attempts: 1, correct: 0 });
        // Nothing left to send, nothing acknowledged left undeleted.
        const rows = await db.write.select({ id: itemStatDeltas.id }).from(itemStatDeltas);
        expect(rows.filter((r) => r.id.startsWith(`${shard.name}:`))).toEqual([]);
        expect(shard.ackIds.size).toBe(0);
      });
    }

    it("batches: one Redis command for several flushes, sent when enough attempts wait or the oldest is due", async () => {
      const stats = new RedisItemStats(redis, `${prefix}cost:`);
      const shard = new Shard(db, stats, "shard-cost", { maxAttempts: 50, maxWaitMs: 30_000 });
      await shard.flush(null, 0); // start-up: reads the (empty) backlog, sends nothing
      for (let f = 0; f < 5; f++) {
        shard.queue = Array.from({ length: 20 }, (_, i) => attempt("learner-cost", f * 20 + i, i % 2 ? "add-1" : "ratio-1", i % 3 === 0));
        await shard.flush(null, f * 2000);
      }
      // 60 attempts waited after the third flush: one send; 40 wait since t = 6 s.
      expect(shard.commands).toBe(1);
      expect((await stats.read(["add-1"]))[0]?.attempts).toBe(30);
      await shard.tick(20_000); // not yet due
      expect(shard.commands).toBe(1);
      await shard.tick(36_000); // due: the alarm sends them
      expect(shard.commands).toBe(2);
      expect((await stats.read(["add-1"]))[0]?.attempts).toBe(50);
    });

    it("loses nothing when a shard crashes while deltas wait for their batch", async () => {
      const stats = new RedisItemStats(redis, `${prefix}wait:`);
      const shard = new Shard(db, stats, "shard-wait", { maxAttempts: 1000, maxWaitMs: 30_000 });
      shard.queue = [attempt("learner-wait", 1, "add-1", true), attempt("learner-wait", 2, "add-1", false)];
      await shard.flush(null, 0);
      expect((await stats.read(["add-1"]))[0]?.attempts).toBe(0); // waiting (in Postgres)
      shard.restart(); // memory lost
      await shard.tick(1000); // start-up backlog read sends them
      expect((await stats.read(["add-1"]))[0]?.attempts).toBe(2);
      await shard.tick(100_000);
      expect((await stats.read(["add-1"]))[0]?.attempts).toBe(2);
    });
  });
}
