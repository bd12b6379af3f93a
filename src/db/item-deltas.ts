/**
 * The `item_stat_deltas` queue (src/db/schema.ts): aggregates committed with their attempts,
 * waiting for Redis. A writer shard reads back its own backlog after a restart or while Redis
 * was away; on the normal path it sends the delta its transaction just wrote without reading.
 */
import { and, asc, count, eq, notInArray, sum } from "drizzle-orm";
import type { Drizzle } from "./client";
import { itemStatDeltas } from "./schema";
import type { WrittenDelta } from "./learners";

/** The oldest deltas of `shard`, skipping those already acknowledged (their delete is still pending). */
export async function pendingDeltas(db: Drizzle, shard: string, skip: readonly string[], limit = 100): Promise<WrittenDelta[]> {
  const where = skip.length > 0 ? and(eq(itemStatDeltas.shard, shard), notInArray(itemStatDeltas.id, [...skip])) : eq(itemStatDeltas.shard, shard);
  return db
    .select({ id: itemStatDeltas.id, attempts: itemStatDeltas.attempts, payload: itemStatDeltas.payload })
    .from(itemStatDeltas)
    .where(where)
    .orderBy(asc(itemStatDeltas.createdAt), asc(itemStatDeltas.id))
    .limit(limit);
}

/** Deltas and the attempts they carry, over all shards (operators, the degraded-mode metric). */
export async function deltaBacklog(db: Drizzle): Promise<{ deltas: number; attempts: number }> {
  const [row] = await db.select({ deltas: count(), attempts: sum(itemStatDeltas.attempts).mapWith(Number) }).from(itemStatDeltas);
  return { deltas: row?.deltas ?? 0, attempts: row?.attempts ?? 0 };
}
