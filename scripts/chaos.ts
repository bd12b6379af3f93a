/**
 * `npm run chaos`: Postgres taken away under load. The platform runs as `npm run serve` does,
 * on the machine's Postgres (a scratch database) reached through a fault-injecting TCP proxy
 * (scripts/local/fault-proxy.ts). Learners practise next → attempt at a steady rate; partway
 * through, the proxy cuts Postgres off for CUT_SECONDS. Then it checks what the plan asks:
 * every attempt accepted while Postgres was away, every accepted attempt in Postgres exactly
 * once afterwards, and the backlog drained within 5 minutes of Postgres returning.
 *
 * Environment: POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres), LEARNERS (30),
 * RATE (steps/s, 8), DURATION (s, 150), CUT_AT (s, 30), CUT_SECONDS (60), PORT (8796).
 * Writes reports/chaos.md and reports/chaos.svg.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { mintLearnerToken } from "../src/auth/learner-token";
import { lineChart } from "../src/eval/svg";
import { openNodeDatabase } from "./lib/db";
import { startPlatform } from "./lib/platform";
import { createScratchDatabase } from "./lib/scratch";
import { startFaultProxy } from "./local/fault-proxy";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LEARNERS = num("LEARNERS", 30);
const RATE = num("RATE", 8);
const DURATION_S = num("DURATION", 150);
const CUT_AT_S = num("CUT_AT", 30);
const CUT_S = num("CUT_SECONDS", 60);
const DRAIN_LIMIT_S = 300;
const serverUrl = process.env.POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Sample {
  t: number;
  accepted: number;
  inPostgres: number;
  writerBacklog: number;
  down: boolean;
}

const scratch = await createScratchDatabase(serverUrl, "chaos");
const target = new URL(serverUrl);
const fault = await startFaultProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
const viaFault = new URL(scratch.url);
viaFault.port = String(fault.port);
process.env.DATABASE_URL = viaFault.toString();
const dataDir = mkdtempSync(join(tmpdir(), "chaos-"));
log(`scratch database behind the fault proxy (port ${fault.port}); data in ${dataDir}`);
const platform = await startPlatform({ port: num("PORT", 8796), dataDir, log, quiet: true, runtime: "miniflare" });
const api = platform.apiUrl;
const ops = { authorization: `Bearer ${platform.secrets.OPS_TOKEN}` };
// The system of record read directly (not through the fault proxy): what really arrived.
const audit = openNodeDatabase(scratch.url, platform.stack.info.wsProxy);

async function inPostgres(): Promise<{ n: number; distinct: number }> {
  const r = await audit.write.execute(sql`SELECT count(*)::int AS n, count(DISTINCT (learner_id, client_attempt_id))::int AS d FROM attempts WHERE learner_id LIKE 'chaos-%'`);
  const row = (r.rows[0] ?? {}) as { n?: number; d?: number };
  return { n: Number(row.n ?? 0), distinct: Number(row.d ?? 0) };
}

async function writerBacklog(): Promise<number> {
  const res = await fetch(`${api}/v1/ops/writers`, { headers: ops });
  const body = (await res.json()) as { totals?: { pending?: number } };
  return body.totals?.pending ?? 0;
}

try {
  const published = await fetch(`${api}/v1/ops/content/publish`, { method: "POST", headers: ops });
  if (!published.ok) throw new Error(`publishing content failed: ${published.status}`);
  const learners = await Promise.all(
    Array.from({ length: LEARNERS }, async (_, i) => ({ id: `chaos-${i}`, token: await mintLearnerToken(`chaos-${i}`, platform.secrets.JWT_SECRET), n: 0 })),
  );
  const accepted = new Set<string>();
  const failures = new Map<string, number>();
  const fail = (what: string): void => {
    failures.set(what, (failures.get(what) ?? 0) + 1);
  };
  let acceptedDuringCut = 0;

  const step = async (l: (typeof learners)[number]): Promise<void> => {
    const headers = { authorization: `Bearer ${l.token}`, "content-type": "application/json" };
    const next = await fetch(`${api}/v1/learners/${l.id}/next`, { method: "POST", headers, body: JSON.stringify({ mode: "practice" }) });
    if (!next.ok) return fail(`next ${next.status}`);
    const { item } = (await next.json()) as { item: { id: string; kind: string } | null };
    if (!item) return fail("next: no item");
    const clientAttemptId = `${l.id}-${++l.n}`;
    const response = item.kind === "choice" ? 0 : item.kind === "numeric" ? 0 : "x";
    // A lost answer is re-sent with the same id, as the web app does.
    for (let tryNo = 0; tryNo < 3; tryNo++) {
      const res = await fetch(`${api}/v1/learners/${l.id}/attempts`, { method: "POST", headers, body: JSON.stringify({ clientAttemptId, itemId: item.id, response, responseMs: 4000 }) }).catch(() => null);
      if (res?.ok) {
        accepted.add(`${l.id}\u0000${clientAttemptId}`);
        if (fault.down) acceptedDuringCut++;
        return;
      }
      if (res) await res.body?.cancel();
      if (res && res.status < 500) return fail(`attempt ${res.status}`);
    }
    fail("attempt gave up");
  };

  const samples: Sample[] = [];
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  let cutAt = 0;
  let restoredAt = 0;
  let acceptedAtRestore = 0;
  let backlogMax = 0;
  const sampler = setInterval(() => {
    void Promise.all([inPostgres(), writerBacklog()]).then(([pg, backlog]) => {
      backlogMax = Math.max(backlogMax, backlog);
      samples.push({ t: elapsed(), accepted: accepted.size, inPostgres: pg.n, writerBacklog: backlog, down: fault.down });
    }, () => {});
  }, 2_000);

  log(`load: ${LEARNERS} learners, ${RATE} steps/s for ${DURATION_S} s; Postgres cut at ${CUT_AT_S} s for ${CUT_S} s`);
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; elapsed() < DURATION_S; i++) {
    if (!cutAt && elapsed() >= CUT_AT_S) {
      fault.cut();
      cutAt = elapsed();
      log(`Postgres cut off (${accepted.size} attempts accepted so far)`);
    }
    if (cutAt && !restoredAt && elapsed() >= CUT_AT_S + CUT_S) {
      fault.restore();
      restoredAt = elapsed();
      acceptedAtRestore = accepted.size;
      log(`Postgres back (${acceptedDuringCut} attempts accepted while it was away)`);
    }
    const l = learners[i % learners.length] as (typeof learners)[number];
    const p = step(l).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (i % (RATE * 10) === 0) log(`${Math.round(elapsed())} s: ${accepted.size} accepted, ${failures.size ? JSON.stringify(Object.fromEntries(failures)) : "no failures"}`);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i + 1) * 1000) / RATE - Date.now())));
  }
  await Promise.all(inFlight);
  if (!restoredAt) {
    fault.restore();
    restoredAt = elapsed();
  }
  log(`load done: ${accepted.size} accepted; waiting for Postgres to hold them all`);
  let drainedAt: number | null = null;
  while (elapsed() - restoredAt < DRAIN_LIMIT_S) {
    const pg = await inPostgres();
    if (pg.n >= accepted.size) {
      drainedAt = elapsed();
      break;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  clearInterval(sampler);
  const final = await inPostgres();
  samples.push({ t: elapsed(), accepted: accepted.size, inPostgres: final.n, writerBacklog: await writerBacklog(), down: false });
  const rows = await audit.write.execute(sql`SELECT learner_id, client_attempt_id FROM attempts WHERE learner_id LIKE 'chaos-%'`);
  const stored = new Set(rows.rows.map((r) => `${(r as { learner_id: string }).learner_id}\u0000${(r as { client_attempt_id: string }).client_attempt_id}`));
  const missing = [...accepted].filter((k) => !stored.has(k)).length;
  const unexpected = [...stored].filter((k) => !accepted.has(k)).length;
  const exactlyOnce = missing === 0 && final.n === final.distinct && final.n === accepted.size;
  const drainS = drainedAt === null ? null : drainedAt - restoredAt;
  // The backlog proper: everything accepted before Postgres returned, in Postgres (2 s samples).
  const backlogDrained = samples.find((x) => x.t >= restoredAt && x.inPostgres >= acceptedAtRestore);
  const backlogS = backlogDrained ? backlogDrained.t - restoredAt : null;
  const pass = failures.size === 0 && exactlyOnce && drainS !== null && backlogS !== null && backlogS <= DRAIN_LIMIT_S;

  mkdirSync("reports", { recursive: true });
  const svg = lineChart(
    [
      { name: "attempts accepted", points: samples.map((s) => [s.t, s.accepted] as const) },
      { name: "attempts in Postgres", points: samples.map((s) => [s.t, s.inPostgres] as const) },
      { name: "queued in writers", points: samples.map((s) => [s.t, s.writerBacklog] as const) },
    ],
    { title: `Postgres cut off from ${Math.round(cutAt)} s to ${Math.round(restoredAt)} s`, xLabel: "seconds", yLabel: "attempts" },
  );
  writeFileSync("reports/chaos.svg", svg);
  const md = `# Chaos: Postgres cut off under load

Command: \`npm run chaos\` (LEARNERS=${LEARNERS}, RATE=${RATE} steps/s, DURATION=${DURATION_S} s, CUT_AT=${CUT_AT_S} s, CUT_SECONDS=${CUT_S}),
on ${new Date().toISOString().slice(0, 10)}: \`npm run serve\`'s platform (Miniflare) on the machine's Postgres through a
fault-injecting TCP proxy that reset every connection and refused new ones for ${CUT_S} s.

| | |
|---|---:|
| attempts accepted (200) | ${accepted.size} |
| accepted while Postgres was away | ${acceptedDuringCut} |
| failed requests | ${failures.size === 0 ? "0" : JSON.stringify(Object.fromEntries(failures))} |
| largest backlog queued in writers | ${backlogMax} |
| in Postgres after recovery | ${final.n} (${final.distinct} distinct) |
| accepted but missing / in Postgres but never accepted | ${missing} / ${unexpected} |
| backlog at recovery (accepted, not yet in Postgres) | ${acceptedAtRestore - (samples.filter((x) => x.t <= restoredAt).at(-1)?.inPostgres ?? 0)} |
| time until everything accepted before recovery was in Postgres | ${backlogS === null ? "not reached" : `≤ ${backlogS.toFixed(1)} s`} (2 s samples; plan: ≤ 300 s) |
| time until everything accepted was in Postgres (load still running until ${DURATION_S} s) | ${drainS === null ? `not within ${DRAIN_LIMIT_S} s` : `${drainS.toFixed(1)} s after recovery`} |
| exactly once | ${exactlyOnce ? "yes" : "**no**"} |
| verdict | ${pass ? "pass" : "**fail**"} |

![accepted, in Postgres and queued over time](chaos.svg)

The learner objects keep accepting attempts while Postgres is away: they need it only to
rebuild a known learner, and their outboxes hand attempts to the writer shards, whose durable
queues hold them and retry with exponential backoff (1 s doubling to 5 min). The drain time is
therefore bounded by the backoff step reached during the cut.
`;
  writeFileSync("reports/chaos.md", md);
  log(md);
  process.exitCode = pass ? 0 : 1;
} finally {
  await audit.end().catch(() => {});
  await platform.stop();
  await fault.close();
  await scratch.drop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}

