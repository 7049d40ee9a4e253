// The status page served at / on `up`'s metrics listener and by `status --serve`: plain HTML, CSS and a small
// script (no CDN, no build step) that polls /api/status every second and redraws the tables and two graphs.

/** The page, as served. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>etcd-edge status</title>
<style>
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #8884; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1400px; padding: 12px 16px 32px; line-height: 1.35; }
header { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; }
h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1.05rem; margin: 20px 0 6px; }
#summary { font-weight: 600; } #updated { color: GrayText; font-size: .85rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th, td.num, td.nw { white-space: nowrap; } small { display: block; max-width: 16em; color: GrayText; font-weight: normal; overflow-wrap: anywhere; }
td.eps span { display: block; white-space: nowrap; }
th { font-weight: 600; background: #8881; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { font-weight: 600; } .state::before { content: "●  "; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.graphs { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { font-size: .85rem; } svg { width: 100%; height: 80px; display: block; }
svg polyline { fill: none; stroke: currentColor; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.muted { color: GrayText; }
@media (max-width: 700px) {
  table.cards thead { display: none; }
  table.cards tr { display: block; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 8px; padding: 4px; }
  table.cards td { display: flex; justify-content: space-between; gap: 12px; border: 0; white-space: normal; padding: 2px 6px; }
  table.cards td::before { content: attr(data-label); font-weight: 600; }
  table.cards td.num { text-align: right; }
  table.cards td.eps { display: block; } table.cards td.eps span { white-space: normal; overflow-wrap: anywhere; padding-left: 1em; }
  small { max-width: none; text-align: right; }
}
</style>
</head>
<body>
<header><h1>etcd-edge status</h1><span id="summary" role="status" aria-live="polite">loading…</span><span id="updated"></span></header>
<main>
<h2 id="members-h">Members</h2>
<div class="scroll"><table class="cards" aria-labelledby="members-h"><thead><tr>
<th>Name</th><th>ID</th><th>Client URL</th><th>Role</th><th>Health</th><th>Process</th><th>Raft term</th><th>Raft index</th><th>Applied</th><th>DB size</th><th>Version</th>
</tr></thead><tbody id="members"></tbody></table></div>
<section id="hosts-s" hidden><h2 id="hosts-h">Hosts</h2>
<div class="scroll"><table class="cards" aria-labelledby="hosts-h"><thead><tr>
<th>Host</th><th>Addresses</th><th>Role</th><th>Member</th><th>Proxy</th><th>Gateway</th><th>Tunnels</th><th>Metrics listener</th><th>Edge state</th>
</tr></thead><tbody id="hosts"></tbody></table></div></section>
<h2 id="edge-h">Edge components of this process</h2>
<div class="scroll"><table class="cards" aria-labelledby="edge-h"><thead><tr>
<th>Kind</th><th>Address</th><th>State</th><th>Endpoints</th><th>Rate</th><th>Numbers</th>
</tr></thead><tbody id="edge"></tbody></table></div>
<h2>Last minutes</h2>
<div class="graphs">
<figure id="rps-fig"><figcaption>Requests per second through the proxy: <b id="rps-now">-</b></figcaption><svg id="rps" viewBox="0 0 300 80" preserveAspectRatio="none" role="img" aria-label="requests per second graph"><polyline points=""/></svg></figure>
<figure><figcaption>Raft index per second: <b id="ips-now">-</b></figcaption><svg id="ips" viewBox="0 0 300 80" preserveAspectRatio="none" role="img" aria-label="raft index rate graph"><polyline points=""/></svg></figure>
</div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const cell = (row, label, text, cls) => { const td = row.insertCell(); td.dataset.label = label; td.textContent = text; if (cls) td.className = cls; return td; };
const human = (n) => { if (n == null) return "-"; const u = ["B", "kB", "MB", "GB", "TB"]; let i = 0; while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; } return (i && n < 10 ? n.toFixed(1) : String(Math.round(n))) + " " + u[i]; };
const fmt = (n) => n == null ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(1);
function stateSpan(td, text, good, note) {
  td.textContent = ""; const s = document.createElement("span"); s.className = "state " + (good === true ? "ok" : good === false ? "bad" : "warn"); s.textContent = text; td.appendChild(s);
  if (note) { const n = document.createElement("small"); n.textContent = note; td.appendChild(n); }
}
function members(doc) {
  const tb = $("members"); tb.textContent = "";
  const byName = [...doc.members].sort((a, b) => (a.name || a.endpoint).localeCompare(b.name || b.endpoint));
  for (const m of byName) {
    const r = tb.insertRow(); r.dataset.member = m.name || m.endpoint;
    cell(r, "Name", m.name || "(unknown)", "nw"); cell(r, "ID", m.id || "-", "nw"); cell(r, "Client URL", m.endpoint, "nw");
    cell(r, "Role", m.isLeader ? "leader" : m.isLearner ? "learner" : m.id ? "follower" : "-");
    stateSpan(cell(r, "Health", ""), m.health, m.health === "healthy", m.error && m.error !== "unhealthy" ? m.error.slice(0, 80) : "");
    const p = m.process; const pt = p ? (p.state === "restarting" ? "restarting with backoff" : p.state) + (p.pid ? " (pid " + p.pid + ")" : "") + (p.restarts ? ", " + p.restarts + (p.restarts === 1 ? " restart" : " restarts") : "") : "not run here";
    stateSpan(cell(r, "Process", "", "nw"), pt, p ? p.state === "running" : undefined);
    cell(r, "Raft term", m.raftTerm ?? "-", "num"); cell(r, "Raft index", m.raftIndex ?? "-", "num"); cell(r, "Applied index", m.raftAppliedIndex ?? "-", "num");
    cell(r, "DB size", human(m.dbSize), "num"); cell(r, "Version", m.version || "-");
  }
}
function edgeState(e) {
  const s = e.stats;
  if (e.kind === "proxy") return [s.endpointsAvailable > 0 ? "serving" : "no endpoint", s.endpointsAvailable > 0];
  if (e.kind === "gateway") return [s.endpointsUp > 0 ? "serving" : "no endpoint", s.endpointsUp > 0];
  if (e.kind === "tunnel") return [s.connected ? "connected" : "disconnected", s.connected > 0];
  return ["running", true];
}
function edgeNumbers(e, rate) {
  const s = e.stats;
  if (e.kind === "proxy") return [fmt(rate.rps) + " req/s", s.requestsTotal + " requests, " + s.errorsTotal + " errors"];
  if (e.kind === "gateway") return [human(rate.bps) + "/s", s.connectionsActive + " active conns, " + s.refusalsTotal + " refusals, " + s.dialFailuresTotal + " dial failures"];
  if (e.kind === "tunnel") return ["-", s.reconnectsTotal + " reconnects; " + e.detail];
  return ["-", e.detail];
}
function hosts(doc) {
  $("hosts-s").hidden = !doc.hosts; if (!doc.hosts) return;
  const tb = $("hosts"); tb.textContent = "";
  for (const h of doc.hosts) {
    const r = tb.insertRow(); r.dataset.host = h.name;
    cell(r, "Host", h.name, "nw"); cell(r, "Addresses", h.addresses.join(", ")); cell(r, "Role", h.role); cell(r, "Member", h.member || "-");
    cell(r, "Proxy", h.proxy || "-"); cell(r, "Gateway", h.gateway || "-"); cell(r, "Tunnels", String(h.tunnels), "num");
    stateSpan(cell(r, "Metrics listener", ""), h.reached ? "reached" : "not reached", h.reached ? true : undefined, h.metricsUrl + (h.error ? ": " + h.error.slice(0, 60) : ""));
    cell(r, "Edge state", h.edge.map((e) => e.kind + " " + edgeState(e)[0]).join("; ") || "-");
  }
}
const lastEdge = new Map();
function edge(doc) {
  const tb = $("edge"); tb.textContent = "";
  if (!doc.edge.length) { const r = tb.insertRow(); cell(r, "Kind", "none", "muted"); return; }
  doc.edge.forEach((e, i) => {
    const key = e.kind + i; const prev = lastEdge.get(key); const now = Date.parse(doc.time);
    const dt = prev ? Math.max(0.001, (now - prev.t) / 1000) : 0;
    const rate = { rps: prev ? Math.max(0, ((e.stats.requestsTotal || 0) - prev.r) / dt) : null, bps: prev ? Math.max(0, ((e.stats.bytesTotal || 0) - prev.b) / dt) : null };
    if (!prev || now > prev.t) lastEdge.set(key, { t: now, r: e.stats.requestsTotal || 0, b: e.stats.bytesTotal || 0 });
    const r = tb.insertRow(); r.dataset.edge = e.kind;
    cell(r, "Kind", e.kind); cell(r, "Address", e.address);
    const [st, good] = edgeState(e); stateSpan(cell(r, "State", ""), st, good);
    const eps = cell(r, "Endpoints", e.endpoints.length ? "" : "-", "eps");
    for (const x of e.endpoints) { const sp = document.createElement("span"); sp.textContent = x.url + " " + x.state + (x.requests != null ? " (" + x.requests + " req)" : ""); eps.appendChild(sp); }
    const [rt, nums] = edgeNumbers(e, rate); cell(r, "Rate", rate.rps == null && rate.bps == null ? "-" : rt, "num"); cell(r, "Numbers", nums);
  });
}
function graph(id, values) {
  const svg = $(id); const pl = svg.querySelector("polyline");
  const max = Math.max(1, ...values); const top = Math.max(0, ...values); const n = Math.max(2, values.length);
  pl.setAttribute("points", values.map((v, i) => (i * 300 / (n - 1)).toFixed(1) + "," + (78 - v / max * 74).toFixed(1)).join(" "));
  $(id + "-now").textContent = values.length ? fmt(values[values.length - 1]) + " (max " + fmt(top) + ")" : "-";
}
function render(doc) {
  const bad = doc.members.filter((m) => m.health !== "healthy");
  const leader = doc.members.find((m) => m.isLeader);
  $("summary").textContent = doc.members.length + " members, " + (bad.length ? bad.length + " unhealthy (" + bad.map((m) => m.name || m.endpoint).join(", ") + ")" : "all healthy") + "; leader: " + (leader ? leader.name || leader.id : "none");
  $("summary").className = bad.length ? "bad" : "ok";
  $("updated").textContent = "updated " + new Date(doc.time).toLocaleTimeString();
  members(doc); hosts(doc); edge(doc);
  $("rps-fig").hidden = !doc.edge.some((e) => e.kind === "proxy");
  if (doc.history) { graph("rps", doc.history.requestsPerSecond); graph("ips", doc.history.raftIndexPerSecond); }
}
async function poll() {
  try {
    const res = await fetch("api/status", { cache: "no-store" });
    if (res.ok) render(await res.json()); else $("summary").textContent = "status not available yet (" + res.status + ")";
  } catch (e) { $("summary").textContent = "cannot reach the status listener"; $("summary").className = "bad"; }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
