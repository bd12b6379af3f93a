/**
 * Calibration versions in Postgres (src/db/schema.ts `calibration_versions`,
 * `item_calibrations`): every job run that changed something is a version; an item's current
 * parameters are its row with the highest version. The published KV document is built from here.
 */
import { and, asc, desc, isNotNull, lte, notInArray, sql } from "drizzle-orm";
import type { CalibrationStatus } from "../core/calibration";
import type { PublishedLinks } from "../core/item-links";
import type { Drizzle } from "./client";
import { attempts, calibrationVersions, itemCalibrations, items } from "./schema";

/** What the calibration job needs of an item: authored parameters, primary skill, option count. */
export interface AuthoredItem {
  id: string;
  primarySkillId: string;
  difficulty: number;
  discrimination: number;
  guessing: number;
  choiceCount: number | null;
}

export interface ItemCalibration {
  itemId: string;
  difficulty: number;
  discrimination: number;
  guessing: number;
  responses: number;
  seDifficulty: number;
  status: CalibrationStatus;
}

export interface CalibrationVersion {
  version: number;
  createdAt: Date;
  items: number;
  calibrated: number;
  config: unknown;
  exposure: Record<string, number>;
  links: PublishedLinks | null;
  /** The shift `anchorScale` took out of the version's refitted items (null: none refitted, or written before it was kept). */
  scaleShift: number | null;
}

export async function authoredItems(db: Drizzle): Promise<AuthoredItem[]> {
  const rows = await db
    .select({
      id: items.id,
      primarySkillId: items.primarySkillId,
      difficulty: items.difficulty,
      discrimination: items.discrimination,
      guessing: items.guessing,
      choiceCount: sql<number | null>`jsonb_array_length(${items.choices})`,
    })
    .from(items)
    .orderBy(asc(items.id));
  return rows.map((r) => ({ ...r, choiceCount: r.choiceCount === null ? null : Number(r.choiceCount) }));
}

/**
 * The newest version without its links table (megabytes of jsonb, read only through
 * `latestLinks`, which finds the newest version that carries one: often not this one).
 */
export async function latestVersion(db: Drizzle): Promise<Omit<CalibrationVersion, "links"> | null> {
  const rows = await db
    .select({
      version: calibrationVersions.version,
      createdAt: calibrationVersions.createdAt,
      items: calibrationVersions.items,
      calibrated: calibrationVersions.calibrated,
      config: calibrationVersions.config,
      exposure: calibrationVersions.exposure,
      scaleShift: calibrationVersions.scaleShift,
    })
    .from(calibrationVersions)
    .orderBy(desc(calibrationVersions.version))
    .limit(1);
  return rows[0] ?? null;
}

export interface VersionSummary {
  readonly version: number;
  readonly createdAt: Date;
  readonly items: number;
  readonly calibrated: number;
  readonly scaleShift: number | null;
}

/**
 * The newest `limit` versions, newest first, without their heavy columns (config, exposure,
 * links): how the pool and the scale shift moved from run to run.
 */
export async function versionHistory(db: Drizzle, limit: number): Promise<VersionSummary[]> {
  return db
    .select({
      version: calibrationVersions.version,
      createdAt: calibrationVersions.createdAt,
      items: calibrationVersions.items,
      calibrated: calibrationVersions.calibrated,
      scaleShift: calibrationVersions.scaleShift,
    })
    .from(calibrationVersions)
    .orderBy(desc(calibrationVersions.version))
    .limit(limit);
}

/**
 * The item links in force: those of the newest version that refitted them (versions that did not
 * carry none), null before any. Only the newest LINK_TABLES_KEPT tables are kept (`writeVersion`).
 */
export async function latestLinks(db: Drizzle): Promise<{ version: number; links: PublishedLinks } | null> {
  const rows = await db
    .select({ version: calibrationVersions.version, links: calibrationVersions.links })
    .from(calibrationVersions)
    .where(isNotNull(calibrationVersions.links))
    .orderBy(desc(calibrationVersions.version))
    .limit(1);
  const row = rows[0];
  return row?.links ? { version: row.version, links: row.links } : null;
}

/** Link tables kept in `calibration_versions` (the newest and the one before it); older versions' are cleared. */
export const LINK_TABLES_KEPT = 2;

/** Every item's current calibration (its latest row). */
export async function currentCalibrations(db: Drizzle): Promise<Map<string, ItemCalibration>> {
  const rows = await db
    .selectDistinctOn([itemCalibrations.itemId])
    .from(itemCalibrations)
    .orderBy(asc(itemCalibrations.itemId), desc(itemCalibrations.version));
  return new Map(
    rows.map((r) => [
      r.itemId,
      {
        itemId: r.itemId,
        difficulty: r.difficulty,
        discrimination: r.discrimination,
        guessing: r.guessing,
        responses: r.responses,
        seDifficulty: r.seDifficulty,
        status: r.status as CalibrationStatus,
      },
    ]),
  );
}

/**
 * Writes a new version with the items it changed, in one transaction; the version number is the
 * previous + 1. `links`: a table the job just fitted (null: the links in force did not change, and
 * the version carries none). A new table clears the tables of all but the newest LINK_TABLES_KEPT
 * versions that have one: each is megabytes, and only the one in force is read.
 */
export async function writeVersion(
  db: Drizzle,
  input: Omit<CalibrationVersion, "version" | "createdAt"> & { changed: readonly ItemCalibration[]; now: Date },
): Promise<number> {
  return db.transaction(async (tx) => {
    // Serialises concurrent runs (a manual run beside the cron): the second waits, then numbers after the first.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(7431001)`);
    const [row] = await tx.select({ v: sql<number>`coalesce(max(${calibrationVersions.version}), 0)` }).from(calibrationVersions);
    const version = Number(row?.v ?? 0) + 1;
    await tx.insert(calibrationVersions).values({ version, createdAt: input.now, items: input.items, calibrated: input.calibrated, config: input.config, exposure: input.exposure, links: input.links, scaleShift: input.scaleShift });
    if (input.links) {
      const kept = tx
        .select({ version: calibrationVersions.version })
        .from(calibrationVersions)
        .where(isNotNull(calibrationVersions.links))
        .orderBy(desc(calibrationVersions.version))
        .limit(LINK_TABLES_KEPT);
      await tx
        .update(calibrationVersions)
        .set({ links: null })
        .where(and(isNotNull(calibrationVersions.links), notInArray(calibrationVersions.version, kept)));
    }
    for (let i = 0; i < input.changed.length; i += 500) {
      await tx.insert(itemCalibrations).values(input.changed.slice(i, i + 500).map((c) => ({ ...c, version })));
    }
    return version;
  });
}

/** The newest attempt's id (0: none): how far the attempts table has grown since a links fit. */
export async function newestAttemptId(db: Drizzle): Promise<number> {
  const [row] = await db.select({ id: sql<number | null>`max(${attempts.id})` }).from(attempts);
  return Number(row?.id ?? 0);
}

export interface AnswerSequences {
  /** Per learner, their answers in `seq` order. */
  readonly sequences: readonly { readonly learnerId: string; readonly answers: readonly { readonly itemId: string; readonly correct: boolean }[] }[];
  readonly answers: number;
  readonly throughAttemptId: number;
}

/**
 * The newest `limit` attempts (every mode; with `throughId`, the newest up to that id), as each
 * learner's answers in order: what item links are learnt from.
 */
export async function answerSequences(db: Drizzle, limit: number, throughId?: number): Promise<AnswerSequences> {
  const rows = await db
    .select({ id: attempts.id, learnerId: attempts.learnerId, seq: attempts.seq, itemId: attempts.itemId, correct: attempts.correct })
    .from(attempts)
    .where(throughId === undefined ? undefined : lte(attempts.id, throughId))
    .orderBy(desc(attempts.id))
    .limit(limit);
  const byLearner = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byLearner.get(r.learnerId);
    if (list) list.push(r);
    else byLearner.set(r.learnerId, [r]);
  }
  const sequences = [...byLearner]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([learnerId, list]) => ({ learnerId, answers: list.sort((a, b) => a.seq - b.seq).map((r) => ({ itemId: r.itemId, correct: r.correct })) }));
  return { sequences, answers: rows.length, throughAttemptId: rows.reduce((m, r) => Math.max(m, r.id), 0) };
}
