#include "daemon/dashboard.hpp"

namespace crmsync {

std::string_view dashboard_html()
{
    static constexpr std::string_view page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crmsync</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 1rem}
.state{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;background:#ddd;font-weight:600}
.running{background:#c8efc8}.degraded,.paused{background:#ffd9a0}.initial_sync,.starting{background:#cfe3ff}
table{border-collapse:collapse;margin:1rem 0;min-width:28rem}
td,th{border-bottom:1px solid #e3e3e3;padding:.3rem .8rem;text-align:left}
th{background:#f0f0f0}.num{text-align:right;font-variant-numeric:tabular-nums}
.err{color:#a40000}
</style></head>
<body>
<h1>crmsync <span id="version"></span> <span id="state" class="state">loading</span></h1>
<table id="totals"></table>
<table id="sides"></table>
<p id="note"></p>
<script>
const fmt = v => v === null || v === undefined ? "–" : v;
function row(cells, head) {
  const tr = document.createElement("tr");
  for (const c of cells) { const td = document.createElement(head ? "th" : "td"); td.textContent = fmt(c); tr.appendChild(td); }
  return tr;
}
async function refresh() {
  try {
    const s = await (await fetch("status", {cache: "no-store"})).json();
    document.getElementById("version").textContent = s.version;
    const st = document.getElementById("state"); st.textContent = s.state; st.className = "state " + s.state;
    const t = document.getElementById("totals"); t.replaceChildren();
    for (const k of ["links", "pending", "dirty", "conflicts", "dead_letters", "initial_sync_complete", "uptime_s"])
      if (k in s) t.appendChild(row([k.replace(/_/g, " "), s[k]]));
    const sides = document.getElementById("sides"); sides.replaceChildren();
    if (s.shopify) {
      sides.appendChild(row(["", "Shopify", "CRM"], true));
      const keys = ["role", "last_poll_ok", "lag_s", "requests", "throttled", "records_observed", "last_error", "paused"];
      for (const k of keys) sides.appendChild(row([k.replace(/_/g, " "), s.shopify[k], s.crm[k]]));
      const budget = side => Object.entries(side.budget).map(([n, b]) => `${n}: ${Math.round(b.available)}/${Math.round(b.capacity)}`).join(", ");
      sides.appendChild(row(["budget", budget(s.shopify), budget(s.crm)]));
      sides.appendChild(row(["writes ok / retried / dead", `${s.shopify.writes.ok} / ${s.shopify.writes.retried} / ${s.shopify.writes.dead_lettered}`, `${s.crm.writes.ok} / ${s.crm.writes.retried} / ${s.crm.writes.dead_lettered}`]));
    }
    document.getElementById("note").textContent = s.links === undefined ? "Details need the bearer token (http.token)." : "";
  } catch (e) {
    document.getElementById("note").textContent = "cannot reach the daemon: " + e;
    document.getElementById("note").className = "err";
  }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
)html";
    return page;
}

} // namespace crmsync
