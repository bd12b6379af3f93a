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
    await tx
      .insert(learners)
      .values(learnerIds.map((id) => ({ id, lastSeenAt: now })))
      .onConflictDoUpdate({ target: learners.id, set: { lastSeenAt: sql`greatest(${learners.lastSeenAt}, excluded.last_seen_at)` } });
    // Goals: the newest per learner (a writer keeps one row per learner, so usually one).
    const newestGoals = new Map<string, GoalsRow>();
    for (const g of goals) if ((newestGoals.get(g.learnerId)?.updatedAt ?? -1) <= g.updatedAt) newestGoals.set(g.learnerId, g);
    for (const [learnerId, g] of newestGoals) await tx.update(learners).set({ goalSkillIds: g.skillIds }).where(eq(learners.id, learnerId));
    const inserted = new Set<string>();
    for (let i = 0; i < batch.attempts.length; i += BATCH) {
      const chunk = batch.attempts.slice(i, i + BATCH);
      const result = await tx
        .insert(attempts)
        .values(
          chunk.map((r) => ({
            learnerId: r.learnerId,
            clientAttemptId: r.clientAttemptId,
            seq: r.seq,
            itemId: r.itemId,
            skillIds: r.skillIds,
            mode: r.mode,
            mockTestId: r.mockTestId,
            correct: r.correct,
            response: r.response ?? null,
            responseMs: r.responseMs,
            servedAt: r.servedAt === null ? null : new Date(r.servedAt),
            answeredAt: new Date(r.answeredAt),
            features: r.features ?? null,
            featureVersion: r.featureVersion ?? null,
            pModel: r.predictions?.model ?? null,
            pKnowledge: r.predictions?.knowledge ?? null,
          })),
        )
        .onConflictDoNothing({ target: [attempts.learnerId, attempts.clientAttemptId] })
        .returning({ learnerId: attempts.learnerId, clientAttemptId: attempts.clientAttemptId });
      for (const r of result) inserted.add(attemptKey(r.learnerId, r.clientAttemptId));
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
      await tx
        .insert(learnerSkillStates)
        .values(states.slice(i, i + BATCH).map((s) => ({ ...s, updatedAt: new Date(s.updatedAt) })))
        .onConflictDoUpdate({
          target: [learnerSkillStates.learnerId, learnerSkillStates.skillId],
          set: {
            theta: sql`excluded.theta`,
            variance: sql`excluded.variance`,
            attempts: sql`excluded.attempts`,
            correct: sql`excluded.correct`,
            mastered: sql`excluded.mastered`,
            updatedAt: sql`excluded.updated_at`,
          },
          // Never let an older snapshot overwrite a newer one.
          setWhere: sql`${learnerSkillStates.updatedAt} <= excluded.updated_at`,
        });
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
