/**
 * `npm run bench:sqlite`: what the runtime charges for SQLite calls inside a Durable Object (and
 * for an alarm, a timer and a call into another object), so
 * that work on the learner object's hot path goes where the CPU is. A throwaway object class on
 * Miniflare (the same workerd the platform runs on, SQLite-backed, data folder on /dev/shm when
 * there is one) answers one RPC per request; each variant adds statements of one kind to the
 * bare request (one upsert, as the bench's bare Durable Object route does), and the difference in
 * workerd CPU per request (user + system from /proc, autocannon closed loop, 8 connections),
 * divided by the statements added, is their cost. Each round runs every variant right beside a
 * phase of the baseline (baseline first in odd rounds, variant first in even ones), so the
 * machine's drift through a run falls on both; the report gives the median of the rounds'
 * differences, `--rounds` rounds of `--seconds` per phase.
 *
 *   npm run bench:sqlite [-- --rounds 7 --seconds 2 --out reports/sqlite-costs.md]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { Miniflare } from "miniflare";
import { median } from "../src/eval/metrics";
import { cpuMs, descendantsNamed } from "./lib/proc-cpu";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    seconds: { type: "string", default: "2" },
    out: { type: "string", default: "reports/sqlite-costs.md" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
if (!(ROUNDS >= 3 && SECONDS >= 1)) throw new Error("--rounds ≥ 3 and --seconds ≥ 1");

/** One request's work beyond its RPC: every variant also does the one upsert of the baseline. */
interface Spec {
  /** Point SELECTs by primary key that return their row (read with `toArray`). */
  hits?: number;
  /** Point SELECTs that find nothing. */
  misses?: number;
  /** More upserts of existing small rows, one statement each. */
  upserts?: number;
  /** The same upserts as ONE multi-row statement. */
  merged?: number;
  /** The writes inside `transactionSync`. */
  txn?: boolean;
  /** Also insert an 800-byte row (an attempt's size) into a table with this many b-trees. */
  insertBtrees?: 1 | 2 | 3;
  /**
   * One alarm write that stays: set an alarm a minute ahead when the object has none, delete it
   * when it has one (a learner's stretch of activity sets one and its hand-over deletes it:
   * workers/learner `scheduleFlush`, `dropIdleAlarm`). A set and a delete in the same request
   * would leave nothing to write.
   */
  alarm?: boolean;
  /** Arm an in-memory timer and clear it (the learner object's hand-over timer). */
  timer?: boolean;
  /** Call another object of the class, which does the baseline's upsert (a hand-over to a writer object, in its barest form). */
  call?: boolean;
}

const VARIANTS: Array<{ label: string; spec: Spec; added: number; kind: string }> = [
  { label: "baseline: one upsert", spec: {}, added: 0, kind: "" },
  { label: "+ 20 point reads returning a row", spec: { hits: 20 }, added: 20, kind: "read returning a row" },
  { label: "+ 20 point reads finding nothing", spec: { misses: 20 }, added: 20, kind: "read finding nothing" },
  { label: "+ 20 upserts, one statement each", spec: { upserts: 20 }, added: 20, kind: "upsert of a small row" },
  { label: "+ the same 20 upserts as one statement", spec: { merged: 20 }, added: 20, kind: "row of a multi-row upsert" },
  { label: "+ transactionSync around the baseline's write", spec: { txn: true }, added: 1, kind: "transactionSync" },
  { label: "+ insert of an 800-byte row, table of 1 b-tree (rowid)", spec: { insertBtrees: 1 }, added: 1, kind: "insert, 1 b-tree" },
  { label: "+ the same, 2 b-trees (rowid + a unique text key)", spec: { insertBtrees: 2 }, added: 1, kind: "insert, 2 b-trees" },
  { label: "+ the same, 3 b-trees (text primary key + a unique integer)", spec: { insertBtrees: 3 }, added: 1, kind: "insert, 3 b-trees" },
  { label: "+ an alarm write: setAlarm a minute ahead, or deleteAlarm when one is set", spec: { alarm: true }, added: 1, kind: "alarm write (set or delete)" },
  { label: "+ setTimeout, then clearTimeout", spec: { timer: true }, added: 1, kind: "timer armed and cleared" },
  { label: "+ a call into another object that does one upsert", spec: { call: true }, added: 1, kind: "call into another object with its commit" },
];

// The object class, as a module Miniflare runs. Tables: kv (32 small rows), and three shapes
// of an attempts-like table (what the learner object's `attempts` was and could be).
const SCRIPT = `
import { DurableObject } from "cloudflare:workers";
export class Bench extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS rows1 (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS rows2 (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS rows3 (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, body TEXT NOT NULL)");
    for (let i = 0; i < 32; i++) sql.exec("INSERT OR IGNORE INTO kv (k, v) VALUES (?, ?)", "k" + i, "v");
    this.seq = 0;
    this.armed = false;
  }
  async run(spec) {
    const sql = this.ctx.storage.sql;
    let n = 0;
    for (let i = 0; i < (spec.hits ?? 0); i++) n += sql.exec("SELECT v FROM kv WHERE k = ?", "k" + (i % 32)).toArray().length;
    for (let i = 0; i < (spec.misses ?? 0); i++) n += sql.exec("SELECT v FROM kv WHERE k = ?", "none" + i).toArray().length;
    const writes = () => {
      sql.exec("INSERT INTO kv (k, v) VALUES ('k0', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", String(Date.now()));
      for (let i = 0; i < (spec.upserts ?? 0); i++) sql.exec("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", "k" + (i % 32), String(i));
      if (spec.merged) {
        let q = "INSERT INTO kv (k, v) VALUES ";
        const args = [];
        for (let i = 0; i < spec.merged; i++) { q += (i ? ", " : "") + "(?, ?)"; args.push("k" + i, String(i)); }
        sql.exec(q + " ON CONFLICT (k) DO UPDATE SET v = excluded.v", ...args);
      }
      if (spec.insertBtrees) {
        this.seq += 1;
        sql.exec("INSERT INTO rows" + spec.insertBtrees + " (seq, id, body) VALUES (?, ?, ?)", Date.now() * 1000 + (this.seq % 1000), crypto.randomUUID(), "x".repeat(800));
      }
    };
    if (spec.txn) this.ctx.storage.transactionSync(writes);
    else writes();
    if (spec.timer) clearTimeout(setTimeout(() => {}, 10000));
    if (spec.alarm) {
      if (this.armed) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(Date.now() + 60000);
      this.armed = !this.armed;
    }
    if (spec.call) n += await this.env.BENCH.get(this.env.BENCH.idFromName("peer" + ((Math.random() * 8) | 0))).run({});
    return n;
  }
  alarm() {}
}
export default {
  async fetch(request, env) {
    const spec = JSON.parse(decodeURIComponent(new URL(request.url).searchParams.get("spec") ?? "{}"));
    const stub = env.BENCH.get(env.BENCH.idFromName("o" + ((Math.random() * 64) | 0)));
    return new Response(String(await stub.run(spec)));
  },
};`;

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "bench-sqlite-"));
  const mf = new Miniflare({
    modules: true,
    script: SCRIPT,
    compatibilityDate: "2026-04-20",
    durableObjects: { BENCH: { className: "Bench", useSQLite: true } },
    durableObjectsPersist: dataDir,
  });
  try {
    const url = (await mf.ready).toString();
    const workerd = descendantsNamed("workerd");
    if (workerd.length !== 1) throw new Error(`expected one workerd process, found ${workerd.length}`);
    const phase = async (spec: Spec): Promise<number> => {
      const before = cpuMs(workerd);
      const result = await autocannon({ url: `${url}?spec=${encodeURIComponent(JSON.stringify(spec))}`, connections: 8, duration: SECONDS });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${JSON.stringify(spec)}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      return (cpuMs(workerd) - before) / Math.max(1, result.requests.total);
    };
    for (const v of VARIANTS) await phase(v.spec); // every object and statement warm
    const tested = VARIANTS.slice(1);
    const baseline = tested.map(() => [] as number[]);
    const variant = tested.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < tested.length; i++) {
        const v = tested[i] as (typeof tested)[number];
        if (round % 2 === 0) {
          baseline[i]?.push(await phase({}));
          variant[i]?.push(await phase(v.spec));
        } else {
          variant[i]?.push(await phase(v.spec));
          baseline[i]?.push(await phase({}));
        }
      }
      console.log(`[bench:sqlite] round ${round + 1}/${ROUNDS}: ${tested.map((_, i) => `${((variant[i]?.at(-1) ?? 0) - (baseline[i]?.at(-1) ?? 0)).toFixed(3)}`).join(" · ")} ms/req over the baseline`);
    }
    const base = median(baseline.flat());
    const rows = tested.map((v, i) => {
      const diffs = (variant[i] ?? []).map((x, r) => x - (baseline[i]?.[r] ?? Number.NaN));
      const d = median(diffs);
      const sorted = [...diffs].sort((a, b) => a - b);
      return { ...v, median: median(variant[i] ?? []), diff: d, per: (d * 1000) / v.added, low: ((sorted[0] ?? 0) * 1000) / v.added, high: ((sorted.at(-1) ?? 0) * 1000) / v.added };
    });
    const lines = [
      "# What SQLite calls (and alarms, timers, calls between objects) cost inside a Durable Object",
      "",
      `${new Date().toISOString()} · \`npm run bench:sqlite\` (scripts/bench-sqlite.ts), ${ROUNDS} rounds of ${SECONDS} s per variant, ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
      "A throwaway SQLite-backed object class on Miniflare (the workerd the platform runs on), 64 objects, one RPC per request, autocannon with 8 connections; workerd CPU (user + system from /proc) per request. Each variant adds statements of one kind to the baseline request (one upsert of a small row, as the bench's bare Durable Object route writes one row) and runs right beside a phase of the baseline in every round (baseline first in odd rounds, variant first in even ones); per statement = the median of the rounds' differences divided by the statements added.",
      "",
      `Baseline (one upsert; every phase of it in the run): **${base.toFixed(3)} ms** of workerd CPU per request, median.`,
      "",
      "| added to the baseline request | workerd CPU ms/req (median) | over its adjacent baseline (median of rounds) | per statement added | lowest–highest round, per statement |",
      "|---|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${r.label.replace(/^\+ /, "")} | ${r.median.toFixed(3)} | ${r.diff >= 0 ? "+" : ""}${r.diff.toFixed(3)} | ${r.per.toFixed(1)} µs | ${r.low.toFixed(1)} … ${r.high.toFixed(1)} µs |`),
      "",
      "Read it as orders of magnitude: the rows that add one statement (transactionSync, an insert) are differences of a few hundredths of a millisecond between phases seconds apart on a shared machine, so their lowest–highest range is wide; the rows that add twenty are the sturdier measure of a statement's cost. reports/attempt-cpu.md says what the numbers mean for the learner object",
      "",
    ];
    const out = resolve(root, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, lines.join("\n"));
    for (const r of rows) console.log(`[bench:sqlite] ${r.label}: ${r.per.toFixed(1)} µs per ${r.kind} (rounds ${r.low.toFixed(1)} … ${r.high.toFixed(1)})`);
    console.log(`[bench:sqlite] wrote ${values.out}`);
  } finally {
    await mf.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
