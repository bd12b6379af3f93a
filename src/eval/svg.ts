/**
 * Hand-written SVG charts (no dependency): a line chart for learning curves and reliability
 * diagrams, a dot chart for per-fold AUC. Output is deterministic text.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw markers instead of (or with) the line. */
  readonly dots?: boolean;
  readonly line?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  /** Draw y = x (reliability diagrams). */
  readonly diagonal?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { left: 60, right: 20, top: 34, bottom: 50 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const [x0, x1] = o.xRange ?? [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = o.yRange ?? [Math.min(0, ...ys), Math.max(...ys) * 1.05 || 1];
  const X = (v: number) => m.left + ((v - x0) / (x1 - x0 || 1)) * (W - m.left - m.right);
  const Y = (v: number) => H - m.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - m.top - m.bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
  for (const v of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" y1="${Y(v).toFixed(1)}" x2="${W - m.right}" y2="${Y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${(Y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const v of niceTicks(x0, x1, 8)) {
    out.push(`<text x="${X(v).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`);
  out.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(o.yLabel)}</text>`);
  if (o.diagonal) {
    out.push(`<line x1="${X(x0).toFixed(1)}" y1="${Y(x0).toFixed(1)}" x2="${X(x1).toFixed(1)}" y2="${Y(x1).toFixed(1)}" stroke="#888" stroke-dasharray="5,4"/>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? "black";
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (s.line !== false) {
      const d = pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" ");
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"/>`);
    }
    if (s.dots) for (const p of pts) out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = m.top + 8 + i * 17;
    out.push(`<line x1="${m.left + 12}" y1="${ly}" x2="${m.left + 36}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + 42}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
