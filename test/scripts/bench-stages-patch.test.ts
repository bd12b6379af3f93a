import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const patch = join(root, "scripts/patches/attempt-stages.patch");

/**
 * `npm run bench:stages` measures a warm attempt stage by stage by applying this patch to the
 * learner object in a temporary worktree: it must keep applying to the object as it is, and
 * stop the attempt at the stages the script names.
 */
describe("bench:stages' patch", () => {
  it("applies to the current learner object", () => {
    expect(() => execFileSync("git", ["apply", "--check", patch], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })).not.toThrow();
  });

  it("stops the attempt at every stage the script measures", () => {
    const text = readFileSync(patch, "utf8");
    const script = readFileSync(join(root, "scripts/bench-stages.ts"), "utf8");
    const stages = /const STAGES = \[([^\]]+)\]/.exec(script)?.[1]?.match(/"([a-z]+)"/g)?.map((s) => s.slice(1, -1));
    expect(stages).toEqual(["reach", "decide", "commit", "schedule", "full"]);
    for (const stage of ["reach", "decide", "full"]) expect(text).toContain(`stage === "${stage}"`);
    // "commit" stops before the hand-over is scheduled, "schedule" after it; only "full" ranks ahead.
    expect(text).toContain(`if (stage !== "commit") await this.scheduleFlush();`);
  });
});
