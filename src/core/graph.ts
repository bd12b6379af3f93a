/**
 * The skill prerequisite graph: validation and ordering. Pure.
 *
 * An edge runs from a prerequisite to the skill that needs it. A cycle would make every
 * skill on it wait for itself, so imports reject graphs with one (see `findCycle`).
 */

export interface SkillNode {
  readonly id: string;
  readonly prerequisites: readonly string[];
}

export type GraphProblem =
  | { kind: "duplicate"; skillId: string }
  | { kind: "unknown-prerequisite"; skillId: string; prerequisite: string }
  | { kind: "self-prerequisite"; skillId: string }
  | { kind: "cycle"; path: string[] };

/**
 * Returns one cycle as a closed path (`[a, b, c, a]`, each skill a prerequisite of the
 * next), or null when the graph is acyclic. Iterative depth-first search with three
 * colours, so a deep curriculum cannot overflow the stack. Unknown prerequisites are ignored
 * here; `validateSkillGraph` reports them.
 */
export function findCycle(nodes: readonly SkillNode[]): string[] | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = finished
  for (const root of nodes) {
    if (state.has(root.id)) continue;
    const path: string[] = [root.id];
    const iterators: Iterator<string>[] = [root.prerequisites[Symbol.iterator]()];
    state.set(root.id, 1);
    while (path.length > 0) {
      const top = iterators[iterators.length - 1];
      const next = top?.next();
      if (!next || next.done) {
        const done = path.pop();
        iterators.pop();
        if (done !== undefined) state.set(done, 2);
        continue;
      }
      const child = next.value;
      const childNode = byId.get(child);
      if (!childNode) continue;
      const s = state.get(child);
      if (s === 1) {
        // path holds dependants → prerequisites; report it prerequisite-first.
        const start = path.indexOf(child);
        return [...path.slice(start), child].reverse();
      }
      if (s === 2) continue;
      state.set(child, 1);
      path.push(child);
      iterators.push(childNode.prerequisites[Symbol.iterator]());
    }
  }
  return null;
}

/** Every structural problem of a skill graph; empty when it can be imported. */
export function validateSkillGraph(nodes: readonly SkillNode[]): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const ids = new Set<string>();
  for (const n of nodes) {
    if (ids.has(n.id)) problems.push({ kind: "duplicate", skillId: n.id });
    ids.add(n.id);
  }
  for (const n of nodes) {
    for (const p of n.prerequisites) {
      if (p === n.id) problems.push({ kind: "self-prerequisite", skillId: n.id });
      else if (!ids.has(p)) problems.push({ kind: "unknown-prerequisite", skillId: n.id, prerequisite: p });
    }
  }
  const cycle = findCycle(nodes.map((n) => ({ id: n.id, prerequisites: n.prerequisites.filter((p) => p !== n.id) })));
  if (cycle) problems.push({ kind: "cycle", path: cycle });
  return problems;
}

/**
 * Prerequisites before dependants (Kahn's algorithm); ties broken by the given order so the
 * result is deterministic. Throws on a cycle: validate first.
 */
export function topologicalOrder(nodes: readonly SkillNode[]): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  const indegree = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  for (const n of nodes) {
    const prereqs = n.prerequisites.filter((p) => ids.has(p));
    indegree.set(n.id, prereqs.length);
    for (const p of prereqs) {
      const list = dependants.get(p);
      if (list) list.push(n.id);
      else dependants.set(p, [n.id]);
    }
  }
  const position = new Map(nodes.map((n, i) => [n.id, i]));
  const ready = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const id = ready.shift();
    if (id === undefined) break;
    order.push(id);
    for (const d of dependants.get(id) ?? []) {
      const left = (indegree.get(d) ?? 0) - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length !== nodes.length) throw new Error("skill graph has a cycle");
  return order;
}

/** Direct neighbours in both directions (prerequisites and dependants), for prior sharing. */
export function neighbourMap(nodes: readonly SkillNode[]): Map<string, { prerequisites: string[]; dependants: string[] }> {
  const map = new Map<string, { prerequisites: string[]; dependants: string[] }>();
  for (const n of nodes) map.set(n.id, { prerequisites: [...n.prerequisites], dependants: [] });
  for (const n of nodes) {
    for (const p of n.prerequisites) map.get(p)?.dependants.push(n.id);
  }
  return map;
}
