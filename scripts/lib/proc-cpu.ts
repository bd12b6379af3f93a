/**
 * CPU time of local processes from /proc (Linux): what a benchmark phase cost the runtime,
 * read before and after the phase. workerd's own clock stands still while code runs, so CPU
 * per request has to be measured from outside.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** One process's parent, command name and user + system clock ticks, or null when it is gone. */
export function procStat(pid: number): { ppid: number; comm: string; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces: split after the last ')'.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // After comm: state(3) ppid(4) … utime(14) stime(15), numbered from 1 with pid and comm.
    return { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Every process below `root` whose command name is `name` (workerd under Miniflare or wrangler). */
export function descendantsNamed(name: string, root = process.pid): number[] {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = procStat(pid);
    if (!s) continue;
    names.set(pid, s.comm);
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (names.get(pid) === name) found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** User + system CPU milliseconds used so far by these processes (all their threads). */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += procStat(pid)?.ticks ?? 0;
  return (ticks * 1000) / clockTicks();
}

/** User + system CPU seconds of one process, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  const s = procStat(pid);
  return s ? s.ticks / clockTicks() : null;
}

/** The given processes and all their descendants. */
export function processTree(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = procStat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (out.has(pid)) continue;
    out.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...out];
}

/**
 * CPU time of every thread of `pid` so far, in ms, from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds: finer than /proc/stat's 10 ms ticks, for windows of a few hundred ms).
 */
export function threadsCpuMs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}
