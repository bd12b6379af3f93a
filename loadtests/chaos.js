// @ts-check
/**
 * k6 scenario "chaos": 1,000 users for 20 minutes; a dependency (Postgres) fails at 5 min and returns at 12.
 * Run from the repository root (k6 v1.x), e.g. scaled down against `npm start`:
 *   k6 run -e BASE_URL=http://127.0.0.1:8787 -e JWT_SECRET=… -e USERS=20 -e THINK_SCALE=0.1 -e DURATION=2m loadtests/chaos.js
 * See loadtests/README.md for every variable. Writes reports/capacity/chaos.md and .json.
 */
import { SharedArray } from "k6/data";
import { buildOptions } from "./lib/scenarios.js";
import { capacitySummary, learnerStep as step, fault } from "./lib/flow.js";

const answerKey = new SharedArray("answer-key", () => JSON.parse(open("./data/answer-key.json")));

export const options = buildOptions("chaos", __ENV);

export function learnerStep() {
  step(answerKey);
}

/** Halfway in: make a dependency fail (CHAOS_START_URL), then recover it (CHAOS_STOP_URL). */
export function faultStart() {
  fault(__ENV.CHAOS_START_URL, "dependency down");
}
export function faultStop() {
  fault(__ENV.CHAOS_STOP_URL, "dependency back");
}
/** @param {any} data */
export function handleSummary(data) {
  return capacitySummary("chaos", data);
}
