/**
 * `npm run bench:stages`: where a warm attempt's workerd CPU goes, stage by stage, beside the
 * bare Durable Object route (issue 10's baseline for learner routes).
 *
 * The learner object is the shipped one with a small patch (scripts/patches/attempt-stages.patch,
 * applied in a temporary git worktree of `--ref`, never to the working tree) that lets one
 * request stop its attempt after a stage, named in its clientAttemptId (`stage:<name>:…`):
 *
 *   reach     the request reaches the learner's loaded object and is answered: the API worker
 *             (token, validation, the object call, the answer's mapping) and the object's
 *             readiness check; nothing is graded or written
 *   decide    + the attempt's loads and its decision (`decideAttempt`); nothing is written
 *   commit    + the attempt's commit (attempt log, outbox, state) and the in-memory follow-up
 *   schedule  + the outbox hand-over's timer and safety alarm
 *   full      + the next item ranked in the background: the shipped attempt
 *
 * Per round and stage, every learner asks for an item and answers it (unmeasured: the object
 * is awake and its outbox timer armed, as on the first answer of a practice stretch), asks
 * again, then answers with the stage's id: that window, with 500 ms after the last answer for
 * background work, is measured as workerd CPU per attempt (all its threads, /proc schedstat).
 * The bare route is measured right before, on objects warmed by a pass just before it.
 * Stages alternate order every round, all in one process: the differences between adjacent
 * stages are what each stage adds. Then an 11 s pause, so the hand-over (10 s after the first
 * answer) lands outside every window.
 *
 * Options: --ref (HEAD), --rounds (8), --learners (512), --out (reports/attempt-stages.md).
 * About 2.5 minutes a round with 512 learners. Needs git and Linux (/proc); port 8831. Data folder on
 * /dev/shm where there is one.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mintLearnerToken } from "../src/auth/learner-token";
import { median } from "../src/eval/metrics";
import { baselineWorker } from "./lib/bench-baseline";
import { descendantsNamed, threadsCpuMs } from "./lib/proc-cpu";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    ref: { type: "string", default: "HEAD" },
    rounds: { type: "string", default: "8" },
    learners: { type: "string", default: "512" },
    out: { type: "string", default: "reports/attempt-stages.md" },
  },
});
const ROUNDS = Number(values.rounds);
const LEARNERS = Number(values.learners);
if (!(ROUNDS >= 2 && LEARNERS >= 16)) throw new Error("--rounds ≥ 2 and --learners ≥ 16");
const STAGES = ["reach", "decide", "commit", "schedule", "full"] as const;
type Stage = (typeof STAGES)[number];
const WHAT: Record<Stage, string> = {
  reach: "the request reaches the loaded object and is answered (nothing graded or written)",
  decide: "+ the attempt's loads and decision (nothing written)",
  commit: "+ the attempt's commit and in-memory follow-up",
  schedule: "+ the hand-over's timer and safety alarm",
  full: "+ the next item ranked in the background: the shipped attempt",
};
const CONCURRENCY = 16;
const PATCH = join(root, "scripts/patches/attempt-stages.patch");
const log = (line: string) => console.log(`[bench:stages] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

async function pool<T>(xs: readonly T[], f: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let x = xs[i++]; x !== undefined; x = xs[i++]) await f(x);
    }),
  );
}

interface Learner {
  id: string;
  headers: Record<string, string>;
  item: { id: string; kind: string } | null;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "bench-stages-"));
  const tree = join(scratch, "tree");
  const dataDir = join(scratch, "data");
  const commit = git(root, "rev-parse", "--short", values.ref);
  git(root, "worktree", "add", "--detach", tree, values.ref);
  let stop: (() => Promise<void>) | null = null;
  try {
    try {
      git(tree, "apply", PATCH);
    } catch (err) {
      throw new Error(`${PATCH} does not apply to ${values.ref}'s workers/learner/learner-do.ts: bring the patch up to date (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    }
    symlinkSync(join(root, "node_modules"), join(tree, "node_modules"));
    // The worktree's own stack, so the patched object is what runs.
    const platformLib = (await import(join(tree, "scripts/lib/platform.ts"))) as typeof import("./lib/platform");
    log(`${values.ref} (${commit}) + ${PATCH.slice(root.length + 1)} in ${tree}; building and starting (the built bundle on Miniflare, embedded PGlite)`);
    // Paths such as the web app's Vite config are relative to the working directory.
    process.chdir(tree);
    const extra = await baselineWorker(scratch, tree);
    const platform = await platformLib.startPlatform({ port: 8831, dataDir, log: () => {}, quiet: true, wranglerLogLevel: "error", runtime: "miniflare", extraWorkers: [extra] });
    stop = () => platform.stop();
    const [workerd] = descendantsNamed("workerd");
    if (!workerd) throw new Error("no workerd process found");
    const base = platform.apiUrl;
    const plain = { "content-type": "application/json", "accept-encoding": "identity" };
    const learners: Learner[] = await Promise.all(
      Array.from({ length: LEARNERS }, async (_, i) => {
        const id = `stages-${i}`;
        return { id, headers: { ...plain, authorization: `Bearer ${await mintLearnerToken(id, platform.secrets.JWT_SECRET)}` }, item: null };
      }),
    );
    let serial = 0;
    let failures = 0;
    const next = async (L: Learner) => {
      const res = await fetch(`${base}/v1/learners/${L.id}/next`, { method: "POST", headers: L.headers, body: '{"mode":"practice"}' });
      const body = (await res.json()) as { item?: { id: string; kind: string } };
      if (!res.ok || !body.item) throw new Error(`next for ${L.id}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      L.item = body.item;
    };
    const attempt = async (L: Learner, stage: Stage | null) => {
      const item = L.item;
      if (!item) return;
      const clientAttemptId = `${stage ? `stage:${stage}:` : ""}${L.id}-${serial++}`;
      const res = await fetch(`${base}/v1/learners/${L.id}/attempts`, {
        method: "POST",
        headers: L.headers,
        body: JSON.stringify({ clientAttemptId, itemId: item.id, response: item.kind === "text" ? "not the answer" : 0, responseMs: 5_000 }),
      });
      await res.arrayBuffer();
      if (!res.ok) failures += 1;
    };
    const bare = async (L: Learner) => {
      const res = await fetch(`${base}/__bench/do/${L.id}`, { method: "POST" });
      await res.arrayBuffer();
      if (!res.ok) failures += 1;
    };
    const window = async (work: () => Promise<void>) => {
      const before = threadsCpuMs(workerd);
      await work();
      await sleep(500);
      return (threadsCpuMs(workerd) - before) / LEARNERS;
    };

    log(`warm-up: ${LEARNERS} learners, three answers each`);
    for (let k = 0; k < 3; k++) {
      await pool(learners, next);
      await pool(learners, (L) => attempt(L, null));
    }
    await pool(learners, bare);
    await sleep(11_000);

    const samples = new Map<string, number[]>();
    const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [...STAGES] : [...STAGES].reverse();
      const line: string[] = [];
      for (const stage of order) {
        await pool(learners, next);
        await pool(learners, (L) => attempt(L, null));
        await pool(learners, next);
        await pool(learners, bare);
        await sleep(300);
        const b = await window(() => pool(learners, bare));
        const s = await window(() => pool(learners, (L) => attempt(L, stage)));
        add("bare", b);
        add(stage, s);
        add(`${stage}/bare`, s / b);
        line.push(`${stage} ${s.toFixed(3)} (bare ${b.toFixed(3)})`);
        await sleep(11_000);
      }
      log(`round ${round + 1}/${ROUNDS}: ${line.join(" · ")} ms per request`);
    }

    const bareMedian = median(samples.get("bare") ?? []);
    const rows = STAGES.map((stage, i) => {
      const xs = samples.get(stage) ?? [];
      const m = median(xs);
      const prev = i > 0 ? median(samples.get(STAGES[i - 1] as Stage) ?? []) : bareMedian;
      const d = m - prev;
      const ratios = samples.get(`${stage}/bare`) ?? [];
      return `| ${stage} | ${WHAT[stage]} | ${m.toFixed(3)} | ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(3)}${i === 0 ? " (against the bare route)" : ""} | ${xs.map((x) => x.toFixed(2)).join(" / ")} |`;
    });
    const report = [
      "# A warm attempt, stage by stage",
      "",
      `Generated by \`npm run bench:stages\` (scripts/bench-stages.ts) on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${values.ref} (${commit}) with scripts/patches/attempt-stages.patch, the built bundle on Miniflare, embedded PGlite, ${LEARNERS} learners, ${ROUNDS} rounds, stages alternating order every round in one process. workerd CPU per request from /proc (all threads, schedstat), each window with 500 ms for background work.`,
      "",
      `Bare Durable Object route with one SQLite write (workers/bench/baseline.ts), measured right beside every stage: **${bareMedian.toFixed(3)} ms** (median of ${samples.get("bare")?.length ?? 0} windows). Issue 10's target for warm learner routes: ≤ 1.5× it (${(1.5 * bareMedian).toFixed(3)} ms).`,
      "",
      "| stage | what the attempt does | ms per request (median) | ÷ the bare route beside it (median of rounds, range) | added by the stage (ms, difference of medians) | per round |",
      "|---|---|---:|---:|---:|---|",
      ...rows,
      "",
      `Failed requests: ${failures}.`,
      "",
    ].join("\n");
    writeFileSync(resolve(root, values.out), report);
    log(`bare route ${bareMedian.toFixed(3)} ms; ${STAGES.map((s) => `${s} ${median(samples.get(s) ?? []).toFixed(3)}`).join(", ")}; wrote ${values.out}`);
  } finally {
    await stop?.().catch(() => {});
    process.chdir(root);
    try {
      git(root, "worktree", "remove", "--force", tree);
    } catch {
      // removed below
    }
    rmSync(scratch, { recursive: true, force: true });
    git(root, "worktree", "prune");
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
