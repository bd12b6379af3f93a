/**
 * The shared outbox writer: a few sharded Durable Objects (`OUTBOX_WRITER_SHARDS`, learners
 * spread by a hash of their id) that carry many learners' attempts to Postgres in few, large
 * transactions over one warm connection each (DESIGN.md, "alarm()").
 *
 *   learner alarm ──accept(batch)──► writer SQLite (durable; dedup on learner + attempt id)
 *   writer alarm, every OUTBOX_WRITER_FLUSH_MS ──one transaction, many learners──► Postgres
 *
 * Why: a flush per learner opened a WebSocket, a login and a Postgres backend per attempt
 * burst; at steady load that was one transaction per attempt. Here Postgres sees about one
 * transaction per shard per flush interval (2 s), whatever the number of learners, and a
 * shard's pool stays connected between flushes.
 *
 * Exactly once, end to end:
 * - learner → writer: the learner deletes its outbox rows only after `accept` returned, and
 *   `accept` commits them to this object's SQLite first. A lost acknowledgement re-sends rows
 *   the primary key (learner_id, client_attempt_id) ignores, or — if they were already
 *   flushed and deleted here — rows Postgres' unique index ignores.
 * - writer → Postgres: rows leave this object only after the Postgres transaction committed.
 * While Postgres is unreachable rows accumulate here (durable storage, as in the learner's
 * own outbox) and the flush retries with exponential backoff; learners keep handing over.
 * - writer → Redis (global item statistics, when configured): each transaction also stores
 *   the aggregates of the attempts it inserted; src/db/delta-sender.ts carries them to
 *   Redis exactly once. While Redis is away they wait in Postgres, the shard retries with
 *   backoff, and the `item_stats_backlog` gauge (alert ItemStatsBacklog) says so.
 */
import { DurableObject } from "cloudflare:workers";
import { createDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/client";
import { writeBatchWithStats } from "../../src/db/learners";
import type { AttemptRow, GoalsRow, MockReportRow, SkillStateRow, WrittenDelta, WriterBatch } from "../../src/db/learners";
import { connectionUtilisation } from "../../src/db/health";
import { createItemStats } from "../../src/stats/item-stats";
import type { ItemStats } from "../../src/stats/item-stats";
import { DEFAULT_SEND_BATCHING, DeltaSender } from "../../src/db/delta-sender";
import type { AckStore, SendResult } from "../../src/db/delta-sender";
import { countFailure } from "../dependency";
import { parseConfig } from "../api/lib/env";
import type { Config } from "../api/lib/env";
import { isolateMetrics, reportGauge, reportOutbox } from "../metrics/client";

/** Rows written per Postgres transaction at most (one flush may run several, back to back). */
export const WRITER_BATCH = 2_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

/** What a learner hands over: its outbox rows, the snapshots of the skills they touched, finished reports. */
export interface HandOver {
  learnerId: string;
  attempts: readonly AttemptRow[];
  states: readonly SkillStateRow[];
  reports: readonly MockReportRow[];
  /** The learner's goals when they changed since the last hand-over. */
  goals?: GoalsRow;
}

/** The writer shard of a learner: FNV-1a of the id, so every isolate agrees. */
export function writerShard(learnerId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < learnerId.length; i++) {
    h ^= learnerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % Math.max(1, shards);
}

/** The Durable Object name of writer shard `shard`. */
export const shardName = (shard: number): string => `outbox-writer:${shard}`;

export function writerName(learnerId: string, shards: number): string {
  return shardName(writerShard(learnerId, shards));
}

export interface WriterStats {
  pending: { attempts: number; states: number; reports: number };
  oldestAt: number | null;
  failures: number;
  lastError: string | null;
  /** Since this object was created: Postgres transactions committed, attempts inserted, connections opened. */
  transactions: number;
  attemptsWritten: number;
  /** Attempts written again that Postgres already held (a lost acknowledgement, a reset between commit and delete): ignored there. */
  attemptsAlreadyWritten: number;
  connectionsOpened: number;
  lastFlushAt: number | null;
  /** Global item statistics: attempts whose aggregates reached Redis, Redis commands, resent duplicates, consecutive failures. */
  itemStats: { enabled: boolean; backlog: boolean; attemptsSent: number; commands: number; duplicates: number; failures: number; lastError: string | null };
}

type Row = Record<string, SqlStorageValue>;
const num = (v: SqlStorageValue | undefined): number => (typeof v === "number" ? v : Number(v ?? 0));
const str = (v: SqlStorageValue | undefined): string => (typeof v === "string" ? v : String(v ?? ""));

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, learner_id TEXT NOT NULL, client_attempt_id TEXT NOT NULL,
    payload TEXT NOT NULL, received_at INTEGER NOT NULL, UNIQUE (learner_id, client_attempt_id));
  CREATE TABLE IF NOT EXISTS states (
    learner_id TEXT NOT NULL, skill_id TEXT NOT NULL, payload TEXT NOT NULL, updated_at INTEGER NOT NULL,
    rev INTEGER NOT NULL, PRIMARY KEY (learner_id, skill_id));
  CREATE TABLE IF NOT EXISTS reports (id TEXT PRIMARY KEY, learner_id TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS goals (learner_id TEXT PRIMARY KEY, payload TEXT NOT NULL, updated_at INTEGER NOT NULL, rev INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS stat_acks (id TEXT PRIMARY KEY);
`;

export class OutboxWriterDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private config: Config | null = null;
  private database: Database | null = null;
  private databaseOverride: { url: string; wsProxy?: string | undefined } | null = null;
  private redisOverride: { url: string; token: string; prefix?: string } | null = null;
  private stats: ItemStats | null = null;
  private sender: DeltaSender | null = null;
  /** Revision counter for snapshot rows: a flush deletes only the revision it wrote. */
  private rev = 0;
  private lastSample = 0;
  /** The alarm this object set and has not yet run (null: ask storage). */
  private alarmAt: number | null = null;
  /** Tests that drive flushes by hand set a long interval here (the configured one otherwise). */
  flushIntervalMs: number | null = null;
  /** Fault drills: the next flush fails right after its Postgres commit, before its rows leave this object. */
  crashAfterCommit = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // One statement batch: a new shard's schema costs one call.
    this.sql.exec(SCHEMA);
    this.rev = num(this.sql.exec<Row>("SELECT max(coalesce((SELECT max(rev) FROM states), 0), coalesce((SELECT max(rev) FROM goals), 0)) AS r").one().r);
    // A shard restarted with rows still queued (it crashed mid-flush, say) flushes them without
    // waiting for the next hand-over, even if the alarm that was running is not retried.
    if (this.pendingAttempts() > 0 || this.pendingOther() > 0) {
      ctx.blockConcurrencyWhile(async () => {
        if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + this.interval());
      });
    }
  }

  /** Drops every row of `learnerId` still queued here (the learner's data is being deleted). */
  async forget(learnerId: string): Promise<{ dropped: number }> {
    let dropped = 0;
    this.ctx.storage.transactionSync(() => {
      for (const table of ["attempts", "states", "reports", "goals"]) {
        dropped += this.sql.exec(`DELETE FROM ${table} WHERE learner_id = ? RETURNING learner_id`, learnerId).toArray().length;
      }
    });
    return { dropped };
  }

  /**
   * Takes a learner's rows into this shard's durable queue and makes sure a flush is
   * scheduled. Idempotent: rows already here are ignored, a newer snapshot replaces an older one.
   */
  async accept(batch: HandOver): Promise<{ accepted: number }> {
    const now = Date.now();
    let accepted = 0;
    this.ctx.storage.transactionSync(() => {
      for (const a of batch.attempts) {
        const added = this.sql.exec(
          "INSERT INTO attempts (learner_id, client_attempt_id, payload, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
          batch.learnerId,
          a.clientAttemptId,
          JSON.stringify(a),
          now,
        );
        accepted += added.toArray().length;
      }
      for (const s of batch.states) {
        this.rev += 1;
        this.sql.exec(
          `INSERT INTO states (learner_id, skill_id, payload, updated_at, rev) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (learner_id, skill_id) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at, rev = excluded.rev
           WHERE excluded.updated_at >= states.updated_at`,
          batch.learnerId,
          s.skillId,
          JSON.stringify(s),
          s.updatedAt,
          this.rev,
        );
      }
      if (batch.goals) {
        this.rev += 1;
        this.sql.exec(
          `INSERT INTO goals (learner_id, payload, updated_at, rev) VALUES (?, ?, ?, ?)
           ON CONFLICT (learner_id) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at, rev = excluded.rev
           WHERE excluded.updated_at >= goals.updated_at`,
          batch.learnerId,
          JSON.stringify(batch.goals),
          batch.goals.updatedAt,
          this.rev,
        );
      }
      for (const r of batch.reports) {
        this.sql.exec("INSERT INTO reports (id, learner_id, payload, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", r.id, batch.learnerId, JSON.stringify(r), now);
      }
    });
    // A flush already scheduled (by this object, still in the future) collects these rows too.
    if (this.alarmAt === null || this.alarmAt <= now) {
      const current = await this.ctx.storage.getAlarm();
      this.alarmAt = current ?? now + this.interval();
      if (current === null) await this.ctx.storage.setAlarm(this.alarmAt);
    }
    return { accepted };
  }

  /** Writes everything queued, in transactions of up to WRITER_BATCH rows; backs off while Postgres is away. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    for (;;) {
      const outcome = await this.flushOnce();
      if (outcome === "failed") {
        this.alarmAt = Date.now() + backoffMs(this.getNumber("failures"));
        await this.ctx.storage.setAlarm(this.alarmAt);
        break;
      }
      if (outcome === "empty") {
        await this.statsMaintenance();
        break;
      }
      if (outcome === "more") continue;
      // "done": rows that arrived during the write wait for the next interval (batched with the next ones).
      if (this.pendingAttempts() > 0 || this.pendingOther() > 0) {
        this.alarmAt = Date.now() + this.interval();
        await this.ctx.storage.setAlarm(this.alarmAt);
      }
      break;
    }
    const oldest = this.sql.exec<Row>("SELECT min(received_at) AS t FROM attempts").one().t;
    reportOutbox(this.env, this.ctx, {
      pending: this.pendingAttempts(),
      oldestAt: oldest === null || oldest === undefined ? null : num(oldest),
      failures: this.getNumber("failures"),
    });
  }

  /** One transaction. "more" when a full batch was written and rows remain. */
  private async flushOnce(): Promise<"empty" | "failed" | "done" | "more"> {
    const attemptRows = this.sql.exec<Row>("SELECT id, learner_id, payload FROM attempts ORDER BY id LIMIT ?", WRITER_BATCH).toArray();
    const stateRows = this.sql.exec<Row>("SELECT learner_id, skill_id, payload, rev FROM states LIMIT ?", WRITER_BATCH).toArray();
    const reportRows = this.sql.exec<Row>("SELECT id, learner_id, payload FROM reports LIMIT 100").toArray();
    const goalRows = this.sql.exec<Row>("SELECT learner_id, payload, rev FROM goals LIMIT ?", WRITER_BATCH).toArray();
    if (attemptRows.length + stateRows.length + reportRows.length + goalRows.length === 0) return "empty";
    const batch: WriterBatch = {
      attempts: attemptRows.map((r) => ({ ...(JSON.parse(str(r.payload)) as AttemptRow), learnerId: str(r.learner_id) })),
      states: stateRows.map((r) => ({ ...(JSON.parse(str(r.payload)) as SkillStateRow), learnerId: str(r.learner_id) })),
      reports: reportRows.map((r) => ({ ...(JSON.parse(str(r.payload)) as MockReportRow), learnerId: str(r.learner_id) })),
      goals: goalRows.map((r) => ({ ...(JSON.parse(str(r.payload)) as GoalsRow), learnerId: str(r.learner_id) })),
    };
    let inserted: Set<string>;
    let delta: WrittenDelta | null;
    const sender = this.deltaSender();
    const acknowledged = sender ? this.acks.list() : [];
    try {
      ({ inserted, delta } = await writeBatchWithStats(
        this.db().write,
        batch,
        new Date(),
        sender ? { id: `${this.shardId()}:${crypto.randomUUID()}`, shard: this.shardId(), acknowledged } : undefined,
      ));
    } catch (err) {
      this.ctx.storage.transactionSync(() => {
        this.setMeta("failures", String(this.getNumber("failures") + 1));
        this.setMeta("last_error", err instanceof Error ? err.message : String(err));
      });
      this.resetDatabase();
      return "failed";
    }
    if (this.crashAfterCommit) {
      this.crashAfterCommit = false;
      throw new Error("injected crash between the Postgres commit and the local delete");
    }
    // Committed: drop exactly what was written. Rows accepted during the await have higher
    // ids; a snapshot replaced during the await has a newer rev and stays for the next flush.
    const lastId = num(attemptRows[attemptRows.length - 1]?.id ?? 0);
    // Attempts Postgres already held (a lost acknowledgement, a reset mid-flush): ignored there.
    const rewritten = attemptRows.length - inserted.size;
    this.ctx.storage.transactionSync(() => {
      if (attemptRows.length > 0) this.sql.exec("DELETE FROM attempts WHERE id <= ?", lastId);
      for (const s of stateRows) this.sql.exec("DELETE FROM states WHERE learner_id = ? AND skill_id = ? AND rev = ?", s.learner_id ?? "", s.skill_id ?? "", s.rev ?? 0);
      for (const r of reportRows) this.sql.exec("DELETE FROM reports WHERE id = ?", r.id ?? "");
      for (const g of goalRows) this.sql.exec("DELETE FROM goals WHERE learner_id = ? AND rev = ?", g.learner_id ?? "", g.rev ?? 0);
      this.setMeta("failures", "0");
      this.setMeta("last_flush_at", String(Date.now()));
      this.setMeta("transactions", String(this.getNumber("transactions") + 1));
      this.setMeta("attempts_written", String(this.getNumber("attempts_written") + inserted.size));
      if (rewritten > 0) this.setMeta("attempts_already_written", String(this.getNumber("attempts_already_written") + rewritten));
      this.acks.remove(acknowledged);
    });
    if (rewritten > 0) isolateMetrics.count(Date.now(), "outbox_rewritten_attempts", rewritten);
    await this.afterCommit(delta);
    return attemptRows.length === WRITER_BATCH || stateRows.length === WRITER_BATCH ? "more" : "done";
  }

  /** Derived data only (the attempts are safe in Postgres): the item statistics of the rows newly inserted. */
  private async afterCommit(delta: WrittenDelta | null): Promise<void> {
    await this.sendStats(delta);
    const now = Date.now();
    if (now - this.lastSample > 30_000) {
      this.lastSample = now;
      try {
        reportGauge(this.env, this.ctx, "db_connections_utilisation", await connectionUtilisation(this.db().write));
      } catch {
        /* a gauge, not data */
      }
    }
  }

  /**
   * With no rows to write: still sends a backlog left by a failed send (Redis was away) and
   * deletes acknowledged deltas from Postgres; while Redis stays away, retries with backoff.
   */
  private async statsMaintenance(): Promise<void> {
    const sender = this.deltaSender();
    if (!sender || (!sender.backlog && sender.dueAt() === null && this.acks.list().length === 0)) return;
    const acknowledged = this.acks.list();
    if (acknowledged.length > 0) {
      try {
        await writeBatchWithStats(this.db().write, { attempts: [], states: [], reports: [] }, new Date(), { id: "", shard: this.shardId(), acknowledged });
        this.acks.remove(acknowledged);
      } catch {
        this.resetDatabase();
      }
    }
    if (sender.backlog || sender.dueAt() !== null) await this.sendStats(null);
  }

  private async sendStats(delta: WrittenDelta | null): Promise<void> {
    const sender = this.deltaSender();
    if (!sender) return;
    const result: SendResult = await sender.afterCommit(this.db().write, delta, Date.now());
    this.ctx.storage.transactionSync(() => {
      this.setMeta("stats_attempts_sent", String(this.getNumber("stats_attempts_sent") + result.attempts));
      this.setMeta("stats_commands", String(this.getNumber("stats_commands") + result.commands));
      this.setMeta("stats_duplicates", String(this.getNumber("stats_duplicates") + result.duplicates));
      this.setMeta("stats_failures", result.error ? String(this.getNumber("stats_failures") + 1) : "0");
      if (result.error) this.setMeta("stats_last_error", result.error);
    });
    reportGauge(this.env, this.ctx, "item_stats_backlog", sender.backlog ? 1 : 0);
    if (result.error) {
      countFailure("redis");
      console.warn(`item statistics wait in Postgres (Redis: ${result.error})`);
    }
    // Retry even if no attempt arrives (the aggregates must reach Redis once it is back), and
    // send a waiting batch when it falls due on a quiet shard.
    const wakeAt = result.error ? Date.now() + backoffMs(this.getNumber("stats_failures")) : sender.dueAt();
    if (wakeAt !== null && (this.alarmAt === null || this.alarmAt > wakeAt || this.alarmAt <= Date.now())) {
      this.alarmAt = wakeAt;
      await this.ctx.storage.setAlarm(wakeAt);
    }
  }

  /** Queue sizes and counters, for tests, /metrics and operators. */
  async status(): Promise<WriterStats> {
    const oldest = this.sql.exec<Row>("SELECT min(received_at) AS t FROM attempts").one().t;
    const last = this.getMeta("last_flush_at");
    return {
      pending: {
        attempts: this.pendingAttempts(),
        states: num(this.sql.exec<Row>("SELECT count(*) AS n FROM states").one().n),
        reports: num(this.sql.exec<Row>("SELECT count(*) AS n FROM reports").one().n),
      },
      oldestAt: oldest === null || oldest === undefined ? null : num(oldest),
      failures: this.getNumber("failures"),
      lastError: this.getMeta("last_error"),
      transactions: this.getNumber("transactions"),
      attemptsWritten: this.getNumber("attempts_written"),
      attemptsAlreadyWritten: this.getNumber("attempts_already_written"),
      connectionsOpened: this.getNumber("connections_opened"),
      lastFlushAt: last === null ? null : Number(last),
      itemStats: {
        enabled: this.deltaSender() !== null,
        backlog: this.sender?.backlog ?? false,
        attemptsSent: this.getNumber("stats_attempts_sent"),
        commands: this.getNumber("stats_commands"),
        duplicates: this.getNumber("stats_duplicates"),
        failures: this.getNumber("stats_failures"),
        lastError: this.getMeta("stats_last_error"),
      },
    };
  }

  /**
   * Points this shard at another database (failover drills, and tests that take Postgres
   * away); null goes back to the configured one. Not exposed over HTTP.
   */
  useDatabase(target: { url: string; wsProxy?: string | undefined } | null): void {
    this.databaseOverride = target;
    this.resetDatabase();
  }

  /**
   * Points this shard's item statistics at another Redis endpoint or key prefix (drills, and
   * tests that take Redis away); null goes back to the configured one. The deltas already stored wait in
   * Postgres either way (a new sender starts by reading that backlog). Not exposed over HTTP.
   */
  useRedis(target: { url: string; token: string; prefix?: string } | null): void {
    this.redisOverride = target;
    this.stats = null;
    this.sender = null;
  }

  // --- internals -------------------------------------------------------------------------

  private interval(): number {
    return this.flushIntervalMs ?? this.cfg().OUTBOX_WRITER_FLUSH_MS;
  }

  private cfg(): Config {
    this.config ??= parseConfig(this.env);
    return this.config;
  }

  /**
   * The shard's pool, held for the object's lifetime: one connection, kept warm between
   * flushes (the idle timeout is longer than the flush interval), so Postgres sees a handful
   * of long-lived sessions rather than a login per flush.
   */
  private db(): Database {
    if (!this.database) {
      const c = this.cfg();
      const target = this.databaseOverride ?? { url: c.DATABASE_URL, wsProxy: c.NEON_WS_PROXY };
      const database = createDatabase({ url: target.url, wsProxy: target.wsProxy, max: 1, idleTimeoutMillis: 60_000 });
      database.onConnect(() => this.setMeta("connections_opened", String(this.getNumber("connections_opened") + 1)));
      this.database = database;
    }
    return this.database;
  }

  private resetDatabase(): void {
    const old = this.database;
    this.database = null;
    if (old) this.ctx.waitUntil(old.end().catch(() => {}));
  }

  private itemStats(): ItemStats {
    const c = this.cfg();
    const target = this.redisOverride ?? { url: c.UPSTASH_REDIS_REST_URL, token: c.UPSTASH_REDIS_REST_TOKEN };
    this.stats ??= createItemStats({ url: target.url, token: target.token, prefix: this.redisOverride?.prefix ?? c.ITEM_STATS_KEY_PREFIX });
    return this.stats;
  }

  /** Null when no Redis is configured: then no deltas are even stored. */
  private deltaSender(): DeltaSender | null {
    if (!this.sender) {
      const stats = this.itemStats();
      if (!stats.enabled) return null;
      const waitMs = this.cfg().ITEM_STATS_SEND_MS;
      this.sender = new DeltaSender(this.shardId(), stats, this.acks, undefined, waitMs === 0 ? { maxAttempts: 0, maxWaitMs: 0 } : { ...DEFAULT_SEND_BATCHING, maxWaitMs: waitMs });
    }
    return this.sender;
  }

  /** This shard's own id (random, kept in storage): the owner of its deltas in Postgres. */
  private shardId(): string {
    let id = this.getMeta("shard_id");
    if (id === null) {
      id = crypto.randomUUID();
      this.setMeta("shard_id", id);
    }
    return id;
  }

  private readonly acks: AckStore = {
    list: () => this.sql.exec<Row>("SELECT id FROM stat_acks").toArray().map((r) => str(r.id)),
    add: (id) => void this.sql.exec("INSERT INTO stat_acks (id) VALUES (?) ON CONFLICT DO NOTHING", id),
    remove: (ids) => {
      for (const id of ids) this.sql.exec("DELETE FROM stat_acks WHERE id = ?", id);
    },
  };

  private pendingAttempts(): number {
    return num(this.sql.exec<Row>("SELECT count(*) AS n FROM attempts").one().n);
  }

  private pendingOther(): number {
    return num(this.sql.exec<Row>("SELECT (SELECT count(*) FROM states) + (SELECT count(*) FROM reports) AS n").one().n);
  }

  private getMeta(key: string): string | null {
    const row = this.sql.exec<Row>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? str(row.value) : null;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  private getNumber(key: string): number {
    const v = this.getMeta(key);
    return v === null ? 0 : Number(v);
  }
}
