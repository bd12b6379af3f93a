/**
 * Configuration, parsed once per isolate at the edge of the worker. A bad environment fails
 * loudly with what is missing, instead of surfacing later as an odd runtime error.
 */
import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

export const configSchema = z
  .object({
    ENVIRONMENT: z.enum(["development", "local", "test", "staging", "production"]),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
    DATABASE_READ_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string")
      .optional(),
    /** host:port of the local Neon WebSocket relay (scripts/local/ws-proxy.ts). Local only. */
    NEON_WS_PROXY: z
      .string()
      .regex(/^[\w.-]+:\d+$/, "must be host:port")
      .optional(),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters"),
    OPS_TOKEN: z.string().min(16).optional(),
    UPSTASH_REDIS_REST_URL: z.string().url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    /** Prefix of every global item-statistics key in Redis (tests sharing one Redis use their own). */
    ITEM_STATS_KEY_PREFIX: z.string().max(64).regex(/^[\w:.-]*$/).default(""),
    /**
     * How long a writer shard collects item-statistics deltas before one Redis script sends them
     * (src/db/delta-sender.ts): fewer Redis commands per attempt; 0 sends after every transaction.
     */
    ITEM_STATS_SEND_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
    /** Bundled correctness model version scoring candidates ("off": the knowledge model alone). */
    CORRECTNESS_MODEL: z.string().regex(/^[a-z0-9.-]+$/).default("correctness-v2"),
    /**
     * The model that reads item links (features/3), used instead of CORRECTNESS_MODEL once the
     * links the calibration job published rest on at least LINKED_MODEL_MIN_ANSWERS answers
     * ("off": never; nothing switches while CORRECTNESS_MODEL is "off"). Below that a links
     * model predicts worse than one without (reports/eval.md, README "The correctness model").
     */
    LINKED_CORRECTNESS_MODEL: z.string().regex(/^[a-z0-9.-]+$/).default("correctness-v3"),
    LINKED_MODEL_MIN_ANSWERS: z.coerce.number().int().min(0).default(20_000),
    CONTENT_CACHE_TTL_SECONDS: seconds(300),
    SEARCH_CACHE_TTL_SECONDS: seconds(30),
    /**
     * How long a learner's object collects attempts before handing its outbox to its writer:
     * each hand-over is an alarm and an RPC, so a longer delay means fewer per attempt; the
     * attempts are durable in the object meanwhile, only Postgres sees them later.
     */
    OUTBOX_FLUSH_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** Outbox writer shards (workers/writer): learners are spread over this many writer objects. */
    OUTBOX_WRITER_SHARDS: z.coerce.number().int().min(1).max(256).default(2),
    /** How long a writer shard collects learners' rows before one Postgres transaction writes them. */
    OUTBOX_WRITER_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
    /**
     * Abuse limits (./rate-limit.ts): "enforce" refuses requests over the LIMIT_* bindings'
     * limits with 429; "off" skips them (the development default, so tests and `wrangler dev`
     * can run long flows for one learner). staging, production and local set "enforce".
     */
    RATE_LIMITS: z.enum(["enforce", "off"]).default("off"),
    /** Browser origins besides this worker's own that may call the API (./http-policy.ts); comma-separated. */
    CORS_ORIGINS: z
      .string()
      .default("")
      .transform((v) => v.split(",").map((o) => o.trim()).filter((o) => o.length > 0))
      .pipe(z.array(z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?$/, "origins are scheme://host[:port]"))),
  })
  .superRefine((c, ctx) => {
    if (c.NEON_WS_PROXY && (c.ENVIRONMENT === "production" || c.ENVIRONMENT === "staging")) {
      ctx.addIssue({ code: "custom", path: ["NEON_WS_PROXY"], message: "the local relay must not be used in staging or production" });
    }
    if (c.RATE_LIMITS === "off" && (c.ENVIRONMENT === "production" || c.ENVIRONMENT === "staging")) {
      ctx.addIssue({ code: "custom", path: ["RATE_LIMITS"], message: "staging and production must enforce rate limits" });
    }
    if (Boolean(c.UPSTASH_REDIS_REST_URL) !== Boolean(c.UPSTASH_REDIS_REST_TOKEN)) {
      ctx.addIssue({ code: "custom", path: ["UPSTASH_REDIS_REST_TOKEN"], message: "set both the Upstash URL and token, or neither" });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid worker configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

// Keyed by the env object: workerd hands the same object to every request of an isolate,
// and tests with different bindings get different objects.
const parsed = new WeakMap<object, Config>();

export function parseConfig(env: object): Config {
  const hit = parsed.get(env);
  if (hit) return hit;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
  }
  parsed.set(env, result.data);
  return result.data;
}
