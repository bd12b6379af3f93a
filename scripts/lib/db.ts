/**
 * Node-side database helpers for scripts and tests: open the production driver (Neon Pool
 * through drizzle) from Node and apply migrations.
 */
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import ws from "ws";
import { createDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/client";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

export function openNodeDatabase(url: string, wsProxy: string | undefined): Database {
  // Idle connections close after a second: scripts share a small local database with the worker.
  return createDatabase({ url, wsProxy, webSocketConstructor: ws, max: 3, idleTimeoutMillis: 1_000 });
}

/** Applies pending migrations (drizzle's journal in the `drizzle` schema makes it idempotent). */
export async function migrateDatabase(db: Database): Promise<void> {
  await migrate(db.write, { migrationsFolder: MIGRATIONS_FOLDER });
}
