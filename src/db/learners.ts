/**
 * Learner history in Postgres: the outbox flush from a learner's Durable Object, and the
 * history a fresh Durable Object replays to rebuild its state (hydration).
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Drizzle } from "./client";
import { attempts, learnerSkillStates, learners, mockTestReports } from "./schema";

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

/**
 * Writes a batch of attempts and the latest skill states in ONE transaction. Exactly once:
 * attempts already present (a flush that committed but whose outbox delete was lost) are
 * skipped by the unique (learner_id, client_attempt_id) index. Returns rows newly inserted.
 */
export async function flushLearnerBatch(
  db: Drizzle,
  learnerId: string,
  rows: readonly AttemptRow[],
  states: readonly SkillStateRow[],
  reports: readonly MockReportRow[] = [],
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx
      .insert(learners)
      .values({ id: learnerId, lastSeenAt: new Date() })
      .onConflictDoUpdate({ target: learners.id, set: { lastSeenAt: sql`greatest(${learners.lastSeenAt}, excluded.last_seen_at)` } });
    let inserted = 0;
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      const result = await tx
        .insert(attempts)
        .values(
          chunk.map((r) => ({
            learnerId,
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
          })),
        )
        .onConflictDoNothing({ target: [attempts.learnerId, attempts.clientAttemptId] })
        .returning({ id: attempts.id });
      inserted += result.length;
    }
    if (reports.length > 0) {
      await tx
        .insert(mockTestReports)
        .values(
          reports.map((r) => ({
            id: r.id,
            learnerId,
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
    if (states.length > 0) {
      await tx
        .insert(learnerSkillStates)
        .values(states.map((s) => ({ learnerId, ...s, updatedAt: new Date(s.updatedAt) })))
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
    return inserted;
  });
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
  }));
}

export async function countLearnerAttempts(db: Drizzle, learnerId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(attempts)
    .where(eq(attempts.learnerId, learnerId));
  return rows[0]?.n ?? 0;
}
