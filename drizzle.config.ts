import { defineConfig } from "drizzle-kit";

/** `npm run db:generate` writes SQL migrations from src/db/schema.ts; offline, no database needed. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
