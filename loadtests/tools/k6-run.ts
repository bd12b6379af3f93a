/**
 * Runs k6 from Node and measures what k6 cannot measure about itself: its own CPU (and,
 * given SERVER_PIDS, the platform's), read from /proc/<pid>/stat while it runs. The load
 * generator shares the machine with what it measures, so every report says how much of
 * the machine it took.
 *
 *   npm run loadtest:run -- load            # loadtests/load.js with the environment's BASE_URL, RATE, …
 *
 * The k6 binary: K6_BIN, else `k6` on PATH, else ../k6-bin/k6 beside the repository (where
 * ../shared/tools/build-k6.sh puts it). JWT_SECRET defaults to the local platform's
 * (DATA_DIR or .data)/local-secrets.json. After the run the load generator's CPU is appended
 * to reports/capacity/<name>.md and added to the .json as `loadGenerator`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds, processTree } from "../../scripts/lib/proc-cpu";
import { loadGeneratorLines } from "../lib/capacity.js";
import type { LoadGenerator } from "../lib/capacity.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The k6 binary to run. */
export function k6Binary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K6_BIN) return env.K6_BIN;
  for (const dir of (env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "k6"))) return join(dir, "k6");
  const beside = resolve(REPO, "..", "k6-bin", "k6");
  if (existsSync(beside)) return beside;
  throw new Error("k6 not found: set K6_BIN, put k6 on PATH, or build it with ../shared/tools/build-k6.sh (see loadtests/README.md)");
}

/** JWT_SECRET from the environment, else the local platform's secrets file. */
export function jwtSecret(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const file = join(env.DATA_DIR ? resolve(env.DATA_DIR) : join(REPO, ".data"), "local-secrets.json");
  if (!existsSync(file)) return undefined;
  const secret = (JSON.parse(readFileSync(file, "utf8")) as { JWT_SECRET?: unknown }).JWT_SECRET;
  return typeof secret === "string" ? secret : undefined;
}

export interface K6Run {
  exitCode: number;
  load: LoadGenerator;
}

export interface K6RunOptions {
  script: string;
  env: Record<string, string>;
  /** k6's stdout and stderr go here (the end-of-test summary included). */
  logFile: string;
  serverPids?: number[];
  /** Called about every `tickSeconds` while k6 runs. */
  onTick?: (elapsedSeconds: number) => void;
  tickSeconds?: number;
}

/** Runs `k6 run` with the given environment; samples CPU twice a second until it exits. */
export async function runK6(o: K6RunOptions): Promise<K6Run> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const started = Date.now();
  const args = ["run", "--quiet", ...Object.entries(o.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), o.script];
  const child = spawn(k6Binary(), args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: process.env });
  const log: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => log.push(b));
  child.stderr.on("data", (b: Buffer) => log.push(b));
  // Server CPU: the delta over the run of each process seen (children may come and go).
  const serverStart = new Map<number, number>();
  const serverLast = new Map<number, number>();
  const sampleServer = () => {
    if (!o.serverPids?.length) return;
    for (const pid of processTree(o.serverPids)) {
      const s = cpuSeconds(pid);
      if (s === null) continue;
      if (!serverStart.has(pid)) serverStart.set(pid, s);
      serverLast.set(pid, s);
    }
  };
  sampleServer();
  let k6Cpu = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const s = child.pid === undefined ? null : cpuSeconds(child.pid);
    if (s !== null) k6Cpu = s;
    if (++ticks % 4 === 0) sampleServer();
    if (o.onTick && ticks % Math.max(1, Math.round((o.tickSeconds ?? 10) * 2)) === 0) o.onTick((Date.now() - started) / 1000);
  }, 500);
  const exitCode = await new Promise<number>((done) => child.on("close", (code) => done(code ?? 1)));
  clearInterval(timer);
  sampleServer();
  writeFileSync(o.logFile, Buffer.concat(log));
  const serverCpuSeconds = o.serverPids?.length ? [...serverLast].reduce((a, [pid, s]) => a + s - (serverStart.get(pid) ?? s), 0) : null;
  return { exitCode, load: { k6CpuSeconds: k6Cpu, wallSeconds: (Date.now() - started) / 1000, serverCpuSeconds } };
}

/** Adds the load generator's CPU to a report k6 wrote (<dir>/<name>.md and .json). */
export function annotateReport(dir: string, name: string, load: LoadGenerator): void {
  const md = join(dir, `${name}.md`);
  const json = join(dir, `${name}.json`);
  if (existsSync(md)) writeFileSync(md, `${readFileSync(md, "utf8").trimEnd()}\n\n${loadGeneratorLines(load).join("\n")}`);
  if (existsSync(json)) {
    const data = JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>;
    data.loadGenerator = { ...load, k6Cores: load.wallSeconds > 0 ? load.k6CpuSeconds / load.wallSeconds : null };
    writeFileSync(json, `${JSON.stringify(data, null, 2)}\n`);
  }
}

/** SERVER_PIDS="123,456" → [123, 456]. */
export function serverPids(env: NodeJS.ProcessEnv = process.env): number[] {
  return (env.SERVER_PIDS ?? "")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * AUDIT_POSTGRES=1: snapshots Postgres' counters before the run and, after it, waits for the
 * outboxes to drain and writes what Postgres saw into the report (./postgres-audit.ts). Needs a
 * running `npm start` / `npm run serve` (its stack.json) for the database and operator token.
 * The run's learners get a fresh LEARNER_PREFIX unless one is given, so they can be counted.
 */
async function startAudit(env: Record<string, string>): Promise<{ finish(dir: string, name: string): Promise<void> }> {
  const { readRunningStack } = await import("../../scripts/lib/stack");
  const { openNodeDatabase } = await import("../../scripts/lib/db");
  const { auditLines, countAttempts, pgSnapshot, waitForDrain } = await import("./postgres-audit");
  const dataDir = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : join(REPO, ".data");
  const stack = readRunningStack(dataDir);
  if (!stack) throw new Error(`AUDIT_POSTGRES=1 needs a running npm start / npm run serve on ${dataDir}`);
  const db = openNodeDatabase(stack.databaseUrl, stack.wsProxy);
  const prefix = process.env.LEARNER_PREFIX ?? `run${Date.now().toString(36)}`;
  env.LEARNER_PREFIX = prefix;
  const base = (process.env.BASE_URL ?? stack.apiUrl ?? "http://127.0.0.1:8787").replace(/\/$/, "");
  const opsToken = (JSON.parse(readFileSync(join(dataDir, "local-secrets.json"), "utf8")) as { OPS_TOKEN?: string }).OPS_TOKEN ?? "";
  const writers = async (): Promise<{ pending: number; transactions: number; attemptsWritten: number; connectionsOpened: number } | null> => {
    try {
      const res = await fetch(`${base}/v1/ops/writers`, { headers: { authorization: `Bearer ${opsToken}` } });
      return res.ok ? ((await res.json()) as { totals: { pending: number; transactions: number; attemptsWritten: number; connectionsOpened: number } }).totals : null;
    } catch {
      return null;
    }
  };
  const before = await pgSnapshot(db);
  const writersBefore = await writers();
  console.error(`auditing Postgres: learners ${prefix}-*`);
  return {
    async finish(dir, name) {
      const drain = await waitForDrain({
        count: async () => (await countAttempts(db, prefix)).rows,
        writersPending: async () => (await writers())?.pending ?? null,
        log: (line) => console.error(line),
      });
      const after = await pgSnapshot(db);
      const writersAfter = await writers();
      const inPostgres = await countAttempts(db, prefix);
      const json = join(dir, `${name}.json`);
      const data = existsSync(json) ? (JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>) : {};
      const rows = (data.rows ?? []) as Array<{ metric: string; value: number | null }>;
      const acknowledged = rows.find((r) => r.metric.startsWith("attempts recorded"))?.value ?? null;
      const minutes = (after.at - before.at) / 60_000;
      const transactions = after.xactCommit - before.xactCommit;
      const sessions = after.sessions === null || before.sessions === null ? null : after.sessions - before.sessions;
      const result = {
        acknowledged,
        inPostgres,
        drained: drain.drained,
        transactions,
        transactionsPerAttempt: inPostgres.rows > 0 ? transactions / inPostgres.rows : null,
        sessionsOpened: sessions,
        sessionsPerMinute: sessions === null ? null : sessions / minutes,
        minutes,
        writers:
          writersBefore && writersAfter
            ? {
                transactions: writersAfter.transactions - writersBefore.transactions,
                attemptsWritten: writersAfter.attemptsWritten - writersBefore.attemptsWritten,
                connectionsOpened: writersAfter.connectionsOpened - writersBefore.connectionsOpened,
              }
            : null,
      };
      const md = join(dir, `${name}.md`);
      if (existsSync(md)) writeFileSync(md, `${readFileSync(md, "utf8").trimEnd()}\n\n${auditLines(result).join("\n")}`);
      writeFileSync(json, `${JSON.stringify({ ...data, postgres: result }, null, 2)}\n`);
      await db.end();
    },
  };
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !existsSync(join(REPO, "loadtests", `${name}.js`))) {
    console.error("usage: npm run loadtest:run -- <smoke|load|stress|capacity|spike|soak|chaos>  (k6 settings from the environment: see loadtests/README.md)");
    process.exit(2);
  }
  const dir = resolve(REPO, process.env.REPORT_DIR ?? "reports/capacity");
  mkdirSync(dir, { recursive: true });
  const secret = jwtSecret();
  const env: Record<string, string> = { REPORT_DIR: dir };
  if (secret) env.JWT_SECRET = secret;
  const logFile = join(tmpdir(), `k6-${process.env.REPORT_NAME ?? name}.log`);
  const audit = process.env.AUDIT_POSTGRES === "1" ? await startAudit(env) : null;
  console.error(`k6 run loadtests/${name}.js → ${dir}/${process.env.REPORT_NAME ?? name}.md (k6 output: ${logFile})`);
  const run = await runK6({ script: `loadtests/${name}.js`, env, logFile, serverPids: serverPids(), onTick: (t) => console.error(`  … ${t.toFixed(0)} s`) });
  annotateReport(dir, process.env.REPORT_NAME ?? name, run.load);
  if (audit) await audit.finish(dir, process.env.REPORT_NAME ?? name);
  const md = join(dir, `${process.env.REPORT_NAME ?? name}.md`);
  if (existsSync(md)) console.log(readFileSync(md, "utf8"));
  else console.log(readFileSync(logFile, "utf8"));
  process.exit(run.exitCode);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
