/**
 * Sending an answer safely. The attempt id is chosen once, when the item is shown, and every
 * re-send carries the same id: the server records an attempt once per id and answers a
 * repeat with the first result, so a request lost on the way back (offline blip, reset
 * connection, a 503 from a busy learner object) is re-sent without a second attempt.
 */
import { ApiProblem, api, call, learnerPath } from "./api/client";
import type { AttemptResult } from "./api/client";

const MAX_RETRIES = 6;

export interface AttemptBody {
  clientAttemptId: string;
  itemId: string;
  response: string | number;
  responseMs: number;
  /** Practice and review: the next item comes back with the answer (one request per step). */
  next?: "practice" | "review";
}

export const newAttemptId = (): string => crypto.randomUUID();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function submitAttempt(body: AttemptBody, onRetry: (attempt: number) => void): Promise<AttemptResult> {
  for (let n = 0; ; n++) {
    try {
      // openapi-fetch reads tuples (the next item's `why.targetBand`) as plain arrays; the
      // contract says two numbers.
      return (await call(() => api.POST("/v1/learners/{id}/attempts", { params: learnerPath(), body }))) as AttemptResult;
    } catch (err) {
      const retryable = err instanceof ApiProblem && (err.network || err.status === 503);
      if (!retryable || n >= MAX_RETRIES) throw err;
      onRetry(n + 1);
      await sleep(Math.min(4000, 300 * 2 ** n));
    }
  }
}
