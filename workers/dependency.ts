/**
 * Errors mean what they say. A call to something the platform depends on (Postgres, KV,
 * Redis, the model) that fails is an outage the client may wait out: 503 with Retry-After.
 * Anything else is a bug: 500, logged once with the request id, counted, alerted on.
 *
 * Calls to a dependency go through `calling`, which turns their failures into a
 * `DependencyError` and counts them; handlers and Durable Objects turn exactly that class
 * into a 503 and let everything else through. A Postgres error that says the statement is
 * wrong (syntax, data, constraint: SQLSTATE classes 22, 23, 42 …) is not an outage and
 * stays what it is.
 *
 * @example
 * const rows = await calling("postgres", () => searchItems(db.read, query));
 */
import type { CounterName } from "../src/ops/snapshot";
import { isolateMetrics } from "./metrics/client";

export type Dependency = "postgres" | "kv" | "redis" | "model";

export class DependencyError extends Error {
  constructor(
    readonly dependency: Dependency,
    cause: unknown,
  ) {
    super(`${dependency} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "DependencyError";
  }
}

/** SQLSTATE classes that blame the statement or the data, not the server's availability. */
const STATEMENT_FAULT = /^(?:2[0-9A-F]|3[4-9A-F]|4[2-4]|P0)/;

/** The SQLSTATE anywhere on the error's cause chain (drizzle wraps the driver's error). */
export function sqlStateOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isStatementFault(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state !== undefined && STATEMENT_FAULT.test(state);
}

/** Counts one failed call to `dependency` in this isolate's metrics. */
export function countFailure(dependency: Dependency): void {
  isolateMetrics.count(Date.now(), `dependency_failures_${dependency}` satisfies CounterName);
}

/** Runs a call to `dependency`; its failures (but not statement faults) become DependencyErrors. */
export async function calling<T>(dependency: Dependency, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DependencyError) throw err;
    if (dependency === "postgres" && isStatementFault(err)) throw err;
    countFailure(dependency);
    throw new DependencyError(dependency, err);
  }
}

/** Seconds a client should wait before retrying after `dependency` failed. */
export function retryAfterFor(dependency: Dependency): number {
  return dependency === "postgres" ? 2 : 1;
}
