#include "daemon/dashboard.hpp"

namespace crmsync {

// Everything is inline (no fonts, scripts or images from anywhere) so the page works on an air-gapped host
// and under a strict Content-Security-Policy of the operator's proxy. It reads /status only; every value is
// written with textContent, never parsed as HTML. Element ids (links, scanned, budget-...) are what the
// end-to-end test looks for.
std::string_view dashboard_html()
{
    static constexpr std::string_view page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crmsync</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
:root{--bg:#f4f5f7;--card:#fff;--ink:#1d2430;--muted:#6b7585;--line:#e4e7ec;--ok:#1f9d55;--warn:#d98b00;--bad:#c93c37;--info:#2f6fde}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);background:var(--bg)}
header{display:flex;align-items:center;gap:.8rem;flex-wrap:wrap;padding:.9rem 1.5rem;background:#1d2430;color:#fff}
header h1{font-size:1.15rem;margin:0;font-weight:650;letter-spacing:.02em}
header .meta{color:#b8c0cc;font-size:.85rem}
main{padding:1.2rem 1.5rem;display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));max-width:90rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.9rem 1rem}
.card h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 .6rem}
.wide{grid-column:1/-1}
.state{display:inline-block;padding:.15rem .6rem;border-radius:1rem;font-weight:600;font-size:.85rem;background:#5b6575}
.state.running{background:var(--ok)}.state.degraded,.state.paused{background:var(--warn)}
.state.initial_sync,.state.starting{background:var(--info)}.state.stopping,.state.unreachable{background:var(--bad)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.6rem}
.tile{border:1px solid var(--line);border-radius:.4rem;padding:.5rem .7rem}
.tile .v{font-size:1.5rem;font-weight:650;font-variant-numeric:tabular-nums}
.tile .k{color:var(--muted);font-size:.8rem}
.tile.alert .v{color:var(--bad)}
.bar{height:.7rem;border-radius:.35rem;background:var(--line);overflow:hidden;margin:.4rem 0}
.bar>div{height:100%;background:var(--info);width:0;transition:width .4s}
.bar.done>div{background:var(--ok)}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid var(--line);padding:.28rem .4rem;text-align:left;vertical-align:top}
table.list td{white-space:nowrap}
th{color:var(--muted);font-weight:600;font-size:.8rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.gauges{display:flex;flex-wrap:wrap;gap:.8rem;margin:.4rem 0}
.gauge{text-align:center;width:8.5rem}
.gauge svg{width:8.5rem;height:4.9rem}
.gauge .name{font-size:.8rem;color:var(--muted)}
.gauge .val{font-size:.85rem;font-variant-numeric:tabular-nums}
.err{color:var(--bad)}.muted{color:var(--muted)}
.banner{grid-column:1/-1;background:#fff4e0;border:1px solid #f0c36d;border-radius:.5rem;padding:.6rem 1rem}
.banner.bad{background:#fdecea;border-color:#f1a7a3}
.hidden{display:none}
ul.errors{margin:.2rem 0;padding-left:1.1rem;font-size:.85rem}
input{font:inherit;padding:.2rem .4rem}
@media (max-width:50rem){.sides{grid-template-columns:1fr}}
</style></head>
<body>
<header>
  <h1>crmsync</h1><span id="state" class="state">loading</span>
  <span class="meta" id="meta"></span>
  <span class="meta" id="updated" style="margin-left:auto"></span>
</header>
<main>
  <div id="banner" class="banner hidden"></div>
  <section class="card wide" id="auth" hidden>
    <h2>Details</h2>
    <p>This daemon has an <code>http.token</code>: details need it. It stays in this tab only.</p>
    <form id="tokenform"><input id="token" type="password" size="40" placeholder="bearer token"> <button>Show details</button></form>
  </section>
  <section class="card wide" id="progress-card">
    <h2>Initial sync</h2>
    <div><span id="progress-text">–</span> <span class="muted" id="eta"></span></div>
    <div class="bar" id="progress-bar"><div></div></div>
  </section>
  <section class="card wide">
    <h2>State</h2>
    <div class="tiles" id="tiles"></div>
  </section>
  <section class="card wide">
    <h2>Sides</h2>
    <div class="sides">
      <div id="side-shopify"></div>
      <div id="side-crm"></div>
    </div>
  </section>
  <section class="card">
    <h2>Queues</h2>
    <table id="queue-list" class="list"></table>
  </section>
  <section class="card">
    <h2>Recent conflicts</h2>
    <table id="conflict-list" class="list"></table>
  </section>
  <section class="card">
    <h2>Recent dead letters</h2>
    <table id="dead-letter-list" class="list"></table>
  </section>
</main>
<script>
"use strict";
const $ = id => document.getElementById(id);
const show = v => v === null || v === undefined ? "–" : String(v);
let token = sessionStorage.getItem("crmsync-token") || "";

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : show(k));
  return e;
}
function duration(s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return s + " s";
  if (s < 5400) return Math.round(s / 60) + " min";
  if (s < 172800) return (s / 3600).toFixed(1) + " h";
  return Math.round(s / 86400) + " d";
}
// "2026-11-26T13:53:24Z" -> "11-26 13:53:24" (UTC), short enough for a table cell.
const when = iso => iso ? iso.slice(5, 19).replace("T", " ") : "–";
function table(id, head, rows, empty) {
  const t = $(id); t.replaceChildren();
  t.append(el("tr", {}, ...head.map(h => el("th", {class: h.num ? "num" : undefined}, h.t))));
  if (!rows.length) { t.append(el("tr", {}, el("td", {colspan: head.length, class: "muted"}, empty))); return; }
  for (const r of rows) t.append(el("tr", {}, ...r.map((c, i) => el("td", {class: head[i].num ? "num" : undefined}, c))));
}
function tile(id, label, value, alert) {
  return el("div", {class: "tile" + (alert ? " alert" : "")}, el("div", {class: "v", id}, value), el("div", {class: "k"}, label));
}
// A semicircle gauge: share of the daemon's budget still available now.
function gauge(id, name, available, capacity) {
  const ns = "http://www.w3.org/2000/svg";
  const frac = capacity > 0 ? Math.max(0, Math.min(1, available / capacity)) : 0;
  const svg = document.createElementNS(ns, "svg"); svg.setAttribute("viewBox", "0 0 100 58");
  const arc = (f, color, w) => {
    const a = Math.PI * (1 - f), x = 50 + 40 * Math.cos(a), y = 52 - 40 * Math.sin(a);
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", `M10 52 A40 40 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`);
    p.setAttribute("fill", "none"); p.setAttribute("stroke", color); p.setAttribute("stroke-width", w);
    p.setAttribute("stroke-linecap", "round");
    return p;
  };
  svg.append(arc(0.9999, "#e4e7ec", 9));
  if (frac > 0.005) svg.append(arc(frac, frac > 0.5 ? "#1f9d55" : frac > 0.2 ? "#d98b00" : "#c93c37", 9));
  const txt = document.createElementNS(ns, "text");
  txt.setAttribute("x", "50"); txt.setAttribute("y", "50"); txt.setAttribute("text-anchor", "middle");
  txt.setAttribute("font-size", "15"); txt.setAttribute("font-weight", "600"); txt.textContent = Math.round(frac * 100) + "%";
  svg.append(txt);
  return el("div", {class: "gauge"}, svg, el("div", {class: "name"}, name),
            el("div", {class: "val", id}, `${Math.round(available)} / ${Math.round(capacity)}`));
}
function side(key, title, s) {
  const box = $("side-" + key); box.replaceChildren();
  if (!s) return;
  box.append(el("h3", {style: "margin:.2rem 0 .4rem;font-size:1rem"}, `${title} `, el("span", {class: "muted"}, `(${s.connector}, ${s.role})`)));
  const g = el("div", {class: "gauges"});
  for (const [name, b] of Object.entries(s.budget || {})) g.append(gauge(`budget-${key}-${name}`, name, b.available, b.capacity));
  box.append(g);
  const req = s.api_requests || {};
  const rows = [
    ["last poll", s.last_poll_ok ? `${s.last_poll_ok} (${duration(s.lag_s)} ago)` : "–"],
    ["cursor lag", duration(s.cursor_lag_s)],
    ["requests", el("span", {id: `requests-${key}`}, s.requests)],
    ["by outcome", Object.entries(req).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "–"],
    ["throttled", el("span", {id: `throttled-${key}`}, s.throttled)],
    ["records read", el("span", {id: `observed-${key}`}, s.records_observed)],
    ["writes ok / retried / dead", `${s.writes.ok} / ${s.writes.retried} / ${s.writes.dead_lettered}`],
    ["webhooks accepted / dup / rejected", `${s.webhooks.accepted} / ${s.webhooks.duplicates} / ${s.webhooks.rejected}`],
  ];
  if (s.initial_scan && !s.initial_scan.complete)
    rows.push(["initial scan", `${s.initial_scan.scanned} of ${show(s.initial_scan.total)}`]);
  if (s.paused) rows.push(["paused", el("span", {class: "err"}, s.paused)]);
  if (s.guard) rows.push(["guard", el("span", {class: "err"}, s.guard)]);
  const t = el("table");
  for (const [k, v] of rows) t.append(el("tr", {}, el("th", {}, k), el("td", {}, v)));
  box.append(t);
  if (s.recent_errors && s.recent_errors.length) {
    box.append(el("div", {class: "muted", style: "margin-top:.5rem"}, "recent errors"));
    box.append(el("ul", {class: "errors"}, ...s.recent_errors.map(e => el("li", {class: "err"}, `${e.at}: ${e.message}`))));
  }
}
function render(s) {
  const st = $("state"); st.textContent = s.state.replace("_", " "); st.className = "state " + s.state;
  $("meta").textContent = `v${s.version} · up ${duration(s.uptime_s)}` + (s.direction ? ` · ${s.direction.replace(/_/g, " ")}` : "") +
    (s.dry_run ? " · dry run" : "") + (s.ready ? "" : " · not ready");
  $("auth").hidden = s.links !== undefined;
  const p = s.initial_sync, bar = $("progress-bar"), text = $("progress-text");
  const complete = p ? p.complete : s.initial_sync_complete;
  bar.className = "bar" + (complete ? " done" : "");
  bar.firstElementChild.style.width = (complete ? 100 : p && p.percent !== null ? p.percent : 0) + "%";
  $("eta").textContent = complete || !p ? "" : p.eta_s === null ? "ETA unknown" : `ETA ${duration(p.eta_s)}`;
  if (!p || (complete && !p.scanned))  // details hidden, or finished in an earlier run of the daemon
    text.textContent = complete ? "complete" : "in progress";
  else
    text.replaceChildren(complete ? "complete · " : "", el("span", {id: "scanned"}, p.scanned), " of ",
                         el("span", {id: "total"}, show(p.total)), " records scanned",
                         p.percent === null ? "" : ` (${p.percent}%)`);
  if (complete && s.pending > 0)  // the scans are done; the first sync is not until its writes are
    text.append(` · ${s.pending} writes queued`);
  const banner = $("banner"), reasons = s.paused_reasons || [];
  banner.classList.toggle("hidden", !reasons.length);
  banner.replaceChildren(...reasons.map(r => el("div", {}, el("b", {}, `${r.side} ${r.kind === "guard" ? "guard" : "paused"}: `),
                                                    r.reason, r.until ? ` (until ${r.until})` : "")));
  const tiles = $("tiles"); tiles.replaceChildren();
  if (s.links !== undefined) {
    tiles.append(tile("links", "linked people", s.links), tile("pending", "writes pending", s.pending),
                 tile("dirty", "to reconcile", s.dirty), tile("conflicts", "open conflicts", s.conflicts, s.conflicts > 0),
                 tile("conflicts-settled", "settled conflicts", s.conflicts_settled),
                 tile("dead-letters", "dead letters", s.dead_letters, s.dead_letters > 0),
                 tile("quarantined", "quarantined", s.quarantined, s.quarantined > 0), tile("tombstones", "tombstones", s.tombstones));
  } else {
    tiles.append(tile("ready", "ready", s.ready ? "yes" : "no"), tile("initial", "initial sync complete", s.initial_sync_complete ? "yes" : "no"));
  }
  side("shopify", "Shopify", s.shopify); side("crm", "CRM", s.crm);
  const q = s.queues;
  if (q) {
    const kinds = ["create", "update", "delete"];
    table("queue-list", [{t: "outbox"}, ...kinds.map(k => ({t: k, num: true}))],
          ["shopify", "crm"].map(sd => [`to ${sd}`, ...kinds.map(k => el("span", {id: `queue-${sd}-${k}`}, q.outbox[sd][k]))])
            .concat([["to reconcile", el("span", {id: "queue-dirty"}, q.dirty), "", ""]]), "");
  }
  if (s.recent_conflicts)
    table("conflict-list", [{t: "id", num: true}, {t: "link", num: true}, {t: "field"}, {t: "winner"}, {t: "at (UTC)"}],
          s.recent_conflicts.map(c => [c.id, c.link, c.field, c.open ? "open" : show(c.winner), when(c.at)]), "none");
  if (s.recent_dead_letters)
    table("dead-letter-list", [{t: "id", num: true}, {t: "link", num: true}, {t: "to"}, {t: "kind"}, {t: "tries", num: true}, {t: "at (UTC)"}],
          s.recent_dead_letters.map(d => [d.id, d.link, d.target, d.kind, d.attempts, when(d.at)]), "none");
}
async function refresh() {
  try {
    const r = await fetch("status", {cache: "no-store", headers: token ? {Authorization: "Bearer " + token} : {}});
    render(await r.json());
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.loaded = "1";
  } catch (e) {
    const st = $("state"); st.textContent = "unreachable"; st.className = "state unreachable";
    $("updated").textContent = "cannot reach the daemon: " + e;
  }
}
$("tokenform").addEventListener("submit", ev => {
  ev.preventDefault(); token = $("token").value; sessionStorage.setItem("crmsync-token", token); refresh();
});
refresh(); setInterval(refresh, 2000);
</script></body></html>
)html";
    return page;
}

} // namespace crmsync
