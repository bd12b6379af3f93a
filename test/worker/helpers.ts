/** Helpers for tests that run inside workerd against the real bindings. */
import { SELF, createExecutionContext, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { mintLearnerToken } from "../../src/auth/learner-token";
import { createDatabase } from "../../src/db/client";
import { countLearnerAttempts } from "../../src/db/learners";
import { parseConfig } from "../../workers/api/lib/env";
import worker from "../../workers/api/index";
import { writerName } from "../../workers/writer/writer-do";
import { LearnerStore } from "../../workers/learner/store";
import type { JsonText, RpcResult } from "../../workers/learner/types";

/** The bindings vitest.workers.config.ts adds on top of wrangler.toml's (local-only ones are not in Env). */
export const testEnv = env as typeof env & {
  NEON_WS_PROXY: string;
  OPS_TOKEN: string;
  /** Set when TEST_REDIS_URL is (vitest.workers.config.ts): this run's Upstash endpoint and key prefix. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  ITEM_STATS_KEY_PREFIX?: string;
};

export async function tokenFor(learnerId: string): Promise<string> {
  return mintLearnerToken(learnerId, env.JWT_SECRET);
}

export async function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`https://api.test${path}`, { ...init, headers, body });
}

/**
 * One request straight through the API worker's fetch handler in this isolate, with some
 * bindings or vars replaced (a failing KV, rate limits enforced, ENVIRONMENT=local …).
 */
export async function fetchWith(request: Request, overrides: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Asserts an RFC 9457 body and returns it. */
export async function problem(res: Response): Promise<{ type: string; title: string; status: number; detail: string; requestId: string; invalidParams?: Array<{ name: string; reason: string }> }> {
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")} (${res.status}): ${await res.text()}`);
  }
  return json(res);
}

let counter = 0;
/** A learner id unique to this test run, so tests never share a Durable Object. */
export function uniqueLearner(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}`;
}

/** A learner's Durable Object. */
export function learnerStub(learnerId: string) {
  return env.LEARNER.get(env.LEARNER.idFromName(learnerId));
}

/** The writer shard a learner's outbox goes to (or the writer named in a test's `useWriter`). */
export function writerStub(learnerIdOrName: string, named = false) {
  const name = named ? learnerIdOrName : writerName(learnerIdOrName, parseConfig(env).OUTBOX_WRITER_SHARDS);
  return env.WRITER.get(env.WRITER.idFromName(name));
}

/**
 * Carries a learner's outbox all the way to Postgres: the learner's alarm until it has
 * handed everything to its writer, then the writer's alarm until the writer is empty.
 */
export async function drainOutbox(learnerId: string, writer = writerStub(learnerId)): Promise<void> {
  for (let i = 0; i < 10 && (await runDurableObjectAlarm(learnerStub(learnerId))); i++);
  for (let i = 0; i < 10 && (await runDurableObjectAlarm(writer)); i++);
}

/** The learner's attempts in Postgres, read through the worker's own driver. */
export async function postgresAttempts(learnerId: string): Promise<number> {
  const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
  try {
    return await countLearnerAttempts(db.read, learnerId);
  } finally {
    await db.end();
  }
}

/** A learner object's answer as the route reads it: its JSON text parsed (workers/learner/types.ts `JsonText`). */
export function parsed<T>(result: RpcResult<JsonText<T>>): RpcResult<T> {
  return result.ok ? { ok: true, value: JSON.parse(result.value) as T } : result;
}

/** Runs `fn` inside a new learner object on a LearnerStore with its tables created (`label` names the learner). */
export async function withLearnerStore(label: string, fn: (store: LearnerStore, storage: DurableObjectStorage) => void): Promise<void> {
  const stub = env.LEARNER.get(env.LEARNER.idFromName(uniqueLearner(label)));
  await runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) => {
    const store = new LearnerStore(state.storage);
    store.open();
    store.ensureSchema();
    fn(store, state.storage);
  });
}

/**
 * Every statement `storage.sql.exec` runs until `restore()`, with its cursor (read
 * `rowsRead` once the caller has consumed it).
 */
export function watchStatements(storage: DurableObjectStorage): { statements: Array<{ query: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }>; restore(): void } {
  const sql = storage.sql as { exec: SqlStorage["exec"] };
  const exec = storage.sql.exec.bind(storage.sql);
  const statements: Array<{ query: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }> = [];
  sql.exec = ((query: string, ...bindings: unknown[]) => {
    const cursor = exec(query, ...bindings);
    statements.push({ query, cursor });
    return cursor;
  }) as SqlStorage["exec"];
  return { statements, restore: () => void (sql.exec = exec) };
}
