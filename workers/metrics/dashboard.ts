/**
 * The operations dashboard: one self-contained page (no CDN, no external script, no inline
 * style attributes: its Content-Security-Policy allows the one script and one style block by
 * hash, see `dashboardCsp`), drawn
 * with inline SVG from `GET /metrics?format=json`, refreshed every 5 s. The page carries no
 * data; it takes the operator token from a `#token=…` fragment (never sent to the server
 * in the URL) or a prompt, keeps it in sessionStorage and sends it as a Bearer header.
 */
export const DASHBOARD_HTML = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Operations · learning platform</title>
<style>
  :root { --bg:#0f1419; --panel:#171d24; --line:#2a333d; --text:#d8dee6; --dim:#8a96a3; --ok:#3fb950; --warn:#d29922; --bad:#f85149; }
  * { box-sizing: border-box; }
  body { margin:0; font:13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:baseline; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
  h1 { font-size:16px; margin:0; font-weight:600; }
  #status { color:var(--dim); flex:1; }
  button { background:var(--panel); color:var(--text); border:1px solid var(--line); border-radius:4px; padding:3px 10px; cursor:pointer; }
  main { padding:14px 20px; }
  #alerts { margin-bottom:12px; display:flex; flex-wrap:wrap; gap:6px; }
  .pill { padding:3px 9px; border-radius:10px; font-size:12px; border:1px solid; }
  .pill.critical { color:var(--bad); border-color:var(--bad); } .pill.warning { color:var(--warn); border-color:var(--warn); }
  .pill.pending { opacity:.65; border-style:dashed; } .pill.ok { color:var(--ok); border-color:var(--ok); }
  #tiles { display:grid; grid-template-columns:repeat(6, 1fr); gap:10px; margin-bottom:14px; }
  .tile { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:8px 12px; }
  .tile .v { font-size:22px; font-weight:600; } .tile .t { color:var(--dim); font-size:11px; }
  .v.ok { color:var(--ok); } .v.warn { color:var(--warn); } .v.bad { color:var(--bad); }
  #charts { display:grid; grid-template-columns:repeat(auto-fill, minmax(320px, 1fr)); gap:10px; }
  .chart { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:8px 10px 4px; }
  .chart h2 { font-size:12px; margin:0 0 2px; font-weight:600; } .chart .sub { color:var(--dim); font-size:11px; }
  svg text { fill:var(--dim); font-size:10px; }
  .legend { display:flex; gap:10px; font-size:11px; color:var(--dim); flex-wrap:wrap; }
  .legend svg { vertical-align:middle; } .dim { color:var(--dim); } svg text.target { fill:var(--bad); }
  #empty { color:var(--dim); padding:30px 0; }
</style>
</head>
<body>
<header><h1>Learning platform · operations</h1><span id="status">loading…</span>
<label class="dim">window <select id="window"><option value="15">15 min</option><option value="60" selected>1 h</option><option value="360">6 h</option><option value="1440">24 h</option></select></label>
<button id="token">token…</button></header>
<main>
  <div id="alerts"></div>
  <div id="tiles"></div>
  <div id="charts"><div id="empty">waiting for data…</div></div>
</main>
<script>
(() => {
  "use strict";
  const KEY = "ops-token";
  const COLORS = { p50: "#58a6ff", p95: "#d2a8ff", p99: "#f778ba", rate: "#58a6ff", err5: "#f85149", err4: "#d29922", content: "#3fb950", search: "#58a6ff", score: "#d2a8ff" };
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);

  function takeToken() {
    const w = /(?:^#|&)minutes=([0-9]+)/.exec(location.hash);
    if (w && [...$("window").options].some((o) => o.value === w[1])) $("window").value = w[1];
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(KEY);
  }
  function askToken() {
    const t = prompt("Operator token (OPS_TOKEN)");
    if (t) sessionStorage.setItem(KEY, t.trim());
    return sessionStorage.getItem(KEY);
  }
  $("token").onclick = () => { askToken(); refresh(); };
  $("window").onchange = () => refresh();

  const fmtMs = (v) => v == null || !isFinite(v) ? "–" : v >= 1000 ? (v / 1000).toFixed(2) + " s" : v >= 10 ? v.toFixed(0) + " ms" : v.toFixed(1) + " ms";
  const fmtPct = (v, d = 1) => v == null || !isFinite(v) ? "–" : (v * 100).toFixed(d) + " %";
  const hhmm = (t) => { const d = new Date(t); return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0"); };

  /** A line chart in SVG: series [{name, color, points: [[t, v]]}], optional target line. */
  function lineChart({ title, sub, series, target, format, yMin = 0, yMaxHint, t0, t1 }) {
    const W = 420, H = 150, L = 46, R = 8, T = 8, B = 20;
    const vals = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v != null && isFinite(v));
    let yMax = Math.max(yMaxHint ?? 0, ...(vals.length ? vals : [1]), target != null ? target * 1.15 : 0);
    if (yMax <= yMin) yMax = yMin + 1;
    const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
    let g = "";
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      g += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#2a333d" stroke-width="1"/>';
      g += '<text x="' + (L - 4) + '" y="' + (y(v) + 3) + '" text-anchor="end">' + esc(format(v)) + "</text>";
    }
    const ticks = 5;
    for (let i = 0; i <= ticks; i++) {
      const t = t0 + ((t1 - t0) * i) / ticks;
      const anchor = i === 0 ? "start" : i === ticks ? "end" : "middle";
      g += '<text x="' + x(t) + '" y="' + (H - 5) + '" text-anchor="' + anchor + '">' + hhmm(t) + "</text>";
    }
    if (target != null) {
      g += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(target) + '" y2="' + y(target) + '" stroke="#f85149" stroke-dasharray="5 4" stroke-width="1.2"/>';
      g += '<text x="' + (W - R) + '" y="' + (y(target) - 3) + '" text-anchor="end" class="target">target ' + esc(format(target)) + "</text>";
    }
    for (const s of series) {
      const pts = s.points.filter((p) => p[1] != null && isFinite(p[1]));
      if (pts.length === 0) continue;
      const d = pts.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(Math.min(p[1], yMax)).toFixed(1)).join(" ");
      g += '<path d="' + d + '" fill="none" stroke="' + s.color + '" stroke-width="1.8"/>';
      for (const p of pts) g += '<circle cx="' + x(p[0]).toFixed(1) + '" cy="' + y(Math.min(p[1], yMax)).toFixed(1) + '" r="2.2" fill="' + s.color + '"/>';
    }
    const legend = series.map((s) => '<span><svg width="10" height="2"><rect width="10" height="2" fill="' + s.color + '"/></svg> ' + esc(s.name) + "</span>").join("");
    return '<div class="chart"><h2>' + esc(title) + '</h2><div class="sub">' + esc(sub || "") + '</div><svg viewBox="0 0 ' + W + " " + H + '" width="100%">' + g + '</svg><div class="legend">' + legend + "</div></div>";
  }

  function tile(label, value, cls, note) {
    return '<div class="tile"><div class="t">' + esc(label) + '</div><div class="v ' + (cls || "") + '">' + esc(value) + '</div><div class="t">' + esc(note || "") + "</div></div>";
  }
  const grade = (v, good, warn, lowerIsBetter = true) => v == null || !isFinite(v) ? "" : lowerIsBetter ? (v <= good ? "ok" : v <= warn ? "warn" : "bad") : (v >= good ? "ok" : v >= warn ? "warn" : "bad");

  function render(data) {
    const tg = data.targets, r = data.recent, series = data.series;
    const minutes = Number($("window").value);
    const t1 = Math.floor(data.now / 60000) * 60000, t0 = t1 - (minutes - 1) * 60000;
    const firing = data.alerts.filter((a) => a.state === "firing"), pending = data.alerts.filter((a) => a.state === "pending");
    $("alerts").innerHTML = firing.length + pending.length === 0
      ? '<span class="pill ok">no alerts firing (' + data.alerts.length + " rules)</span>"
      : firing.map((a) => '<span class="pill ' + a.severity + '" title="' + esc(a.summary) + '">' + esc(a.severity) + " · " + esc(a.name) + " · " + esc(a.summary) + "</span>").join("") +
        pending.map((a) => '<span class="pill pending ' + a.severity + '" title="pending">pending · ' + esc(a.name) + " (" + a.heldSeconds + " s of " + a.forSeconds + " s)</span>").join("");
    const lag = r.outbox ? r.outbox.lagMaxMs : null;
    $("tiles").innerHTML =
      tile("requests / s (5 min)", r.rps == null ? "–" : r.rps.toFixed(1), "", (r.requests || 0) + " requests") +
      tile("p95 latency (5 min)", fmtMs(r.latency.p95), grade(r.latency.p95, tg.overallP95Ms, tg.overallP95Ms * 5 / 3), "target < " + tg.overallP95Ms + " ms") +
      tile("p99 latency (5 min)", fmtMs(r.latency.p99), "", "") +
      tile("5xx error rate", fmtPct(r.errorRate, 2), grade(r.errorRate, tg.errorRate, 0.01), "target < " + fmtPct(tg.errorRate, 1)) +
      tile("cache hit ratio (content + search)", fmtPct(r.cacheHitRatio, 0), grade(r.cacheHitRatio, tg.cacheHitRatio, 0.6, false), "target ≥ " + fmtPct(tg.cacheHitRatio, 0) + (r.caches.score ? " · score cache " + fmtPct(r.caches.score.ratio, 0) : "")) +
      tile("outbox lag (max)", lag == null ? "–" : fmtMs(lag), grade(lag, 60000, 900000), r.outbox ? "pending max " + r.outbox.pendingMax : "no reports");

    const routeCounts = {};
    for (const p of series) for (const [k, v] of Object.entries(p.routes)) routeCounts[k] = (routeCounts[k] || 0) + v[3];
    const targetOf = (k) => tg.endpoints.find((e) => new RegExp(e.matches).test(k));
    const routes = Object.keys(routeCounts).sort((a, b) => (targetOf(a) ? 0 : 1) - (targetOf(b) ? 0 : 1) || routeCounts[b] - routeCounts[a]).slice(0, 9);
    let html = "";
    for (const k of routes) {
      const t = targetOf(k);
      const pts = (i) => series.filter((p) => p.routes[k]).map((p) => [p.minute, p.routes[k][i]]);
      const recent = r.routes.find((x) => x.route === k);
      html += lineChart({
        title: k, sub: (t ? t.label + " · p95 target " + t.p95Ms + " ms · " : "") + "now p95 " + fmtMs(recent && recent.p95) + ", " + routeCounts[k] + " requests in window",
        series: [{ name: "p50", color: COLORS.p50, points: pts(0) }, { name: "p95", color: COLORS.p95, points: pts(1) }, { name: "p99", color: COLORS.p99, points: pts(2) }],
        target: t ? t.p95Ms : null, format: fmtMs, t0, t1,
      });
    }
    html += lineChart({ title: "request rate", sub: "requests per second, per minute", series: [{ name: "req/s", color: COLORS.rate, points: series.map((p) => [p.minute, p.rps]) }], format: (v) => v.toFixed(v < 10 ? 1 : 0), t0, t1 });
    html += lineChart({
      title: "error rate", sub: "share of requests; target " + fmtPct(tg.errorRate, 1) + " (5xx)",
      series: [{ name: "5xx", color: COLORS.err5, points: series.map((p) => [p.minute, p.errorRate]) }, { name: "4xx", color: COLORS.err4, points: series.map((p) => [p.minute, p.clientErrorRate]) }],
      target: tg.errorRate, format: (v) => fmtPct(v, v < 0.01 ? 2 : 1), yMaxHint: 0.005, t0, t1,
    });
    const caches = [...new Set(series.flatMap((p) => Object.keys(p.caches)))];
    html += lineChart({
      title: "cache hit ratio", sub: "per cache; target " + fmtPct(tg.cacheHitRatio, 0) + " (content, search)",
      series: caches.map((c) => ({ name: c, color: COLORS[c] || "#8a96a3", points: series.map((p) => [p.minute, p.caches[c]]) })),
      target: tg.cacheHitRatio, format: (v) => fmtPct(v, 0), yMaxHint: 1, t0, t1,
    });
    $("charts").innerHTML = html;
    $("status").textContent = "updated " + new Date(data.now).toLocaleTimeString() + " · " + series.length + " minutes with data · refreshes every 5 s";
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    const token = takeToken() || askToken();
    if (!token) { $("status").textContent = "an operator token is needed (button on the right, or #token=… in the URL)"; return; }
    try {
      const res = await fetch("/metrics?format=json&minutes=" + $("window").value, { headers: { authorization: "Bearer " + token, accept: "application/json" } });
      if (res.status === 401 || res.status === 403) { sessionStorage.removeItem(KEY); $("status").textContent = "the token was refused (" + res.status + ")"; return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      render(await res.json());
    } catch (err) {
      $("status").textContent = "refresh failed: " + err.message + " (retrying)";
    }
    timer = setTimeout(refresh, 5000);
  }
  refresh();
})();
</script>
</body>
</html>
`;

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let binary = "";
  for (const b of new Uint8Array(digest)) binary += String.fromCharCode(b);
  return btoa(binary);
}

let csp: Promise<string> | undefined;

/**
 * The page's Content-Security-Policy: its inline script and style blocks by SHA-256 hash,
 * nothing else inline (no 'unsafe-inline'), data only from this origin.
 */
export function dashboardCsp(): Promise<string> {
  csp ??= (async () => {
    const script = /<script>([\s\S]*?)<\/script>/.exec(DASHBOARD_HTML)?.[1] ?? "";
    const style = /<style>([\s\S]*?)<\/style>/.exec(DASHBOARD_HTML)?.[1] ?? "";
    return [
      "default-src 'none'",
      `script-src 'sha256-${await sha256Base64(script)}'`,
      `style-src 'sha256-${await sha256Base64(style)}'`,
      "connect-src 'self'",
      "img-src data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; ");
  })();
  return csp;
}
