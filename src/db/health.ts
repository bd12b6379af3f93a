/**
 * How full the database's connection slots are (0–1): server connections in use over
 * `max_connections`. Sampled now and then by learner objects after a flush (they are
 * connected anyway) and fed to the DatabaseConnections alerts.
 */
import { sql } from "drizzle-orm";
import type { Drizzle } from "./client";

export async function connectionUtilisation(db: Drizzle): Promise<number> {
  const result = await db.execute<{ used: number | string; max: number | string }>(
    sql`SELECT count(*) AS used, current_setting('max_connections') AS max FROM pg_stat_activity WHERE backend_type = 'client backend'`,
  );
  const row = result.rows[0];
  const used = Number(row?.used ?? 0);
  const max = Number(row?.max ?? 0);
  return max > 0 ? Math.min(1, used / max) : 0;
}
