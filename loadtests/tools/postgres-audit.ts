/**
 * What a load test did to Postgres, measured on Postgres itself: transactions committed and
 * sessions opened during the run (pg_stat_database; `sessions` needs PostgreSQL ≥ 14, so the
 * embedded PGlite reports no sessions), and after the run — once every learner outbox and
 * writer shard has drained — the attempts of the run's learners, to compare with the attempts
 * the API acknowledged (k6's `attempts_recorded`): every acknowledged attempt must be there
 * exactly once (the unique (learner, client attempt id) index rules out duplicates; equality
 * rules out losses).
 *
 * Used by `npm run loadtest:run` when AUDIT_POSTGRES=1 (loadtests/tools/k6-run.ts).
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

export interface PgSnapshot {
  at: number;
  /** Transactions committed in this database since the server's statistics reset. */
  xactCommit: number;
  /** Sessions established (PostgreSQL ≥ 14), null when the server does not count them. */
  sessions: number | null;
  /** Client backends connected now. */
  backends: number;
}

export async function pgSnapshot(db: Database): Promise<PgSnapshot> {
  // Statistics of other backends reach pg_stat_database within about a second of their commit.
  const stats = await db.write.execute<Record<string, unknown>>(sql`SELECT * FROM pg_stat_database WHERE datname = current_database()`);
  const row = stats.rows[0] ?? {};
  const backends = await db.write.execute<{ n: string }>(sql`SELECT count(*)::text AS n FROM pg_stat_activity WHERE backend_type = 'client backend'`);
  return {
    at: Date.now(),
    xactCommit: Number(row.xact_commit ?? 0),
    sessions: row.sessions === undefined || row.sessions === null ? null : Number(row.sessions),
    backends: Number(backends.rows[0]?.n ?? 0),
  };
}

export interface AttemptCount {
  rows: number;
  distinct: number;
  learners: number;
}

/** Attempts of learners whose id starts with `<prefix>-`. */
export async function countAttempts(db: Database, prefix: string): Promise<AttemptCount> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}-%`;
  const r = await db.write.execute<{ rows: string; distinct: string; learners: string }>(
    sql`SELECT count(*)::text AS rows, count(DISTINCT (learner_id, client_attempt_id))::text AS distinct, count(DISTINCT learner_id)::text AS learners
        FROM attempts WHERE learner_id LIKE ${pattern}`,
  );
  const row = r.rows[0];
  return { rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0), learners: Number(row?.learners ?? 0) };
}

/**
 * Waits until the run's attempts have all reached Postgres: the writer shards report nothing
 * pending and the count has stopped moving for `quietMs` (learner outboxes hand over about
 * OUTBOX_FLUSH_DELAY_MS, 10 s, after their first unsent attempt; writers flush every second). Gives up after `timeoutMs`.
 */
export async function waitForDrain(opts: {
  count: () => Promise<number>;
  writersPending: () => Promise<number | null>;
  quietMs?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}): Promise<{ drained: boolean; count: number }> {
  const quiet = opts.quietMs ?? 15_000; // longer than a learner's hand-over delay (10 s) plus a writer flush
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const n = await opts.count();
    const pending = await opts.writersPending();
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    }
    if ((pending ?? 0) === 0 && Date.now() - stableSince >= quiet) return { drained: true, count: n };
    if (Date.now() > deadline) return { drained: false, count: n };
    opts.log?.(`  waiting for outboxes to drain: ${n} attempts in Postgres, ${pending ?? "?"} queued in writers`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

export interface PostgresAudit {
  acknowledged: number | null;
  inPostgres: AttemptCount;
  drained: boolean;
  transactions: number;
  transactionsPerAttempt: number | null;
  sessionsOpened: number | null;
  sessionsPerMinute: number | null;
  minutes: number;
  writers: { transactions: number; attemptsWritten: number; connectionsOpened: number } | null;
}

export function auditLines(a: PostgresAudit): string[] {
  const f = (v: number | null, d = 3) => (v === null ? "–" : v.toFixed(d));
  const exact = a.acknowledged !== null && a.inPostgres.rows === a.acknowledged && a.inPostgres.distinct === a.inPostgres.rows;
  return [
    "## Postgres during the run",
    "",
    "| measure | value |",
    "|---|---:|",
    `| attempts the API acknowledged (k6) | ${a.acknowledged ?? "–"} |`,
    `| attempts of the run's learners in Postgres | ${a.inPostgres.rows} (${a.inPostgres.distinct} distinct, ${a.inPostgres.learners} learners) |`,
    `| every acknowledged attempt exactly once | ${a.acknowledged === null ? "–" : exact ? "yes" : "**no**"}${a.drained ? "" : " (outboxes had not drained when the audit gave up)"} |`,
    `| transactions committed (whole database, the audit's own few included) | ${a.transactions} |`,
    `| transactions per attempt | ${f(a.transactionsPerAttempt, 4)} |`,
    `| sessions (connections) opened | ${a.sessionsOpened ?? "– (server does not count them)"} |`,
    `| sessions opened per minute | ${f(a.sessionsPerMinute, 2)} over ${a.minutes.toFixed(1)} min |`,
    ...(a.writers ? [`| writer shards: transactions / attempts written / connections opened | ${a.writers.transactions} / ${a.writers.attemptsWritten} / ${a.writers.connectionsOpened} |`] : []),
    "",
  ];
}
