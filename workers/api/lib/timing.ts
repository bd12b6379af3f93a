/**
 * Server-side phases of one request (database, cache, Durable Object, scoring…), reported in
 * the `Server-Timing` header so a client or a load test sees where the time went.
 */
export class Timing {
  private readonly phases: Array<{ name: string; ms: number; desc?: string }> = [];
  private readonly started = performance.now();

  async measure<T>(name: string, fn: () => Promise<T>, desc?: string): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - t0, desc);
    }
  }

  add(name: string, ms: number, desc?: string): void {
    this.phases.push(desc === undefined ? { name, ms } : { name, ms, desc });
  }

  /** Milliseconds since the request started. workerd advances its clock only on I/O. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Milliseconds per phase name (repeated names add up), for the phases `keep` accepts. */
  totals(keep: (name: string) => boolean): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.phases) if (keep(p.name)) out[p.name] = (out[p.name] ?? 0) + p.ms;
    return out;
  }

  header(): string {
    const parts = this.phases.map((p) => `${p.name};dur=${p.ms.toFixed(1)}${p.desc ? `;desc="${p.desc}"` : ""}`);
    parts.push(`total;dur=${this.elapsed().toFixed(1)}`);
    return parts.join(", ");
  }
}
