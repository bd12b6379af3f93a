/**
 * `DATABASE_URL=… npx tsx scripts/migrate.ts`: applies pending migrations to a Postgres
 * server (Neon in production) with the same driver the worker uses. Idempotent.
 * Set NEON_WS_PROXY=host:port to go through a local relay instead of Neon's own.
 */
import { migrateDatabase, openNodeDatabase } from "./lib/db";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is required (for the embedded database, `npm start` migrates by itself)");
  process.exit(2);
}
const db = openNodeDatabase(url, process.env.NEON_WS_PROXY);
const t0 = performance.now();
try {
  await migrateDatabase(db);
  console.log(`migrations applied to ${new URL(url).host} in ${Math.round(performance.now() - t0)} ms`);
} finally {
  await db.end();
}
