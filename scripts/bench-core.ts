/**
 * `npm run bench:core`: the engine's ranking of 500 candidates (knowledge-model predictions
 * + unified scoring, `rankItems`) in Node, on the same fixture the worker's
 * /v1/ops/bench/score route uses, so the two numbers compare directly.
 */
import { benchFixture } from "../src/core/bench-fixture";
import { rankItems } from "../src/core/engine";

const f = benchFixture(500);
const block = 200;
const perBlock: number[] = [];
let sink = 0;
for (let b = 0; b < 30; b++) {
  const t0 = performance.now();
  for (let r = 0; r < block; r++) sink += rankItems(f.view, f.curriculum, f.items, "practice", f.now + r).ranked[0]?.score ?? 0;
  perBlock.push(((performance.now() - t0) / block) * 1000);
}
perBlock.sort((a, b) => a - b);
const q = (p: number) => perBlock[Math.floor(p * (perBlock.length - 1))] ?? Number.NaN;
console.log(`rankItems, 500 candidates (Node ${process.version}): median ${q(0.5).toFixed(0)} µs, p90 ${q(0.9).toFixed(0)} µs per ranking (checksum ${sink.toFixed(1)})`);
