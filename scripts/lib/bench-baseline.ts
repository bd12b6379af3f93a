/**
 * The benchmarks' bare baseline worker (workers/bench/baseline.ts: a bare Hono route and a bare
 * Durable Object SQLite write), built as wrangler would and returned as Miniflare options, to
 * load into the same workerd process as the platform (`startPlatform`'s `extraWorkers`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerOptions } from "miniflare";
import { buildWorkerBundle } from "./miniflare-runtime";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** `tree`: the checkout whose wrangler.toml dates and baseline source to use (this one by default). */
export async function baselineWorker(dataDir: string, tree: string = ROOT): Promise<WorkerOptions> {
  const toml = readFileSync(join(tree, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "2026-04-20";
  const flags = /^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(toml)?.[1] ?? "[]";
  const config = join(dataDir, "bench-baseline.toml");
  writeFileSync(
    config,
    [
      'name = "bench-baseline"',
      `main = "${join(tree, "workers/bench/baseline.ts")}"`,
      `compatibility_date = "${date}"`,
      `compatibility_flags = ${flags}`,
      "send_metrics = false",
      "[[durable_objects.bindings]]",
      'name = "BENCH_DO"',
      'class_name = "BenchDO"',
      "[[migrations]]",
      'tag = "v1"',
      'new_sqlite_classes = ["BenchDO"]',
      "",
    ].join("\n"),
  );
  const { entry } = await buildWorkerBundle({ outDir: join(dataDir, "bench-baseline"), configPath: config });
  return {
    name: "bench-baseline",
    modules: [{ type: "ESModule", path: entry }],
    modulesRoot: dirname(entry),
    compatibilityDate: date,
    compatibilityFlags: JSON.parse(flags) as string[],
    routes: ["*/__bench/*"],
    durableObjects: { BENCH_DO: { className: "BenchDO", useSQLite: true } },
  };
}
