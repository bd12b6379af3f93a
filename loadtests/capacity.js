// @ts-check
/**
 * k6 scenario "capacity": ramp to 10,000 users and hold 30 minutes: the plan's capacity target.
 * Run from the repository root (k6 v1.x), e.g. scaled down against `npm start`:
 *   k6 run -e BASE_URL=http://127.0.0.1:8787 -e JWT_SECRET=… -e USERS=20 -e THINK_SCALE=0.1 -e DURATION=2m loadtests/capacity.js
 * See loadtests/README.md for every variable. Writes reports/capacity/capacity.md and .json.
 */
import { SharedArray } from "k6/data";
import { buildOptions } from "./lib/scenarios.js";
import { capacitySummary, learnerStep as step } from "./lib/flow.js";

const answerKey = new SharedArray("answer-key", () => JSON.parse(open("./data/answer-key.json")));

export const options = buildOptions("capacity", __ENV);

export function learnerStep() {
  step(answerKey);
}

/** @param {any} data */
export function handleSummary(data) {
  return capacitySummary("capacity", data);
}
