/** Drives a learner through the real HTTP API, answering from the item bank's answer keys. */
import { expect } from "vitest";
import type { Item } from "../../src/content/schema";
import { createDatabase } from "../../src/db/client";
import { getItem } from "../../src/db/content";
import type { AttemptResult, GradedAttemptResult, NextResult } from "../../workers/learner/types";
import { api, json, testEnv, tokenFor } from "./helpers";

const bank = new Map<string, Item>();

/** The full item (with its answer key), read from Postgres through the worker's own driver. */
export async function fullItem(id: string): Promise<Item> {
  const hit = bank.get(id);
  if (hit) return hit;
  const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
  try {
    const item = await getItem(db.read, id);
    if (!item) throw new Error(`no item ${id}`);
    bank.set(id, item);
    return item;
  } finally {
    await db.end();
  }
}

export function rightResponse(item: Item): unknown {
  const a = item.answer;
  if (a.type === "choice") return a.index;
  if (a.type === "numeric") return a.value;
  return a.accepted[0];
}

export function wrongResponse(item: Item): unknown {
  const a = item.answer;
  if (a.type === "choice") return (a.index + 1) % (item.choices?.length ?? 2);
  if (a.type === "numeric") return a.value + 1000;
  return "definitely wrong";
}

export class LearnerClient {
  private n = 0;
  constructor(
    readonly id: string,
    private readonly token: string,
  ) {}

  static async create(id: string): Promise<LearnerClient> {
    return new LearnerClient(id, await tokenFor(id));
  }

  async next(mode: "practice" | "review" = "practice"): Promise<NextResult> {
    const res = await api(`/v1/learners/${this.id}/next`, { method: "POST", token: this.token, json: { mode } });
    expect(res.status, await res.clone().text()).toBe(200);
    return json<NextResult>(res);
  }

  async attemptRaw(body: Record<string, unknown>): Promise<Response> {
    return api(`/v1/learners/${this.id}/attempts`, { method: "POST", token: this.token, json: body });
  }

  /** Answers a practice or review item: always graded (feedback is withheld only in a running mock test). */
  async answer(itemId: string, correct: boolean, clientAttemptId = `${this.id}-a${++this.n}`): Promise<GradedAttemptResult> {
    const item = await fullItem(itemId);
    const res = await this.attemptRaw({ clientAttemptId, itemId, response: correct ? rightResponse(item) : wrongResponse(item), responseMs: 12_000 });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = await json<AttemptResult>(res);
    if (result.withheld) throw new Error(`feedback withheld for practice item ${itemId}`);
    return result;
  }

  async progress(): Promise<Record<string, unknown> & { attempts: number; skills: Array<{ skillId: string; mastered: boolean; ready: boolean; attempts: number; mean: number }>; outbox: { pending: number; failures: number } }> {
    const res = await api(`/v1/learners/${this.id}/progress`, { token: this.token });
    expect(res.status).toBe(200);
    return json(res);
  }
}
