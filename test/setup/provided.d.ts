/** Values the global setups hand to tests (vitest `provide` / `inject`). */
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
    /** Upstash-compatible REST endpoint over the machine's Redis, or null when TEST_REDIS_URL is unset. */
    upstash: { url: string; token: string } | null;
  }
}
