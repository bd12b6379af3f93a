/** Helpers for tests that run inside workerd against the real bindings. */
import { SELF, env } from "cloudflare:test";
import { mintLearnerToken } from "../../src/auth/learner-token";

/** The bindings vitest.workers.config.ts adds on top of wrangler.toml's (local-only ones are not in Env). */
export const testEnv = env as typeof env & { NEON_WS_PROXY: string; OPS_TOKEN: string };

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
