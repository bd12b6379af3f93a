import type { Config } from "./env";
import type { Timing } from "./timing";
import type { Services } from "./services";

/** Hono generics for the API worker: bindings from `wrangler types`, per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    timing: Timing;
    config: Config;
    services: Services;
  };
}
