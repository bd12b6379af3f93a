/**
 * Process CPU for `npm run profile`, read from /proc (Linux only): the workerd processes the
 * platform started (found among this process's descendants), their inspector addresses, and
 * utime + stime of any pid. Per-route CPU is the difference of these around a measured window,
 * divided by the requests in it: the 10 ms clock tick is why windows last seconds.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { cpuMs, procStat } from "./proc-cpu";

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = procStat(pid);
    if (!stat) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { pid, ppid: stat.ppid, comm: stat.comm, cmdline };
  } catch {
    return null; // gone
  }
}

/** utime + stime of one process in ms (0 when it is gone). */
export function processCpuMs(pid: number): number {
  return cpuMs([pid]);
}

export interface WorkerdProcess {
  pid: number;
  /** "worker": runs the worker and its Durable Objects; "dev proxy": wrangler dev's entry workerd. */
  role: "worker" | "dev proxy";
  /**
   * `host:port` of its `--inspector-addr`, when it was started with one. The port may be 0
   * (chosen by workerd): resolve it with `resolveInspector`.
   */
  inspector: string | null;
}

/** TCP ports a process listens on (its socket inodes matched against /proc/net/tcp{,6}). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT", st 0A is LISTEN, inode is column 10.
      if (cols[3] === "0A" && cols[9] && inodes.has(cols[9])) ports.push(parseInt(cols[1]?.split(":")[1] ?? "0", 16));
    }
  }
  return [...new Set(ports)];
}

/** The workerd processes descending from `root` (default: this process). */
export function findWorkerd(root = process.pid): WorkerdProcess[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== null);
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const found: ProcInfo[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (c.comm === "workerd") found.push(c);
      walk(c.pid);
    }
  };
  walk(root);
  const inspectorOf = (p: ProcInfo) => p.cmdline.find((a) => a.startsWith("--inspector-addr="))?.split("=")[1] ?? null;
  return found.map((p) => ({
    pid: p.pid,
    // With wrangler dev the user worker's runtime is the one with an inspector; alone, a
    // workerd (Miniflare) holds the worker whatever its flags.
    role: found.length === 1 || inspectorOf(p) ? "worker" : "dev proxy",
    inspector: inspectorOf(p),
  }));
}
