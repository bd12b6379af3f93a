/**
 * Summaries of V8 `.cpuprofile`s for `npm run profile`: self time by function, by source file
 * and by module (hono, zod, drizzle, the Neon driver, onnxruntime, our own folders, GC, …).
 *
 * Self time is samples × the sampling interval, not the sum of `timeDeltas`: workerd's
 * sampler only samples while a thread holds the isolate's lock, so a delta after an idle gap
 * spans time the isolate did not run. The interval is the median delta.
 *
 * workerd runs the bundle wrangler built; its source map (`index.js.map`, decoded here with a
 * small VLQ reader, no dependency) turns bundle positions back into `src/…`, `workers/…` and
 * `node_modules/<package>/…` files. Node's profile already names real files.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CpuProfile } from "./profile-cdp";

// ---------------------------------------------------------------------------------------
// Source maps (v3): mappings are base64 VLQ; per generated line, segments of
// [generatedColumn, sourceIndex, originalLine, originalColumn(, nameIndex)], each field a
// delta from the previous segment's (columns reset per line, the rest carry over).

const B64 = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

interface Segment {
  col: number;
  source: number;
  line: number;
}

export class SourceMap {
  private readonly lines: Segment[][] = [];
  readonly sources: string[];

  constructor(map: { sources: string[]; sourceRoot?: string; mappings: string }, mapDir: string) {
    this.sources = map.sources.map((s) => resolve(mapDir, map.sourceRoot ?? "", s));
    let source = 0;
    let line = 0;
    let ocol = 0;
    let name = 0;
    for (const text of map.mappings.split(";")) {
      const segs: Segment[] = [];
      let col = 0;
      for (const seg of text.split(",")) {
        if (!seg) continue;
        const v = decodeVlq(seg);
        col += v[0] ?? 0;
        if (v.length >= 4) {
          source += v[1] ?? 0;
          line += v[2] ?? 0;
          ocol += v[3] ?? 0;
          if (v.length >= 5) name += v[4] ?? 0;
          segs.push({ col, source, line });
        }
      }
      this.lines.push(segs);
    }
    void ocol;
    void name;
  }

  /** The original file and 0-based line of a generated position (0-based line and column). */
  lookup(line: number, col: number): { file: string; line: number } | null {
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return null;
    let lo = 0;
    let hi = segs.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((segs[mid] as Segment).col <= col) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const s = segs[Math.max(0, best)] as Segment;
    const file = this.sources[s.source];
    return file === undefined ? null : { file, line: s.line };
  }

  static load(bundlePath: string): SourceMap | null {
    const mapPath = `${bundlePath}.map`;
    if (!existsSync(mapPath)) return null;
    return new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")), dirname(mapPath));
  }
}

function decodeVlq(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of s) {
    const d = B64.get(c);
    if (d === undefined) throw new Error(`bad VLQ character ${c}`);
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Attribution

export interface Frame {
  /** Function name with its original file:line. */
  fn: string;
  /** Repository-relative file, a package path, or a pseudo-file such as "(garbage collector)". */
  file: string;
  /** The module group the report aggregates by. */
  module: string;
}

/** Where a path sits: `node_modules/<pkg>/…` → the package, else the repository-relative path. */
function relativeFile(path: string, roots: string[]): string {
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) return path.slice(nm + 1);
  for (const root of roots) if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  return path;
}

function packageOf(file: string): string | null {
  // Packages that ship their own source maps resolve to their TypeScript sources, one folder
  // up from the package: drizzle-orm's `src/`, onnxruntime-common's `common/lib/`.
  if (file.startsWith("node_modules/src/")) return "drizzle-orm";
  if (file.startsWith("node_modules/common/lib/")) return "onnxruntime-common";
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? (m[1] ?? null) : null;
}

/** Module groups: libraries by package (related ones merged), our code by folder. */
function moduleOf(file: string): string {
  const pkg = packageOf(file);
  if (pkg) {
    if (pkg === "hono") return "hono";
    if (pkg === "@hono/zod-openapi" || pkg === "@asteasolutions/zod-to-openapi" || pkg === "@hono/zod-validator") return "hono zod-openapi";
    if (pkg === "zod") return "zod";
    if (pkg === "drizzle-orm") return "drizzle";
    if (pkg === "@neondatabase/serverless") return "neon driver";
    if (pkg === "onnxruntime-web" || pkg === "onnxruntime-common") return "onnxruntime (JS)";
    if (pkg === "wrangler" || pkg === "miniflare") return "wrangler/miniflare shims";
    if (pkg === "@electric-sql/pglite") return "PGlite (JS)";
    if (pkg === "ws") return "ws (WebSocket server)";
    if (pkg === "tsx") return "tsx loader";
    return pkg;
  }
  if (file.startsWith(".wrangler/")) return "wrangler/miniflare shims";
  // Unmapped bundle lines: esbuild's helpers (`__name`, `__export`) at the top of the bundle.
  if (/(^|\/)index\.js$/.test(file)) return "bundle glue (esbuild helpers)";
  const parts = file.split("/");
  if (parts[0] === "src" || parts[0] === "workers" || parts[0] === "scripts") {
    if (file === "scripts/local/ws-proxy.ts") return "relay (scripts/local/ws-proxy.ts)";
    return `ours: ${parts.slice(0, Math.min(2, parts.length - 1)).join("/")}`;
  }
  return file;
}

/** Frames with no script: V8's pseudo-frames, wasm, workerd's and Node's built-ins. */
function specialFrame(name: string, url: string): Frame | null {
  if (name === "(garbage collector)") return { fn: name, file: name, module: "GC" };
  if (name === "(program)") return { fn: name, file: name, module: "(program): native code outside JS" };
  if (name === "(idle)") return { fn: name, file: name, module: "(idle)" };
  if (name === "(root)") return { fn: name, file: name, module: "(idle)" };
  if (url.startsWith("wasm://") || /^(wasm-function\[|js-to-wasm|wasm-to-js)/.test(name)) return null;
  if (url.startsWith("node:")) {
    const mod = url.slice(5).split("/").slice(0, 2).join("/");
    return { fn: `${name || "(anonymous)"} ${url}`, file: url, module: `node: ${mod.replace(/^internal\//, "")}` };
  }
  if (url.startsWith("cloudflare:") || url.startsWith("cloudflare-internal:") || url.startsWith("node-internal:") || url.startsWith("workerd:")) {
    return { fn: `${name || "(anonymous)"} ${url}`, file: url, module: "workerd built-in modules" };
  }
  if (url === "") {
    // Native functions called from JS: JSON, crypto, SqlStorage.exec, Response, …
    if (name === "exec" || name === "databaseSize" || name === "transactionSync") return { fn: `${name} (native)`, file: "(native: SQLite)", module: "SQLite (storage.sql native)" };
    if (name === "parse" || name === "stringify") return { fn: `JSON.${name} (native)`, file: "(native: JSON)", module: "JSON (native)" };
    return { fn: `${name || "(anonymous)"} (native)`, file: "(native: other)", module: "other native (runtime API)" };
  }
  return null;
}

export interface ProfileSummary {
  /** Sampling interval used for self time, µs. */
  intervalUs: number;
  samples: number;
  /** Non-idle self time, ms. */
  busyMs: number;
  idleMs: number;
  wallMs: number;
  byFunction: Array<{ name: string; module: string; ms: number; pct: number }>;
  byFile: Array<{ name: string; module: string; ms: number; pct: number }>;
  byModule: Array<{ name: string; ms: number; pct: number }>;
}

/**
 * Self time by function, file and module. `wasmModule` names what wasm frames are (the only
 * wasm in workerd here is onnxruntime; in the Node process it is PGlite).
 */
export function summarise(profile: CpuProfile, opts: { sourceMaps: Map<string, SourceMap | null>; roots: string[]; wasmModule: string; top?: number }): ProfileSummary {
  const top = opts.top ?? 30;
  const frames = new Map<number, Frame>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let frame = specialFrame(functionName, url);
    if (!frame && (url.startsWith("wasm://") || /^(wasm-function\[|js-to-wasm|wasm-to-js)/.test(functionName))) {
      frame = { fn: `${functionName} (wasm)`, file: "(wasm)", module: opts.wasmModule };
    }
    if (!frame) {
      let path = url.startsWith("file://") ? fileURLToPath(url) : url;
      let line = lineNumber;
      const map = opts.sourceMaps.get(url);
      const orig = map ? map.lookup(lineNumber, columnNumber) : null;
      if (orig) {
        path = orig.file;
        line = orig.line;
      }
      const file = relativeFile(path, opts.roots);
      frame = { fn: `${functionName || "(anonymous)"} ${file}:${line + 1}`, file, module: moduleOf(file) };
    }
    frames.set(node.id, frame);
  }
  const counts = new Map<number, number>();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const deltas = [...(profile.timeDeltas ?? [])].filter((d) => d > 0).sort((a, b) => a - b);
  const intervalUs = deltas[Math.floor(deltas.length / 2)] ?? 1000;
  const byFn = new Map<string, { module: string; n: number }>();
  const byFile = new Map<string, { module: string; n: number }>();
  const byModule = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, n] of counts) {
    const f = frames.get(id);
    if (!f) continue;
    if (f.module === "(idle)") {
      idle += n;
      continue;
    }
    busy += n;
    const a = byFn.get(f.fn) ?? { module: f.module, n: 0 };
    a.n += n;
    byFn.set(f.fn, a);
    const b = byFile.get(f.file) ?? { module: f.module, n: 0 };
    b.n += n;
    byFile.set(f.file, b);
    byModule.set(f.module, (byModule.get(f.module) ?? 0) + n);
  }
  const ms = (n: number) => (n * intervalUs) / 1000;
  const pct = (n: number) => (busy > 0 ? (100 * n) / busy : 0);
  const rank = <T extends { n: number }>(m: Map<string, T>) => [...m.entries()].sort((x, y) => y[1].n - x[1].n);
  return {
    intervalUs,
    samples: (profile.samples ?? []).length,
    busyMs: ms(busy),
    idleMs: ms(idle),
    wallMs: (profile.endTime - profile.startTime) / 1000,
    byFunction: rank(byFn)
      .slice(0, top)
      .map(([name, v]) => ({ name, module: v.module, ms: ms(v.n), pct: pct(v.n) })),
    byFile: rank(byFile)
      .slice(0, top)
      .map(([name, v]) => ({ name, module: v.module, ms: ms(v.n), pct: pct(v.n) })),
    byModule: [...byModule.entries()].sort((x, y) => y[1] - x[1]).map(([name, n]) => ({ name, ms: ms(n), pct: pct(n) })),
  };
}

/** Source maps for every bundle a profile names (`file://…/index.js` with an `index.js.map`). */
export function sourceMapsFor(profile: CpuProfile, fallbackBundle?: string): Map<string, SourceMap | null> {
  const maps = new Map<string, SourceMap | null>();
  for (const node of profile.nodes) {
    const url = node.callFrame.url;
    if (maps.has(url) || !url || url.startsWith("node:") || url.startsWith("wasm://")) continue;
    let path: string | null = null;
    if (url.startsWith("file://")) path = fileURLToPath(url);
    else if (url.startsWith("/")) path = url;
    else if (fallbackBundle && (url.endsWith("index.js") || url === "worker.js")) path = fallbackBundle;
    // Only the map is needed: the bundle itself may be gone (wrangler dev deletes its build).
    maps.set(url, path && /\.m?js$/.test(path) && existsSync(`${path}.map`) ? SourceMap.load(path) : null);
  }
  return maps;
}
