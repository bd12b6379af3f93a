// @ts-check
/**
 * k6 scenario "spike": 1,000 users, then 5× within 10 seconds for 5 minutes, then back.
 * Run from the repository root (k6 v1.x), e.g. scaled down against `npm start`:
 *   k6 run -e BASE_URL=http://127.0.0.1:8787 -e JWT_SECRET=… -e USERS=20 -e THINK_SCALE=0.1 -e DURATION=2m loadtests/spike.js
 * See loadtests/README.md for every variable. Writes reports/capacity/spike.md and .json.
 */
import { SharedArray } from "k6/data";
import { buildOptions } from "./lib/scenarios.js";
import { capacitySummary, learnerStep as step } from "./lib/flow.js";

const answerKey = new SharedArray("answer-key", () => JSON.parse(open("./data/answer-key.json")));

export const options = buildOptions("spike", __ENV);

export function learnerStep() {
  step(answerKey);
}

/** @param {any} data */
export function handleSummary(data) {
  return capacitySummary("spike", data);
}
