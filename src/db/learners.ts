/**
 * Learner history in Postgres: the outbox flush from a learner's Durable Object, and the
 * history a fresh Durable Object replays to rebuild its state (hydration).
 */
import { asc, eq, inArray, sql } from "drizzle-orm";
import { aggregateObservations } from "../stats/item-stats";
import type { Drizzle } from "./client";
import { attempts, dataRequests, itemStatDeltas, learnerSkillStates, learners, mockTestReports } from "./schema";

/** One attempt as the Durable Object's outbox carries it to Postgres. */
export interface AttemptRow {
  clientAttemptId: string;
  seq: number;
  itemId: string;
  skillIds: string[];
  mode: string;
  mockTestId: string | null;
  correct: boolean;
  response: unknown;
  responseMs: number;
  /** Epoch ms. */
  servedAt: number | null;
  answeredAt: number;
  /** The knowledge model's P(correct) before this answer (for global item statistics; not stored in Postgres). */
  expected?: number;
  /** The learner's combined ability for the item before this answer, mean and variance (item calibration's anchor; not stored). */
  theta?: number;
  thetaVariance?: number;
  /** The correctness model's input row before this answer, and its layout (stored; absent in rows queued before they were logged). */
  features?: number[];
  featureVersion?: string;
  /** What the correctness model and the knowledge model predicted for the item when served (stored; null or absent when not both). */
  predictions?: { model: number; knowledge: number } | null;
}

export interface SkillStateRow {
  skillId: string;
  theta: number;
  variance: number;
  attempts: number;
  correct: number;
  mastered: boolean;
  updatedAt: number;
}

/** A finished mock test as the outbox carries it. */
export interface MockReportRow {
  id: string;
  course: string;
  startedAt: number;
  finishedAt: number;
  stopReason: string;
  theta: number;
  se: number;
  score: number;
  itemsAnswered: number;
  report: unknown;
}

const BATCH = 500;

/** A learner's goal skills as last set (in the learner's object), carried to `learners.goal_skill_ids`. */
export interface GoalsRow {
  skillIds: string[];
  updatedAt: number;
}

/** Many learners' outbox rows, as a writer object (workers/writer) carries them to Postgres. */
export interface WriterBatch {
  attempts: ReadonlyArray<AttemptRow & { learnerId: string }>;
  states: ReadonlyArray<SkillStateRow & { learnerId: string }>;
  reports: ReadonlyArray<MockReportRow & { learnerId: string }>;
  goals?: ReadonlyArray<GoalsRow & { learnerId: string }>;
}

/** The key Postgres deduplicates an attempt on. */
export const attemptKey = (learnerId: string, clientAttemptId: string): string => `${learnerId}\u0000${clientAttemptId}`;

/** Global item statistics the transaction also records (src/stats/item-stats.ts). */
export interface StatsDeltaOptions {
  /** Id of the delta row this transaction writes (fresh per attempt at the transaction). */
  id: string;
  /** The writer shard that will send it. */
  shard: string;
  /** Deltas Redis has acknowledged: deleted in the same transaction (no extra round trip). */
  acknowledged: readonly string[];
}

/** The aggregate row a transaction wrote, or null when it inserted no attempt. */
export interface WrittenDelta {
  id: string;
  attempts: number;
  payload: Record<string, Record<string, number>>;
}

/**
 * Writes many learners' attempts, skill-state snapshots and mock-test reports in ONE
 * transaction: one round of statements whatever the number of learners. Exactly once:
 * attempts already present (a batch that committed but whose acknowledgement was lost) are
 * skipped by the unique (learner_id, client_attempt_id) index, reports by their id, and a
 * snapshot never overwrites a newer one. Returns the keys (`attemptKey`) newly inserted.
 *
 * With `stats`, the per-item aggregates of exactly the newly inserted attempts go into
 * `item_stat_deltas` in the same transaction (`delta` in the result), so the global
 * statistics count an attempt if and only if Postgres holds it.
 */
export async function writeBatch(db: Drizzle, batch: WriterBatch, now = new Date()): Promise<Set<string>> {
  return (await writeBatchWithStats(db, batch, now)).inserted;
}

export async function writeBatchWithStats(
  db: Drizzle,
  batch: WriterBatch,
  now = new Date(),
  stats?: StatsDeltaOptions,
): Promise<{ inserted: Set<string>; delta: WrittenDelta | null }> {
  const goals = batch.goals ?? [];
  const learnerIds = [...new Set([...batch.attempts, ...batch.states, ...batch.reports, ...goals].map((r) => r.learnerId))].sort();
  if (learnerIds.length === 0 && !stats?.acknowledged.length) return { inserted: new Set(), delta: null };
  return db.transaction(async (tx) => {
    if (stats && stats.acknowledged.length > 0) await tx.delete(itemStatDeltas).where(inArray(itemStatDeltas.id, [...stats.acknowledged]));
    if (learnerIds.length === 0) return { inserted: new Set<string>(), delta: null };
    // Sorted ids: two writers touching the same learners lock them in the same order.
    await tx.execute(
      sql`INSERT INTO learners (id, last_seen_at) SELECT id, ${now.toISOString()}::timestamptz FROM unnest(${pgArray(learnerIds)}::text[]) AS u(id)
          ON CONFLICT (id) DO UPDATE SET last_seen_at = greatest(learners.last_seen_at, excluded.last_seen_at)`,
    );
    // Goals: the newest per learner (a writer keeps one row per learner, so usually one).
    const newestGoals = new Map<string, GoalsRow>();
    for (const g of goals) if ((newestGoals.get(g.learnerId)?.updatedAt ?? -1) <= g.updatedAt) newestGoals.set(g.learnerId, g);
    for (const [learnerId, g] of newestGoals) await tx.update(learners).set({ goalSkillIds: g.skillIds }).where(eq(learners.id, learnerId));
    const inserted = new Set<string>();
    for (let i = 0; i < batch.attempts.length; i += BATCH) {
      const chunk = batch.attempts.slice(i, i + BATCH);
      const result = await tx.execute<{ learner_id: string; client_attempt_id: string }>(insertAttempts(chunk));
      for (const r of result.rows) inserted.add(attemptKey(r.learner_id, r.client_attempt_id));
    }
    if (batch.reports.length > 0) {
      await tx
        .insert(mockTestReports)
        .values(
          batch.reports.map((r) => ({
            id: r.id,
            learnerId: r.learnerId,
            course: r.course,
            startedAt: new Date(r.startedAt),
            finishedAt: new Date(r.finishedAt),
            stopReason: r.stopReason,
            theta: r.theta,
            se: r.se,
            score: r.score,
            itemsAnswered: r.itemsAnswered,
            report: r.report,
          })),
        )
        .onConflictDoNothing({ target: mockTestReports.id });
    }
    // One row per (learner, skill) in a statement: Postgres refuses to upsert a key twice.
    const latest = new Map<string, WriterBatch["states"][number]>();
    for (const s of batch.states) {
      const key = `${s.learnerId}\u0000${s.skillId}`;
      const seen = latest.get(key);
      if (!seen || seen.updatedAt <= s.updatedAt) latest.set(key, s);
    }
    const states = [...latest.values()];
    for (let i = 0; i < states.length; i += BATCH) {
      await tx.execute(upsertSkillStates(states.slice(i, i + BATCH)));
    }
    let delta: WrittenDelta | null = null;
    if (stats && inserted.size > 0) {
      const fresh = batch.attempts.filter((a) => inserted.has(attemptKey(a.learnerId, a.clientAttemptId)));
      delta = {
        id: stats.id,
        attempts: fresh.length,
        payload: aggregateObservations(
          fresh.map((r) => ({
            itemId: r.itemId,
            correct: r.correct,
            // Rows queued before these fields existed: the population prior's view.
            expected: r.expected ?? 0.5,
            theta: r.theta ?? 0,
            thetaVariance: r.thetaVariance ?? 1,
            responseMs: r.responseMs,
          })),
        ),
      };
      await tx.insert(itemStatDeltas).values({ id: delta.id, shard: stats.shard, attempts: delta.attempts, payload: delta.payload, createdAt: now });
    }
    return { inserted, delta };
  });
}

/**
 * A Postgres array literal of `values` (NULL for null), sent as ONE text parameter and cast in
 * the statement: the writer's statements have a fixed handful of parameters whatever the batch
 * size, so building them costs nothing per value (drizzle's `.values()` walks every value of
 * every row through its query builder: about 4 % of the worker isolate's CPU under the load
 * mix, reports/profile.md) and Postgres parses the same short statement every time.
 */
export function pgArray(values: ReadonlyArray<string | number | boolean | null>): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i];
    if (v === null || v === undefined) out += "NULL";
    // A number's or boolean's text (NaN and Infinity included) is valid element input as it is.
    else if (typeof v !== "string") out += String(v);
    else out += NEEDS_ESCAPE.test(v) ? `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : `"${v}"`;
  }
  return `${out}}`;
}
const NEEDS_ESCAPE = /["\\]/;

/** One column of `rows` as a `pgArray` literal, for each field `f` picks. */
const columnsOf =
  <R>(rows: readonly R[]) =>
  (f: (r: R) => string | number | boolean | null): string =>
    pgArray(rows.map(f));

/**
 * One chunk of attempts as one statement: columns travel as arrays (`pgArray`) and `unnest`
 * turns them back into rows, in order (WITH ORDINALITY), so ids follow the batch as the
 * multi-row VALUES did. Array columns (skill ids, features) travel as their own literals, cast
 * per row. Already present (learner, client attempt id): skipped, and not returned.
 */
function insertAttempts(chunk: ReadonlyArray<AttemptRow & { learnerId: string }>) {
  const col = columnsOf(chunk);
  const iso = (ms: number) => new Date(ms).toISOString();
  return sql`INSERT INTO attempts (learner_id, client_attempt_id, seq, item_id, skill_ids, mode, mock_test_id, correct, response, response_ms, served_at, answered_at, features, feature_version, p_model, p_knowledge)
    SELECT learner_id, client_attempt_id, seq, item_id, skill_ids::text[], mode, mock_test_id, correct, response::jsonb, response_ms, served_at, answered_at, features::real[], feature_version, p_model, p_knowledge
    FROM unnest(
      ${col((r) => r.learnerId)}::text[], ${col((r) => r.clientAttemptId)}::text[], ${col((r) => r.seq)}::int[], ${col((r) => r.itemId)}::text[],
      ${col((r) => pgArray(r.skillIds))}::text[], ${col((r) => r.mode)}::text[], ${col((r) => r.mockTestId)}::text[], ${col((r) => r.correct)}::bool[],
      ${col((r) => (r.response === null || r.response === undefined ? null : JSON.stringify(r.response)))}::text[], ${col((r) => r.responseMs)}::int[],
      ${col((r) => (r.servedAt === null ? null : iso(r.servedAt)))}::timestamptz[], ${col((r) => iso(r.answeredAt))}::timestamptz[],
      ${col((r) => (r.features ? pgArray(r.features) : null))}::text[], ${col((r) => r.featureVersion ?? null)}::text[],
      ${col((r) => r.predictions?.model ?? null)}::float8[], ${col((r) => r.predictions?.knowledge ?? null)}::float8[]
    ) WITH ORDINALITY AS u(learner_id, client_attempt_id, seq, item_id, skill_ids, mode, mock_test_id, correct, response, response_ms, served_at, answered_at, features, feature_version, p_model, p_knowledge, n)
    ORDER BY n
    ON CONFLICT (learner_id, client_attempt_id) DO NOTHING
    RETURNING learner_id, client_attempt_id`;
}

/** Skill-state snapshots (one per learner and skill), as arrays like `insertAttempts`; an older snapshot never overwrites a newer one. */
function upsertSkillStates(rows: ReadonlyArray<SkillStateRow & { learnerId: string }>) {
  const col = columnsOf(rows);
  return sql`INSERT INTO learner_skill_states (learner_id, skill_id, theta, variance, attempts, correct, mastered, updated_at)
    SELECT * FROM unnest(
      ${col((r) => r.learnerId)}::text[], ${col((r) => r.skillId)}::text[], ${col((r) => r.theta)}::float8[], ${col((r) => r.variance)}::float8[],
      ${col((r) => r.attempts)}::int[], ${col((r) => r.correct)}::int[], ${col((r) => r.mastered)}::bool[], ${col((r) => new Date(r.updatedAt).toISOString())}::timestamptz[]
    )
    ON CONFLICT (learner_id, skill_id) DO UPDATE SET theta = excluded.theta, variance = excluded.variance, attempts = excluded.attempts,
      correct = excluded.correct, mastered = excluded.mastered, updated_at = excluded.updated_at
    WHERE learner_skill_states.updated_at <= excluded.updated_at`;
}

/** The learner's goal skills as last written, or null when Postgres has no such learner. */
export async function learnerGoals(db: Drizzle, learnerId: string): Promise<string[] | null> {
  const [row] = await db.select({ goals: learners.goalSkillIds }).from(learners).where(eq(learners.id, learnerId));
  return row ? row.goals : null;
}

/** A learner's attempts in their Durable Object order, for replay. */
export async function learnerHistory(db: Drizzle, learnerId: string): Promise<AttemptRow[]> {
  const rows = await db.select().from(attempts).where(eq(attempts.learnerId, learnerId)).orderBy(asc(attempts.seq));
  return rows.map((r) => ({
    clientAttemptId: r.clientAttemptId,
    seq: r.seq,
    itemId: r.itemId,
    skillIds: r.skillIds,
    mode: r.mode,
    mockTestId: r.mockTestId,
    correct: r.correct,
    response: r.response,
    responseMs: r.responseMs,
    servedAt: r.servedAt ? r.servedAt.getTime() : null,
    answeredAt: r.answeredAt.getTime(),
    predictions: r.pModel !== null && r.pKnowledge !== null ? { model: r.pModel, knowledge: r.pKnowledge } : null,
  }));
}

/** A learner's finished mock tests as stored (their answers are attempts with `mock_test_id`), oldest first. */
export async function learnerMockReports(
  db: Drizzle,
  learnerId: string,
): Promise<Array<{ id: string; course: string; startedAt: number; finishedAt: number; report: unknown }>> {
  const rows = await db
    .select({ id: mockTestReports.id, course: mockTestReports.course, startedAt: mockTestReports.startedAt, finishedAt: mockTestReports.finishedAt, report: mockTestReports.report })
    .from(mockTestReports)
    .where(eq(mockTestReports.learnerId, learnerId))
    .orderBy(asc(mockTestReports.finishedAt));
  return rows.map((r) => ({ ...r, startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt.getTime() }));
}

export async function countLearnerAttempts(db: Drizzle, learnerId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(attempts)
    .where(eq(attempts.learnerId, learnerId));
  return rows[0]?.n ?? 0;
}

/** One data-rights request (export or delete) in the audit table: who, what, when — never the data. */
export async function recordDataRequest(
  db: Drizzle,
  r: { learnerId: string; kind: "export" | "delete"; requestId: string; requestedAt: number; details: Record<string, unknown> },
): Promise<void> {
  await db.insert(dataRequests).values({ ...r, requestedAt: new Date(r.requestedAt) });
}

/**
 * Deletes every row Postgres holds about a learner and records the deletion, in one
 * transaction. Item statistics keep their counts (they were never per learner).
 */
export async function deleteLearnerData(
  db: Drizzle,
  learnerId: string,
  audit: { requestId: string; requestedAt: number },
): Promise<{ attempts: number; skillStates: number; mockTestReports: number }> {
  return db.transaction(async (tx) => {
    const a = await tx.delete(attempts).where(eq(attempts.learnerId, learnerId)).returning({ id: attempts.clientAttemptId });
    const s = await tx.delete(learnerSkillStates).where(eq(learnerSkillStates.learnerId, learnerId)).returning({ id: learnerSkillStates.skillId });
    const m = await tx.delete(mockTestReports).where(eq(mockTestReports.learnerId, learnerId)).returning({ id: mockTestReports.id });
    await tx.delete(learners).where(eq(learners.id, learnerId));
    const deleted = { attempts: a.length, skillStates: s.length, mockTestReports: m.length };
    await tx.insert(dataRequests).values({ learnerId, kind: "delete", requestId: audit.requestId, requestedAt: new Date(audit.requestedAt), details: { deleted } });
    return deleted;
  });
}
