/** Values the global setups hand to tests (vitest `provide` / `inject`). */
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
  }
}
