/**
 * The folders under src/ form layers: a folder may use another only if that one never uses
 * it back, directly or through a third. Every import counts, `import type` included: a type
 * shared both ways still means neither folder can be understood, moved or tested alone.
 * The scan reads the sources as text (static `import … from`, `export … from`, bare
 * `import "…"` and dynamic `import("…")` with a literal path), so it needs no build.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts)$/.test(e.name) ? [p] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Relative specifiers of one file's imports. */
export function importsOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? "").filter((s) => s.startsWith("."));
}

/** The top-level folder under src/ of a path, or undefined outside src/. */
function folderOf(path: string): string | undefined {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return undefined;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : "(src root)";
}

/** folder → folder edges, each with one file-level example for the message. */
export function folderGraph(files: ReadonlyArray<{ path: string; text: string }>): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const f of files) {
    const from = folderOf(f.path);
    if (from === undefined) continue;
    for (const spec of importsOf(f.text)) {
      const to = folderOf(resolve(dirname(f.path), spec));
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(SRC, f.path)} imports ${spec}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every elementary cycle found by depth-first search, as folder lists (first = last). */
export function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const found = new Map<string, string[]>();
  const nodes = [...graph.keys()].sort();
  const walk = (start: string, node: string, path: string[]) => {
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (next === start) {
        const cycle = [...path, start];
        // One entry per cycle whatever folder it is entered from.
        const key = [...path].sort().join(",");
        if (!found.has(key)) found.set(key, cycle);
      } else if (!path.includes(next) && next > start) {
        walk(start, next, [...path, next]);
      }
    }
  };
  for (const n of nodes) walk(n, n, [n]);
  return [...found.values()];
}

describe("no import cycles between src/ folders", () => {
  it("finds a cycle when there is one (the check can fail)", () => {
    const files = [
      { path: join(SRC, "a/x.ts"), text: 'import { y } from "../b/y";' },
      { path: join(SRC, "b/y.ts"), text: 'import type { Z } from "../c/z";\nexport const y = 1;' },
      { path: join(SRC, "c/z.ts"), text: 'export type Z = number;\nconst m = await import("../a/x");' },
      { path: join(SRC, "d/w.ts"), text: 'import "../a/x";' },
    ];
    expect(cycles(folderGraph(files))).toEqual([["a", "b", "c", "a"]]);
  });

  it("holds for the sources", () => {
    const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));
    expect(files.length).toBeGreaterThan(50);
    const graph = folderGraph(files);
    const found = cycles(graph).map((c) => c.map((folder, i) => (i === 0 ? folder : `${graph.get(c[i - 1] ?? "")?.get(folder)} → ${folder}`)).join(" ; "));
    expect(found).toEqual([]);
  });
});
