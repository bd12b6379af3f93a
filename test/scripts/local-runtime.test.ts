/**
 * The local runtime every serve mode and the worker tests run on: the workerd package.json pins
 * through npm `overrides` (README, "The local runtime"), not the 1.20260426.1 that miniflare and
 * wrangler would bring. That one had a use-after-free in its Durable Object container (crashed
 * local runs with 10,000 learners; fixed in 1.20260619.1) and a 512 MiB cap on all SQLite memory
 * in the process (gone for local runs from 1.20260625.1).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The release date part of a workerd version: 1.20260625.1 → 20260625. */
function releaseOf(version: string): number {
  const m = /^1\.(\d{8})\.\d+$/.exec(version);
  if (!m?.[1]) throw new Error(`not a workerd version: ${version}`);
  return Number(m[1]);
}

/** The workerd version `fromPackage` resolves (its own copy if npm nested one). */
function workerdSeenBy(fromPackage: string): string {
  const from = createRequire(join(process.cwd(), "node_modules", fromPackage, "package.json"));
  return (from("workerd/package.json") as { version: string }).version;
}

describe("the local runtime", () => {
  it("is a workerd with the container fix and no local SQLite memory cap, for every package that starts one", () => {
    // @cloudflare/vitest-pool-workers starts workerd through these two.
    const versions = ["miniflare", "wrangler"].map((p) => [p, workerdSeenBy(p)] as const);
    for (const [pkg, version] of versions) expect(releaseOf(version), `${pkg} runs workerd ${version}`).toBeGreaterThanOrEqual(20260625);
    // One binary for all of them: what the benchmarks measure is what the tests run.
    expect(new Set(versions.map(([, v]) => v)).size).toBe(1);
  });
});
