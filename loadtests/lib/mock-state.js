// @ts-check
/**
 * What a virtual learner remembers about its mock test after each mock-test call, as pure
 * functions (no k6 import: test/ops/loadtests.test.ts checks them in Node).
 *
 * The API (workers/api/routes/mock-tests.ts, workers/learner/mock-runner.ts) allows one
 * running test per learner:
 * - start → 201 with `testId`; 409 when a test is still running, its problem+json `detail`
 *   naming the running test ("mock test <uuid> is still running; …"). A learner that lost
 *   track of its test (a failed or timed-out call) takes that id back instead of starting
 *   again and again: the old scripts forgot the id after one failed call and then got 409
 *   on every later start.
 * - next → 200 with the item (the same pending item again until it is answered), or
 *   `done: true` with the report once the test stopped (items, precision or time limit);
 *   404 when the test does not exist; 409 "changed meanwhile; ask again". Only 200-done
 *   and 404 mean the test is gone; after a 409, a 5xx or a network error the test is still
 *   running, so the learner keeps its id and asks again at its next mock step.
 * - an attempt on a mock item reports `mockTest.done` when that answer ended the test.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * The learner's running test after POST /mock-tests: its id, or null when none is known.
 * @param {number} status @param {any} body parsed JSON or null
 * @returns {{ testId: string, recovered: boolean } | null}
 */
export function testAfterStart(status, body) {
  if ((status === 200 || status === 201) && body && typeof body.testId === "string") return { testId: body.testId, recovered: false };
  if (status === 409 && body && typeof body.detail === "string") {
    const m = UUID.exec(body.detail);
    if (m) return { testId: m[0], recovered: true };
  }
  return null;
}

/**
 * Whether the learner still has its test after POST /mock-tests/{id}/next.
 * @param {number} status @param {any} body parsed JSON or null
 * @returns {"running" | "ended" | "gone"}
 */
export function testAfterNext(status, body) {
  if (status === 200) return body && body.done === true ? "ended" : "running";
  if (status === 404) return "gone";
  return "running";
}

/** Whether an attempt's result says it ended the learner's mock test. @param {any} result parsed attempt JSON or null */
export function attemptEndedTest(result) {
  return Boolean(result && result.mockTest && result.mockTest.done === true);
}
