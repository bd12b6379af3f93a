/**
 * The calibration job (a Cron Trigger; workers/api/index.ts `scheduled`): folds the global
 * item statistics (Redis) into item parameters, versions them in Postgres and publishes them
 * to KV, where every learner object reads them (workers/learner/content.ts).
 *
 *   claim changed items (Redis) ─► refit each (src/core/calibration.ts) ─► exposure table
 *   (Sympson–Hetter by simulation over the calibrated pool) ─► item links, when enough
 *   attempts arrived since the last fit (src/core/item-links.ts, from the newest attempts in
 *   Postgres) ─► new version (Postgres; a refitted links table with it, older tables but the
 *   newest two cleared) ─► publish the links table under a key of its own, then `calibration:v1`
 *   pointing at it (KV) ─► release the claim (Redis)
 *
 * Crash-safe by order: the claim is released last, so a run that died is redone from the same
 * cumulative counters (a refit is a pure function of them); an item whose response count did
 * not change is not rewritten; a version written but not published is published by the next
 * run. Two runs at once are serialised by Postgres (`writeVersion`).
 */
import { courseBlueprint } from "../../src/core/cat-blueprint";
import { calibrateSympsonHetter } from "../../src/core/cat-sim";
import { DEFAULT_CALIBRATION_JOB_CONFIG, calibrateBatch, encodeCalibration } from "../../src/core/calibration";
import type { CalibrationJobConfig, PublishedCalibration } from "../../src/core/calibration";
import { answerResidual } from "../../src/core/features";
import { encodeLinks, fitItemLinks, linksReference, publishLinksWithin, publishedLinkCount } from "../../src/core/item-links";
import type { PublishedLinks } from "../../src/core/item-links";
import { mulberry32, normalDraw } from "../../src/core/random";
import { answerSequences, authoredItems, currentCalibrations, latestLinks, latestVersion, newestAttemptId, writeVersion } from "../../src/db/calibration";
import type { AuthoredItem, ItemCalibration } from "../../src/db/calibration";
import { createDatabase } from "../../src/db/client";
import type { Drizzle } from "../../src/db/client";
import { listSkills } from "../../src/db/content";
import { createItemStats } from "../../src/stats/item-stats";
import type { ItemStat, ItemStats } from "../../src/stats/item-stats";
import { calling } from "../dependency";
import { parseConfig } from "../api/lib/env";
import { reportGauge } from "../metrics/client";
import { CALIBRATION_KV_KEY } from "../learner/content";
import { buildPool } from "../learner/mock-tests";

export { CALIBRATION_KV_KEY };

export interface CalibrationRun {
  /** The version now published (null: nothing calibrated yet and nothing to do). */
  version: number | null;
  /** Whether this run wrote a new version. */
  wrote: boolean;
  claimed: number;
  changed: number;
  calibrated: number;
  items: number;
  /** Largest simulated exposure under the table (0 when not computed). */
  maxExposure: number;
  /** Whether this run refitted the item links, and how many it published (0: none yet). */
  linksRefitted: boolean;
  links: number;
  /**
   * The common shift (logits) taken out of this run's fits to keep them on the authored scale
   * (src/core/calibration.ts `anchorScale`; 0 when nothing was fitted). Persistently large:
   * learners' anchors disagree with the authored scale, most likely learning that the knowledge
   * model does not follow.
   */
  scaleShift: number;
}

export interface CalibrationDeps {
  db: Drizzle;
  stats: ItemStats;
  kv: KVNamespace;
  now: number;
  config?: Partial<CalibrationJobConfig>;
  /** Refit every changed item, whatever its new responses (the daily run, or an operator's). */
  all?: boolean;
}

export async function runCalibration(deps: CalibrationDeps): Promise<CalibrationRun> {
  const config: CalibrationJobConfig = { ...DEFAULT_CALIBRATION_JOB_CONFIG, ...deps.config };
  // The cron's first run of each UTC day (every 15 minutes: one starts in minute 0–14) sweeps everything changed.
  const daily = deps.now % 86_400_000 < 15 * 60_000;
  // Each dependency's failure is a DependencyError (../dependency.ts): a 503 or a retried cron, never a bug.
  const claimed = await calling("redis", () => deps.stats.claimChanged(deps.all || daily ? 1 : config.refitMinNewResponses));
  const [items, current, previous, inForce, newest] = await calling("postgres", () =>
    Promise.all([authoredItems(deps.db), currentCalibrations(deps.db), latestVersion(deps.db), latestLinks(deps.db), newestAttemptId(deps.db)]),
  );
  const byId = new Map(items.map((i) => [i.id, i]));
  const known = claimed.filter((id) => byId.has(id));
  const toFit: { authored: AuthoredItem; bins: ItemStat["bins"] }[] = [];
  for (let i = 0; i < known.length; i += 500) {
    for (const stat of await calling("redis", () => deps.stats.read(known.slice(i, i + 500)))) {
      const authored = byId.get(stat.itemId);
      if (!authored || stat.attempts === 0 || current.get(stat.itemId)?.responses === stat.attempts) continue;
      toFit.push({ authored, bins: stat.bins });
    }
  }
  // One batch fit (src/core/calibration.ts calibrateBatch): with `poolDiscriminationPrior` on
  // (the default), the prior's centre and spread are estimated from the items read in this run,
  // a pure function of their counters (fewer than 20 with enough answers: the configured spread);
  // then the batch's common shift from the authored scale is taken out (`anchorScale`).
  const { fits, shift: scaleShift } = calibrateBatch(toFit, config);
  const changed: ItemCalibration[] = toFit.map(({ authored }, i) => {
    const fit = fits[i];
    if (!fit) throw new Error(`calibration: no fit for item ${authored.id}`);
    return { itemId: authored.id, difficulty: fit.difficulty, discrimination: fit.discrimination, guessing: fit.guessing, responses: fit.responses, seDifficulty: fit.seDifficulty, status: fit.status };
  });
  const merged = new Map(current);
  for (const c of changed) merged.set(c.itemId, c);
  const calibrated = [...merged.values()].filter((c) => c.status === "calibrated").length;

  const sympsonHetter = items.length > 0 && calibrated / items.length >= config.sympsonHetterMinCalibratedShare;
  let version = previous?.version ?? null;
  let exposure = previous?.exposure ?? {};
  let maxExposure = 0;
  const linksRefitted = newest - (inForce?.links.throughAttemptId ?? 0) >= config.linksMinNewAnswers;
  const links = linksRefitted ? await itemLinks(deps.db, byId, merged, config) : (inForce?.links ?? null);
  const wrote = changed.length > 0 || linksRefitted;
  if (wrote) {
    // Only a calibrated pool uses the table, and the simulation is the job's largest cost
    // (≈ 15 s of CPU for the 6,900-item demo bank at 100 simulees × 3 rounds): skip it before,
    // and when only the links changed.
    if (changed.length > 0) {
      const table = sympsonHetter ? await exposureTable(deps.db, items, merged, config, (previous?.version ?? 0) + 1) : { exposure: {}, maxExposure: 0 };
      exposure = table.exposure;
      maxExposure = table.maxExposure;
    }
    version = await calling("postgres", () => writeVersion(deps.db, {
      changed,
      items: items.length,
      calibrated,
      config: { ...config },
      exposure,
      // Only a refit stores a table (the links in force are the newest version's that has one).
      links: linksRefitted ? links : null,
      // Kept per version, so the drift the alert watches can be read back run by run.
      scaleShift: changed.length > 0 ? scaleShift : null,
      now: new Date(deps.now),
    }));
  }
  if (version !== null) {
    const published = await calling("kv", () => deps.kv.get<Pick<PublishedCalibration, "version" | "linksRef">>(CALIBRATION_KV_KEY, "json"));
    // The links go to a key of their own (the bulk of what is published, read once per key by an
    // isolate); the document, read every minute, points at it.
    // Links not refitted and already published: the published pointer names this table, so it is
    // not encoded again (megabytes, every run); otherwise the table is encoded to name and write it.
    const same = !linksRefitted && links && published?.linksRef?.throughAttemptId === links.throughAttemptId && published.linksRef.maxPerItem === links.maxPerItem;
    const encoded = links && !same ? encodeLinks(links) : null;
    const linksRef = same ? (published?.linksRef ?? null) : links && encoded ? linksReference(links, encoded) : null;
    const previousKey = published?.linksRef?.key;
    if (wrote || published?.version !== version || previousKey !== linksRef?.key) {
      // The table first: no reader meets a pointer to a key that is not written yet.
      if (linksRef && encoded && previousKey !== linksRef.key) await calling("kv", () => deps.kv.put(linksRef.key, encoded));
      const doc: PublishedCalibration = {
        version,
        createdAt: deps.now,
        minResponses: config.minResponses,
        maxSe: config.maxSe,
        items: Object.fromEntries([...merged.values()].map((c) => [c.itemId, encodeCalibration(c)])),
        exposure,
        sympsonHetter,
        ...(linksRef ? { linksRef } : {}),
      };
      await calling("kv", () => deps.kv.put(CALIBRATION_KV_KEY, JSON.stringify(doc)));
      // The table the previous document pointed at: no new reader is sent there (one still on the
      // old document keeps the links it already read, or reads none until its next refresh).
      if (previousKey && previousKey !== linksRef?.key) await calling("kv", () => deps.kv.delete(previousKey));
    }
  }
  await calling("redis", () => deps.stats.releaseChanged());
  return { version, wrote, claimed: claimed.length, changed: changed.length, calibrated, items: items.length, maxExposure, linksRefitted, links: publishedLinkCount(links), scaleShift };
}

/**
 * Item links from the newest attempts (every learner's answers in order), each answer's residual
 * taken against the item's difficulty as learners are now served it (calibrated, else authored).
 */
async function itemLinks(db: Drizzle, items: ReadonlyMap<string, AuthoredItem>, calibrations: ReadonlyMap<string, ItemCalibration>, config: CalibrationJobConfig): Promise<PublishedLinks> {
  const read = await calling("postgres", () => answerSequences(db, config.linksMaxAnswers));
  const difficulty = (id: string) => calibrations.get(id)?.difficulty ?? items.get(id)?.difficulty ?? 0;
  const fitted = fitItemLinks(read.sequences.map((s) => s.answers.map((a) => ({ itemId: a.itemId, residual: answerResidual(difficulty(a.itemId), a.correct) }))));
  return publishLinksWithin(
    fitted,
    { answers: read.answers, learners: read.sequences.length, throughAttemptId: read.throughAttemptId },
    { maxPerItem: config.linksMaxPerItem, minSupport: config.linksMinSupport },
    config.linksMaxBytes,
  );
}

/**
 * Sympson–Hetter exposure parameters for the whole-course mock test over the pool as the CAT
 * will see it (calibrated items with their a, b, c; the rest with defaults), by the iterated
 * simulation of src/core/cat-sim.ts. Seeded by the version, so a rerun computes the same table.
 */
async function exposureTable(
  db: Drizzle,
  items: readonly AuthoredItem[],
  calibration: ReadonlyMap<string, ItemCalibration>,
  config: CalibrationJobConfig,
  seed: number,
): Promise<{ exposure: Record<string, number>; maxExposure: number }> {
  const skills = await listSkills(db);
  const course = courseBlueprint("all", skills);
  if (!course.ok) return { exposure: {}, maxExposure: 0 };
  const pool = buildPool(
    items.map((it) => {
      const c = calibration.get(it.id);
      return {
        id: it.id,
        skillIds: [it.primarySkillId],
        difficulty: c?.difficulty ?? it.difficulty,
        discrimination: c?.discrimination ?? it.discrimination,
        guessing: c?.guessing ?? it.guessing,
        calibrated: c?.status === "calibrated",
        choices: it.choiceCount === null ? undefined : Array.from({ length: it.choiceCount }),
      };
    }),
    course.value.strata,
  );
  const rng = mulberry32(seed);
  const thetas = Array.from({ length: config.exposureSimulees }, () => normalDraw(rng));
  const { params, history } = calibrateSympsonHetter(
    { pool, blueprint: course.value.blueprint, config: {} },
    { rMax: config.exposureTarget, rounds: config.exposureRounds, thetas, rng },
  );
  const exposure: Record<string, number> = {};
  for (const [id, k] of params) if (k < 1) exposure[id] = Math.round(k * 1e4) / 1e4;
  return { exposure, maxExposure: history[history.length - 1] ?? 0 };
}

/**
 * The Cron Trigger's entry (wrangler.toml `[triggers]`; locally `wrangler dev --test-scheduled`
 * serves it at `/__scheduled`, and the operator route `POST /v1/ops/calibration/run` runs the
 * same code on demand). One database connection for the run, ended with it.
 */
export async function scheduledCalibration(env: Env, now: number, config?: Partial<CalibrationJobConfig>, ctx?: { waitUntil(p: Promise<unknown>): void }): Promise<CalibrationRun> {
  const c = parseConfig(env);
  const database = createDatabase({ url: c.DATABASE_URL, wsProxy: c.NEON_WS_PROXY, max: 1 });
  try {
    const stats = createItemStats({ url: c.UPSTASH_REDIS_REST_URL, token: c.UPSTASH_REDIS_REST_TOKEN, prefix: c.ITEM_STATS_KEY_PREFIX });
    const run = await runCalibration({ db: database.write, stats, kv: env.CONTENT, now, ...(config ? { config } : {}) });
    console.log(`calibration: version ${run.version ?? "none"}${run.wrote ? " (new)" : ""}, ${run.changed} items refitted of ${run.claimed} changed, ${run.calibrated}/${run.items} calibrated, scale shift ${run.scaleShift.toFixed(3)}`);
    if (ctx) reportScaleShift(env, ctx, run);
    return run;
  } finally {
    await database.end();
  }
}

/**
 * The `calibration_scale_shift` gauge: |shift| of a run that refitted items (alert
 * CalibrationScaleDrift). A shift that stays large run after run says the learners' anchors
 * disagree with the authored scale, most likely learning the knowledge model does not follow
 * (reports/calibration.md, "Learners who learn"); runs that fitted nothing report nothing.
 */
export function reportScaleShift(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, run: Pick<CalibrationRun, "changed" | "scaleShift">): void {
  if (run.changed > 0) reportGauge(env, ctx, "calibration_scale_shift", Math.abs(run.scaleShift));
}
