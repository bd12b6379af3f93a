/**
 * Monthly cost projection for this design, the way the original capacity plan priced its
 * own ($2.18 → $1.14 per user per month): a load (learners, requests per learner per day,
 * endpoint mix) × what each request costs in each billed resource × unit prices
 * (config/pricing.json). Pure: scripts/cost.ts reads the files and writes the report.
 *
 * The per-request resource profile is an estimate from the code path (one Durable Object
 * call for each learner request, a KV read for content, the outbox flushing attempts in
 * batches, Upstash counters per attempt); every number is a named assumption below, so a
 * measured profile can replace it.
 */

export interface PriceLine {
  included?: number;
  price: number;
  /** How much of the resource `price` buys (default 1). */
  unit?: number;
  source: string;
  date: string;
  note?: string;
}

export interface Pricing {
  currency: string;
  asOf: string;
  cloudflare: {
    workersPaidBaseMonthly: PriceLine;
    workerRequests: PriceLine;
    workerCpuMs: PriceLine;
    doRequests: PriceLine;
    doDurationGbS: PriceLine;
    doRowsRead: PriceLine;
    doRowsWritten: PriceLine;
    doStorageGbMonth: PriceLine;
    kvReads: PriceLine;
    kvWrites: PriceLine;
    kvStorageGbMonth: PriceLine;
    analyticsEngineDataPoints: PriceLine;
  };
  neon: { computeCuHour: PriceLine; storageGbMonth: PriceLine };
  upstash: { commands: PriceLine; storageGbMonth: PriceLine };
}

export const COST_ENDPOINTS = ["next", "attempt", "progress", "content", "search", "mock"] as const;
export type CostEndpoint = (typeof COST_ENDPOINTS)[number];

/** What one request of an endpoint uses. */
export interface EndpointProfile {
  workerCpuMs: number;
  doRequests: number;
  /** Wall time the Durable Object is active for it, ms. */
  doActiveMs: number;
  doRowsRead: number;
  doRowsWritten: number;
  kvReads: number;
  kvWrites: number;
  redisCommands: number;
}

export const DEFAULT_PROFILE: Readonly<Record<CostEndpoint, EndpointProfile>> = {
  // JWT check + routing in the worker; in the object: ranking from cache or a fresh score
  // (~0.15 ms for 500 candidates), content mostly from the object's memory (1 KV read in 5).
  next: { workerCpuMs: 1.5, doRequests: 1, doActiveMs: 12, doRowsRead: 15, doRowsWritten: 2, kvReads: 0.2, kvWrites: 0, redisCommands: 0 },
  // One storage transaction (skill states, memory, attempt, outbox, meta); global item counters in
  // Upstash: replaced by the measured figure (scripts/bench-redis.ts) when npm run cost finds it.
  attempt: { workerCpuMs: 1.5, doRequests: 1, doActiveMs: 10, doRowsRead: 10, doRowsWritten: 8, kvReads: 0, kvWrites: 0, redisCommands: 3 },
  progress: { workerCpuMs: 1.5, doRequests: 1, doActiveMs: 6, doRowsRead: 40, doRowsWritten: 0, kvReads: 0, kvWrites: 0, redisCommands: 0 },
  // KV read-through: one read; a write only on a miss (2 % at a 300 s TTL).
  content: { workerCpuMs: 0.7, doRequests: 0, doActiveMs: 0, doRowsRead: 0, doRowsWritten: 0, kvReads: 1, kvWrites: 0.02, redisCommands: 0 },
  // Short-TTL cache: misses (30 %) query Postgres and write the cache.
  search: { workerCpuMs: 1, doRequests: 0, doActiveMs: 0, doRowsRead: 0, doRowsWritten: 0, kvReads: 1, kvWrites: 0.3, redisCommands: 0 },
  mock: { workerCpuMs: 1.5, doRequests: 1, doActiveMs: 15, doRowsRead: 30, doRowsWritten: 4, kvReads: 0.2, kvWrites: 0, redisCommands: 0 },
};

export interface CostAssumptions {
  daysPerMonth: number;
  hoursPerMonth: number;
  /** Attempts per outbox flush (one alarm, one Postgres transaction). */
  attemptsPerFlush: number;
  /** Active time of one flush (Postgres round trips), ms. */
  flushActiveMs: number;
  /** Rows written per flushed attempt in the object (outbox delete, meta). */
  flushRowsWrittenPerAttempt: number;
  /** Billed memory per active object, GB (128 MB). */
  doGb: number;
  /** Neon: compute always on (no scale to zero in production), plus a read replica. */
  neonMinCu: number;
  neonReplicaCu: number;
  /** Attempts per second one CU absorbs as batched inserts (with reads for search and hydration). */
  neonAttemptsPerSecondPerCu: number;
  /** Postgres bytes per attempt row with its indexes. */
  pgBytesPerAttempt: number;
  /** Months of attempts held (storage grows: this prices the steady month after N months). */
  monthsOfHistory: number;
  pgBaseGb: number;
  doBytesPerLearner: number;
  kvStorageGb: number;
  redisStorageGb: number;
  /** Analytics Engine data points per request (the per-request sink). */
  analyticsPointsPerRequest: number;
}

export const DEFAULT_ASSUMPTIONS: Readonly<CostAssumptions> = {
  daysPerMonth: 30.44,
  hoursPerMonth: 730,
  attemptsPerFlush: 10,
  flushActiveMs: 40,
  flushRowsWrittenPerAttempt: 2,
  doGb: 0.128,
  neonMinCu: 0.5,
  neonReplicaCu: 0.25,
  neonAttemptsPerSecondPerCu: 400,
  pgBytesPerAttempt: 300,
  monthsOfHistory: 12,
  pgBaseGb: 0.5,
  doBytesPerLearner: 200_000,
  kvStorageGb: 0.2,
  redisStorageGb: 0.05,
  analyticsPointsPerRequest: 1,
};

export interface Load {
  learners: number;
  requestsPerLearnerPerDay: number;
  /** Share of requests per endpoint (normalised here). */
  mix: Partial<Record<CostEndpoint, number>>;
}

/** Our k6 flow's mix (loadtests/lib/flow.js), as shares of requests, and ~30 minutes of study a day. */
export const DEFAULT_LOAD: Readonly<Load> = {
  learners: 10_000,
  requestsPerLearnerPerDay: 250,
  mix: { next: 0.385, attempt: 0.375, progress: 0.075, content: 0.11, search: 0.03, mock: 0.025 },
};

export interface CostLine {
  service: "Workers" | "Durable Objects" | "KV" | "Analytics Engine" | "Neon" | "Upstash";
  item: string;
  quantity: number;
  included: number;
  billable: number;
  unitLabel: string;
  price: number;
  unit: number;
  cost: number;
}

export interface CostReport {
  load: Load;
  requestsPerMonth: number;
  byEndpoint: Record<CostEndpoint, number>;
  lines: CostLine[];
  byService: Record<string, number>;
  total: number;
  perLearner: number;
}

function line(service: CostLine["service"], item: string, quantity: number, p: PriceLine, unitLabel: string): CostLine {
  const included = p.included ?? 0;
  const unit = p.unit ?? 1;
  const billable = Math.max(0, quantity - included);
  return { service, item, quantity, included, billable, unitLabel, price: p.price, unit, cost: (billable / unit) * p.price };
}

export function normaliseMix(mix: Partial<Record<CostEndpoint, number>>): Record<CostEndpoint, number> {
  const total = COST_ENDPOINTS.reduce((a, e) => a + Math.max(0, mix[e] ?? 0), 0);
  if (!(total > 0)) throw new Error("the mix needs at least one endpoint with a positive share");
  return Object.fromEntries(COST_ENDPOINTS.map((e) => [e, Math.max(0, mix[e] ?? 0) / total])) as Record<CostEndpoint, number>;
}

/** Average attempts per second of a load (the rate the Redis benchmark is read at). */
export function attemptsPerSecond(load: Load): number {
  return (load.learners * load.requestsPerLearnerPerDay * normaliseMix(load.mix).attempt) / 86_400;
}

/**
 * Redis commands per attempt at `rate` attempts per second, from the benchmark's rows
 * (scripts/bench-redis.ts): linear in log(rate) between measured rates, the nearest row
 * outside them (writers batch more with load, so beyond the largest rate this overstates).
 */
export function redisCommandsAt(rows: ReadonlyArray<{ attemptsPerSecond: number; commandsPerAttempt: number }>, rate: number): number {
  const sorted = [...rows].filter((r) => r.attemptsPerSecond > 0).sort((x, y) => x.attemptsPerSecond - y.attemptsPerSecond);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) throw new Error("no benchmark rows");
  if (rate <= first.attemptsPerSecond) return first.commandsPerAttempt;
  if (rate >= last.attemptsPerSecond) return last.commandsPerAttempt;
  for (let i = 1; i < sorted.length; i++) {
    const lo = sorted[i - 1];
    const hi = sorted[i];
    if (!lo || !hi || rate > hi.attemptsPerSecond) continue;
    const t = Math.log(rate / lo.attemptsPerSecond) / Math.log(hi.attemptsPerSecond / lo.attemptsPerSecond);
    return lo.commandsPerAttempt + t * (hi.commandsPerAttempt - lo.commandsPerAttempt);
  }
  return last.commandsPerAttempt;
}

export function projectCost(
  pricing: Pricing,
  load: Load,
  profile: Readonly<Record<CostEndpoint, EndpointProfile>> = DEFAULT_PROFILE,
  a: Readonly<CostAssumptions> = DEFAULT_ASSUMPTIONS,
): CostReport {
  const mix = normaliseMix(load.mix);
  const requestsPerMonth = load.learners * load.requestsPerLearnerPerDay * a.daysPerMonth;
  const byEndpoint = Object.fromEntries(COST_ENDPOINTS.map((e) => [e, requestsPerMonth * mix[e]])) as Record<CostEndpoint, number>;
  const sum = (f: (p: EndpointProfile) => number) => COST_ENDPOINTS.reduce((acc, e) => acc + byEndpoint[e] * f(profile[e]), 0);

  const attempts = byEndpoint.attempt;
  const flushes = attempts / a.attemptsPerFlush;
  const cf = pricing.cloudflare;
  const doActiveSeconds = (sum((p) => p.doActiveMs) + flushes * a.flushActiveMs) / 1000;
  const attemptsPerSecond = attempts / (a.daysPerMonth * 86_400);
  const cu = a.neonMinCu + a.neonReplicaCu + attemptsPerSecond / a.neonAttemptsPerSecondPerCu;
  const pgGb = a.pgBaseGb + (attempts * a.monthsOfHistory * a.pgBytesPerAttempt) / 1e9;

  const lines: CostLine[] = [
    line("Workers", "Workers Paid plan (minimum)", 1, { ...cf.workersPaidBaseMonthly, included: 0 }, "month"),
    line("Workers", "requests", requestsPerMonth, cf.workerRequests, "requests"),
    line("Workers", "CPU time", sum((p) => p.workerCpuMs), cf.workerCpuMs, "CPU-ms"),
    line("Durable Objects", "requests (RPC + outbox alarms)", sum((p) => p.doRequests) + flushes, cf.doRequests, "requests"),
    line("Durable Objects", "duration", doActiveSeconds * a.doGb, cf.doDurationGbS, "GB-s"),
    line("Durable Objects", "SQLite rows read", sum((p) => p.doRowsRead), cf.doRowsRead, "rows"),
    line("Durable Objects", "SQLite rows written", sum((p) => p.doRowsWritten) + attempts * a.flushRowsWrittenPerAttempt, cf.doRowsWritten, "rows"),
    line("Durable Objects", "SQLite storage", (load.learners * a.doBytesPerLearner) / 1e9, cf.doStorageGbMonth, "GB-month"),
    line("KV", "reads", sum((p) => p.kvReads), cf.kvReads, "reads"),
    line("KV", "writes", sum((p) => p.kvWrites), cf.kvWrites, "writes"),
    line("KV", "storage", a.kvStorageGb, cf.kvStorageGbMonth, "GB-month"),
    line("Analytics Engine", "data points", requestsPerMonth * a.analyticsPointsPerRequest, cf.analyticsEngineDataPoints, "points"),
    line("Neon", `compute (${cu.toFixed(2)} CU always on: primary, replica, batched writes)`, cu * a.hoursPerMonth, pricing.neon.computeCuHour, "CU-hours"),
    line("Neon", `storage (${a.monthsOfHistory} months of attempts)`, pgGb, pricing.neon.storageGbMonth, "GB-month"),
    line("Upstash", "commands", sum((p) => p.redisCommands), pricing.upstash.commands, "commands"),
    line("Upstash", "storage", a.redisStorageGb, pricing.upstash.storageGbMonth, "GB-month"),
  ];
  const byService: Record<string, number> = {};
  for (const l of lines) byService[l.service] = (byService[l.service] ?? 0) + l.cost;
  const total = lines.reduce((acc, l) => acc + l.cost, 0);
  return { load: { ...load, mix }, requestsPerMonth, byEndpoint, lines, byService, total, perLearner: load.learners > 0 ? total / load.learners : Number.NaN };
}

/**
 * A load from a load-test result: the per-user request rate and mix it measured, for a
 * stated population. `requests` per endpoint over `durationSeconds` with `users`
 * concurrent; each learner studies `minutesPerDay`.
 */
export function loadFromLoadTest(
  result: { requests: Partial<Record<CostEndpoint, number>>; durationSeconds: number; users: number },
  learners: number,
  minutesPerDay: number,
): Load {
  const total = COST_ENDPOINTS.reduce((acc, e) => acc + (result.requests[e] ?? 0), 0);
  if (!(total > 0) || !(result.durationSeconds > 0) || !(result.users > 0)) throw new Error("the load-test result has no requests, duration or users");
  const perUserPerSecond = total / result.durationSeconds / result.users;
  return { learners, requestsPerLearnerPerDay: perUserPerSecond * minutesPerDay * 60, mix: { ...result.requests } };
}
