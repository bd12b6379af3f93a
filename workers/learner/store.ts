/**
 * The learner's own SQLite database inside the Durable Object. Synchronous, transactional,
 * next to the learner: the hot path touches nothing shared.
 *
 * Tables
 *   meta          key/value: schema version, hydration, sequence counters, outbox health
 *   skill_state   one row per practised skill: the knowledge model's belief and counts
 *   memory        one row per reviewed skill: the FSRS memory (JSON)
 *   served        every item served (the served-item log), answered or not, with what the
 *                 correctness model and the knowledge model predicted for it
 *                 (src/core/predictor-mix.ts: how each is trusted for this learner)
 *   attempts      every attempt with its result: idempotency on client_attempt_id
 *   outbox        attempts not yet in Postgres, flushed by the alarm in batches
 */
import { historyCounts } from "../../src/core/features";
import type { HistoryCounts, ItemHistory, LearnerHistory, SkillHistory } from "../../src/core/features";
import { EMPTY_PREDICTOR_MIX } from "../../src/core/predictor-mix";
import type { PredictorMixState } from "../../src/core/predictor-mix";
import type { ReviewMemory, SkillState } from "../../src/core/types";
import type { Item } from "../../src/content/schema";
import type { CatReport, CatState } from "../../src/core/cat";
import type { AttemptRow, MockReportRow } from "../../src/db/learners";
import type { MockTestRow, TestEnding } from "./mock-tests";
import { storedItemJson } from "./content";

const SCHEMA_VERSION = 1;
/** Meta keys of the rankings saved with the learner's state (learner-do.ts `saveRankings`). */
const RANKING_PREFIX = "ranking:";

const DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS skill_state (
     skill_id TEXT PRIMARY KEY, mean REAL NOT NULL, variance REAL NOT NULL,
     attempts INTEGER NOT NULL, correct INTEGER NOT NULL, last_attempt_at INTEGER)`,
  `CREATE TABLE IF NOT EXISTS memory (skill_id TEXT PRIMARY KEY, state TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS served (
     id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, skill_id TEXT NOT NULL,
     mode TEXT NOT NULL, session INTEGER NOT NULL, served_at INTEGER NOT NULL,
     answered_by TEXT, item TEXT, mock_test_id TEXT, p_model REAL, p_knowledge REAL)`,
  `CREATE INDEX IF NOT EXISTS served_item ON served (item_id, id)`,
  `CREATE TABLE IF NOT EXISTS attempts (
     client_attempt_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, item_id TEXT NOT NULL,
     mode TEXT NOT NULL, correct INTEGER NOT NULL, response_ms INTEGER NOT NULL,
     answered_at INTEGER NOT NULL, result TEXT NOT NULL, request TEXT)`,
  `CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS mock_tests (
     id TEXT PRIMARY KEY, course TEXT NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL,
     strata TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, report TEXT, ended TEXT)`,
  `CREATE TABLE IF NOT EXISTS feature_skills (skill_id TEXT PRIMARY KEY, state TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS feature_items (item_id TEXT PRIMARY KEY, state TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS report_outbox (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at INTEGER NOT NULL)`,
];

/**
 * Columns added after a table first shipped: applied once each, in order, to objects created
 * before them (the CREATE statements above already carry them for new objects).
 */
const ALTERS = [
  `ALTER TABLE served ADD COLUMN mock_test_id TEXT`,
  // What the client sent with the attempt (item, response, time): a retry must match it. Null for hydrated history.
  `ALTER TABLE attempts ADD COLUMN request TEXT`,
  // Why a mock test ended when none of its own stopping rules did (./mock-tests.ts `TestEnding`).
  `ALTER TABLE mock_tests ADD COLUMN ended TEXT`,
  // What each predictor said of a served item (ServedRow.predictions).
  `ALTER TABLE served ADD COLUMN p_model REAL`,
  `ALTER TABLE served ADD COLUMN p_knowledge REAL`,
];

/** The whole schema as one statement batch: a new learner's object costs one call to create it. */
const SCHEMA = DDL.join(";\n");

/**
 * Which tables and alterations an object's schema was last brought up to (FNV-1a of the DDL
 * and the alterations): `open` skips the whole `CREATE TABLE IF NOT EXISTS` batch when it
 * matches, instead of parsing eleven statements every time an evicted object wakes.
 */
const SCHEMA_SIGNATURE = (() => {
  let h = 0x811c9dc5;
  for (const ch of [SCHEMA, ...ALTERS].join("\u0000")) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16);
})();

export interface ServedRow {
  id: number;
  itemId: string;
  skillId: string;
  mode: string;
  session: number;
  servedAt: number;
  answeredBy: string | null;
  /**
   * The item as served, answer key included: the attempt is graded against exactly what the
   * learner saw, even if the bank changes in between, and grading needs no content lookup
   * (so attempts are accepted while KV or Postgres are unreachable). Null for replayed history.
   */
  item: Item | null;
  /** Set when the item was served as part of an adaptive mock test. */
  mockTestId: string | null;
  /**
   * P(correct) of the item by the correctness model and by the knowledge model when it was
   * served, before the answer (the attempt scores both with it: src/core/predictor-mix.ts).
   * Null when the two were not both used: the model off or unavailable, a mock-test item.
   */
  predictions: ServedPredictions | null;
}

export interface ServedPredictions {
  readonly model: number;
  readonly knowledge: number;
}

/** Attempt totals kept in memory for progress; `minutes` are epoch minutes with an attempt. */
export interface AttemptTotals {
  total: number;
  correct: number;
  totalResponseMs: number;
  minutes: Set<number>;
}

export interface StoredAttempt {
  clientAttemptId: string;
  seq: number;
  itemId: string;
  result: unknown;
  /** `attemptRequest` of the attempt as first sent; null for history replayed from Postgres. */
  request: string | null;
}

type Row = Record<string, SqlStorageValue>;

function num(v: SqlStorageValue | undefined): number {
  return typeof v === "number" ? v : Number(v ?? 0);
}
function str(v: SqlStorageValue | undefined): string {
  return typeof v === "string" ? v : String(v ?? "");
}

export class LearnerStore {
  /** Whether this object's tables exist (null: not looked yet). */
  private schema: boolean | null = null;
  private readonly sql: SqlStorage;
  /**
   * The open serves this object wrote, latest per item: the attempt that answers one (normally
   * right after the `next` that served it, on the same live object) then needs no SELECT and
   * no parse of the item's JSON. Every write to `served` goes through this class, so an entry
   * is what the table holds; a transaction that throws forgets them all (`transaction`), a wipe
   * too (`migrate`), and a miss (a woken object) reads the table.
   */
  private readonly openServes = new Map<string, ServedRow>();
  /**
   * The meta rows but the saved rankings, read in ONE statement at the first `getMeta` (an object
   * woken by a request reads a dozen keys, and every read is a call into the runtime: about 13 µs,
   * reports/sqlite-costs.md) and kept in step by `setMeta`. Every write to `meta` goes through
   * this class; a transaction that throws forgets it (`transaction`), a wipe too (`migrate`).
   */
  private meta: Map<string, string> | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /** `transactionSync(fn)`: what `fn` wrote is kept only if it commits, remembered serves included. */
  transaction<T>(fn: () => T): T {
    try {
      return this.storage.transactionSync(fn);
    } catch (err) {
      this.openServes.clear();
      this.meta = null;
      throw err;
    }
  }

  /**
   * Brings an existing object's tables up to date; a brand-new object (no tables) is left
   * empty until its first write (`ensureSchema`), so its tables are created in the same
   * commit as the learner's first serve rather than in a commit of their own.
   */
  open(): void {
    this.schema = this.sql.exec<Row>("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray().length > 0;
    if (this.schema && this.getMeta("schema_signature") !== SCHEMA_SIGNATURE) this.migrate();
  }

  /** Creates the tables if this object has none yet: call inside the first write's transaction. */
  ensureSchema(): void {
    if (this.schema !== true) this.migrate();
  }

  migrate(): void {
    this.openServes.clear();
    this.meta = null;
    this.sql.exec(SCHEMA);
    this.schema = true;
    if (this.getMeta("schema_version") === null) {
      // A new object: its tables were just created with every later column.
      this.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('alters_applied', ?), ('schema_signature', ?)",
        String(SCHEMA_VERSION),
        String(ALTERS.length),
        SCHEMA_SIGNATURE,
      );
      this.meta = null;
      return;
    }
    const applied = this.getNumber("alters_applied", 0);
    for (let i = applied; i < ALTERS.length; i++) this.sql.exec(ALTERS[i] ?? "");
    if (applied < ALTERS.length) this.setMeta("alters_applied", String(ALTERS.length));
    this.setMeta("schema_signature", SCHEMA_SIGNATURE);
  }

  getMeta(key: string): string | null {
    if (this.schema === false) return null; // no tables yet: nothing stored
    if (key.startsWith(RANKING_PREFIX)) {
      // Saved rankings are large and read once per wake-up: not held with the rest.
      const row = this.sql.exec<Row>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
      return row ? str(row.value) : null;
    }
    if (!this.meta) {
      this.meta = new Map();
      for (const r of this.sql.exec<Row>("SELECT key, value FROM meta WHERE key NOT LIKE ?", `${RANKING_PREFIX}%`)) this.meta.set(str(r.key), str(r.value));
    }
    return this.meta.get(key) ?? null;
  }

  /** Forgets the rankings saved with the learner's state (learner-do.ts `saveRankings`). */
  forgetSavedRankings(): void {
    this.sql.exec("DELETE FROM meta WHERE key LIKE 'ranking:%'");
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    if (this.meta && !key.startsWith(RANKING_PREFIX)) this.meta.set(key, value);
  }

  getNumber(key: string, fallback = 0): number {
    const v = this.getMeta(key);
    return v === null ? fallback : Number(v);
  }

  // skill beliefs ------------------------------------------------------------------------

  loadSkillStates(): Map<string, SkillState> {
    const out = new Map<string, SkillState>();
    for (const r of this.sql.exec<Row>("SELECT * FROM skill_state")) {
      const skillId = str(r.skill_id);
      out.set(skillId, {
        skillId,
        mean: num(r.mean),
        variance: num(r.variance),
        attempts: num(r.attempts),
        correct: num(r.correct),
        lastAttemptAt: r.last_attempt_at === null ? null : num(r.last_attempt_at),
      });
    }
    return out;
  }

  putSkillState(s: SkillState): void {
    this.sql.exec(
      `INSERT INTO skill_state (skill_id, mean, variance, attempts, correct, last_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (skill_id) DO UPDATE SET mean = excluded.mean, variance = excluded.variance,
         attempts = excluded.attempts, correct = excluded.correct, last_attempt_at = excluded.last_attempt_at`,
      s.skillId,
      s.mean,
      s.variance,
      s.attempts,
      s.correct,
      s.lastAttemptAt,
    );
  }

  loadMemories(): Map<string, ReviewMemory> {
    const out = new Map<string, ReviewMemory>();
    for (const r of this.sql.exec<Row>("SELECT * FROM memory")) out.set(str(r.skill_id), JSON.parse(str(r.state)) as ReviewMemory);
    return out;
  }

  putMemory(skillId: string, memory: ReviewMemory): void {
    this.sql.exec("INSERT INTO memory (skill_id, state) VALUES (?, ?) ON CONFLICT (skill_id) DO UPDATE SET state = excluded.state", skillId, JSON.stringify(memory));
  }

  // predictor mix ------------------------------------------------------------------------

  /** The learner's predictor-mix state (src/core/predictor-mix.ts); empty before the first answer both predictors scored. */
  loadPredictorMix(): PredictorMixState {
    const v = this.getMeta("predictor_mix");
    return v ? (JSON.parse(v) as PredictorMixState) : EMPTY_PREDICTOR_MIX;
  }

  savePredictorMix(state: PredictorMixState): void {
    this.setMeta("predictor_mix", JSON.stringify(state));
  }

  // served-item log ----------------------------------------------------------------------

  recordServed(row: Omit<ServedRow, "id" | "answeredBy" | "mockTestId" | "predictions"> & { mockTestId?: string | null; predictions?: ServedPredictions | null }): number {
    const predictions = row.predictions ?? null;
    const r = this.sql
      .exec<Row>(
        "INSERT INTO served (item_id, skill_id, mode, session, served_at, item, mock_test_id, p_model, p_knowledge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        row.itemId,
        row.skillId,
        row.mode,
        row.session,
        row.servedAt,
        row.item === null ? null : storedItemJson(row.item),
        row.mockTestId ?? null,
        predictions?.model ?? null,
        predictions?.knowledge ?? null,
      )
      .one();
    const id = num(r.id);
    if (row.item !== null) this.openServes.set(row.itemId, { ...row, id, answeredBy: null, mockTestId: row.mockTestId ?? null, predictions });
    return id;
  }

  /** The latest serve of an item that no attempt has answered yet. */
  openServe(itemId: string): ServedRow | null {
    const known = this.openServes.get(itemId);
    if (known) return known;
    const r = this.sql.exec<Row>("SELECT * FROM served WHERE item_id = ? AND answered_by IS NULL ORDER BY id DESC LIMIT 1", itemId).toArray()[0];
    return r ? toServed(r) : null;
  }

  /** Whether the item was ever served (answered or not). */
  wasServed(itemId: string): boolean {
    return this.sql.exec<Row>("SELECT 1 AS x FROM served WHERE item_id = ? LIMIT 1", itemId).toArray().length > 0;
  }

  /** Marks a serve answered and drops its item snapshot (the attempt row keeps the result). */
  markAnswered(servedId: number, clientAttemptId: string): void {
    for (const [itemId, open] of this.openServes) if (open.id === servedId) this.openServes.delete(itemId);
    this.sql.exec("UPDATE served SET answered_by = ?, item = NULL WHERE id = ?", clientAttemptId, servedId);
  }

  /**
   * What a woken object needs of its serve log, read backwards from the newest serve: the
   * current session's items, when the latest serve happened (0: never: the learner's last
   * activity) and the skills of the `recent` latest serves. It stops once past both, so it never
   * passes over every serve the learner ever had. Serves are stored in the order they happen
   * (one session number at a time, never lower than the one before, at the object's clock), so
   * the newest row holds the latest time.
   */
  currentSession(session: number, recent: number): { itemIds: Set<string>; lastServedAt: number; recentSkillIds: string[] } {
    const itemIds = new Set<string>();
    const recentSkillIds: string[] = [];
    let lastServedAt: number | null = null;
    let inSession = true;
    for (const r of this.sql.exec<Row>("SELECT item_id, skill_id, session, served_at FROM served ORDER BY id DESC")) {
      lastServedAt ??= num(r.served_at);
      if (recentSkillIds.length < recent) recentSkillIds.push(str(r.skill_id));
      inSession &&= num(r.session) === session;
      if (inSession) itemIds.add(str(r.item_id));
      else if (recentSkillIds.length >= recent) break;
    }
    return { itemIds, lastServedAt: lastServedAt ?? 0, recentSkillIds };
  }

  /** Last time each item was served: the exposure history the scorer penalises. */
  lastServedMap(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.sql.exec<Row>("SELECT item_id, max(served_at) AS at FROM served GROUP BY item_id")) out.set(str(r.item_id), num(r.at));
    return out;
  }

  // attempts -----------------------------------------------------------------------------

  findAttempt(clientAttemptId: string): StoredAttempt | null {
    const r = this.sql.exec<Row>("SELECT client_attempt_id, seq, item_id, result, request FROM attempts WHERE client_attempt_id = ?", clientAttemptId).toArray()[0];
    return r
      ? {
          clientAttemptId: str(r.client_attempt_id),
          seq: num(r.seq),
          itemId: str(r.item_id),
          result: JSON.parse(str(r.result)),
          request: r.request === null ? null : str(r.request),
        }
      : null;
  }

  insertAttempt(a: {
    clientAttemptId: string;
    seq: number;
    itemId: string;
    mode: string;
    correct: boolean;
    responseMs: number;
    answeredAt: number;
    result: unknown;
    request?: string;
  }): void {
    this.sql.exec(
      "INSERT INTO attempts (client_attempt_id, seq, item_id, mode, correct, response_ms, answered_at, result, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      a.clientAttemptId,
      a.seq,
      a.itemId,
      a.mode,
      a.correct ? 1 : 0,
      a.responseMs,
      a.answeredAt,
      JSON.stringify(a.result),
      a.request ?? null,
    );
  }

  /**
   * The highest attempt sequence number: the attempts table's, or the floor hydration left
   * in meta (replayed history may skip items deleted from the bank). Not written per attempt.
   */
  lastSeq(): number {
    const r = this.sql.exec<Row>("SELECT coalesce(max(seq), 0) AS s FROM attempts").one();
    return Math.max(num(r.s), this.getNumber("seq", 0));
  }

  /** Totals and the distinct minutes with an attempt, aggregated in SQLite once when the object loads. */
  attemptTotals(): AttemptTotals {
    const agg = this.sql
      .exec<Row>("SELECT count(*) AS n, coalesce(sum(correct), 0) AS c, coalesce(sum(max(response_ms, 0)), 0) AS ms FROM attempts")
      .one();
    const minutes = new Set<number>();
    for (const r of this.sql.exec<Row>("SELECT DISTINCT answered_at / 60000 AS m FROM attempts")) minutes.add(Math.floor(num(r.m)));
    return { total: num(agg.n), correct: num(agg.c), totalResponseMs: num(agg.ms), minutes };
  }

  // outbox -------------------------------------------------------------------------------

  enqueue(row: AttemptRow, now: number): void {
    this.sql.exec("INSERT INTO outbox (seq, payload, created_at) VALUES (?, ?, ?)", row.seq, JSON.stringify(row), now);
  }

  peekOutbox(limit: number): AttemptRow[] {
    return this.sql
      .exec<Row>("SELECT payload FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((r) => JSON.parse(str(r.payload)) as AttemptRow);
  }

  deleteOutboxThrough(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq <= ?", seq);
  }

  // the correctness model's learner history (src/core/features.ts) -------------------------
  // Stored entry by entry, so an attempt writes the few entries it changed, not the whole history.

  // Rows written before features/2 lack its residual fields: `historyCounts` defaults them to 0
  // (and a SkillHistory's optional `residual` reads as 0), so old objects load unchanged.
  loadFeatureHistory(): LearnerHistory {
    const counts = this.getMeta("feature_counts");
    const history: LearnerHistory = { ...historyCounts(counts ? (JSON.parse(counts) as Partial<HistoryCounts>) : {}), skills: {}, items: {} };
    for (const r of this.sql.exec<Row>("SELECT skill_id, state FROM feature_skills")) history.skills[str(r.skill_id)] = JSON.parse(str(r.state)) as SkillHistory;
    for (const r of this.sql.exec<Row>("SELECT item_id, state FROM feature_items")) history.items[str(r.item_id)] = JSON.parse(str(r.state)) as ItemHistory;
    return history;
  }

  /** Writes the counts and every entry present in `history` (a slice, or a whole history). */
  saveFeatureHistory(history: LearnerHistory): void {
    this.setMeta("feature_counts", JSON.stringify(historyCounts(history)));
    for (const [id, s] of Object.entries(history.skills)) {
      this.sql.exec("INSERT INTO feature_skills (skill_id, state) VALUES (?, ?) ON CONFLICT (skill_id) DO UPDATE SET state = excluded.state", id, JSON.stringify(s));
    }
    for (const [id, it] of Object.entries(history.items)) {
      this.sql.exec("INSERT INTO feature_items (item_id, state) VALUES (?, ?) ON CONFLICT (item_id) DO UPDATE SET state = excluded.state", id, JSON.stringify(it));
    }
  }

  // mock tests -----------------------------------------------------------------------------

  insertMockTest(t: MockTestRow): void {
    this.sql.exec(
      "INSERT INTO mock_tests (id, course, status, state, strata, created_at, expires_at, report, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      t.id,
      t.course,
      t.status,
      JSON.stringify(t.state),
      JSON.stringify(t.strata),
      t.createdAt,
      t.expiresAt,
      t.report === null ? null : JSON.stringify(t.report),
      t.ended === null ? null : JSON.stringify(t.ended),
    );
  }

  updateMockTest(id: string, patch: { status: MockTestRow["status"]; state: CatState; report: CatReport | null }): void {
    this.sql.exec(
      "UPDATE mock_tests SET status = ?, state = ?, report = ? WHERE id = ?",
      patch.status,
      JSON.stringify(patch.state),
      patch.report === null ? null : JSON.stringify(patch.report),
      id,
    );
  }

  getMockTest(id: string): MockTestRow | null {
    const r = this.sql.exec<Row>("SELECT * FROM mock_tests WHERE id = ?", id).toArray()[0];
    return r ? toMockTest(r) : null;
  }

  activeMockTests(): MockTestRow[] {
    return this.sql.exec<Row>("SELECT * FROM mock_tests WHERE status = 'active' ORDER BY created_at").toArray().map(toMockTest);
  }

  enqueueReport(row: MockReportRow, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO report_outbox (id, payload, created_at) VALUES (?, ?, ?)", row.id, JSON.stringify(row), now);
  }

  peekReports(limit: number): MockReportRow[] {
    return this.sql
      .exec<Row>("SELECT payload FROM report_outbox ORDER BY created_at LIMIT ?", limit)
      .toArray()
      .map((r) => JSON.parse(str(r.payload)) as MockReportRow);
  }

  deleteReports(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM report_outbox WHERE id = ?", id);
  }

  /** Everything this object holds about its learner, as plain rows (data export). */
  exportRows(): Record<string, unknown[]> {
    const rows = (query: string) =>
      this.sql
        .exec<Row>(query)
        .toArray()
        .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "string" && /^[[{]/.test(v) ? safeJson(v) : v])));
    return {
      attempts: rows("SELECT client_attempt_id, seq, item_id, mode, correct, response_ms, answered_at, result FROM attempts ORDER BY seq"),
      skillStates: rows("SELECT skill_id, mean, variance, attempts, correct, last_attempt_at FROM skill_state ORDER BY skill_id"),
      reviewMemory: rows("SELECT skill_id, state FROM memory ORDER BY skill_id"),
      served: rows("SELECT item_id, skill_id, mode, served_at, answered_by, mock_test_id, p_model, p_knowledge FROM served ORDER BY id"),
      mockTests: rows("SELECT * FROM mock_tests"),
    };
  }

  /** Drops everything waiting to go to Postgres (the learner's data is being deleted); returns how many rows. */
  clearOutboxes(): number {
    const attempts = this.sql.exec("DELETE FROM outbox RETURNING seq").toArray().length;
    return attempts + this.sql.exec("DELETE FROM report_outbox RETURNING id").toArray().length;
  }

  outboxStats(): { size: number; oldestAt: number | null } {
    const r = this.sql.exec<Row>("SELECT count(*) AS n, min(created_at) AS oldest FROM outbox").one();
    return { size: num(r.n), oldestAt: r.oldest === null ? null : num(r.oldest) };
  }
}

function toMockTest(r: Row): MockTestRow {
  return {
    id: str(r.id),
    course: str(r.course),
    status: str(r.status) === "finished" ? "finished" : "active",
    state: JSON.parse(str(r.state)) as CatState,
    strata: JSON.parse(str(r.strata)) as Record<string, string>,
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    report: r.report === null || r.report === undefined ? null : (JSON.parse(str(r.report)) as CatReport),
    ended: r.ended === null || r.ended === undefined ? null : (JSON.parse(str(r.ended)) as TestEnding),
  };
}

function toServed(r: Row): ServedRow {
  return {
    id: num(r.id),
    itemId: str(r.item_id),
    skillId: str(r.skill_id),
    mode: str(r.mode),
    session: num(r.session),
    servedAt: num(r.served_at),
    answeredBy: r.answered_by === null ? null : str(r.answered_by),
    item: r.item === null || r.item === undefined ? null : (JSON.parse(str(r.item)) as Item),
    mockTestId: r.mock_test_id === null || r.mock_test_id === undefined ? null : str(r.mock_test_id),
    predictions: typeof r.p_model === "number" && typeof r.p_knowledge === "number" ? { model: r.p_model, knowledge: r.p_knowledge } : null,
  };
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
