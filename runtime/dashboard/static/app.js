// The dashboard: loads the views, keeps them current from the event stream, and
// routes between Accounts, Connections and Risk by the URL's hash.

import { renderAccounts } from "./accounts.js";
import { get, post } from "./api.js";
import { openAddFlow, renderConnections, tickHeartbeats } from "./connections.js";
import { $, clock, fill, h, toast } from "./dom.js";
import { openKillSwitch } from "./killswitch.js";
import { Live } from "./live.js";
import { DecisionLog, renderPolicies, renderReload } from "./risk.js";

const VIEWS = ["accounts", "connections", "risk"];
const decisions = new DecisionLog($("#decision-filter"), $("#decisions"));

function showView() {
  const wanted = location.hash.slice(1);
  const view = VIEWS.includes(wanted) ? wanted : "accounts";
  for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.dataset.view !== view;
  for (const tab of document.querySelectorAll("[data-tab]")) {
    if (tab.dataset.tab === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
}

let loading = null;
let again = false;

// One refresh at a time; events that arrive meanwhile ask for one more after it.
export function refresh() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = load()
    .catch((e) => toast(`Could not load the runtime's state: ${e.message}`, "error"))
    .finally(() => {
      loading = null;
      if (again) {
        again = false;
        refresh();
      }
    });
  return loading;
}

async function load() {
  const [status, accounts, risk, orders] = await Promise.all([
    get("/v1/status"), get("/v1/accounts"), get("/ui/risk"), get("/v1/orders"),
  ]);
  $("#runtime-name").textContent = status.runtime;
  const c = status.counts;
  $("#accounts-summary").textContent =
    `${c.accounts} account${c.accounts === 1 ? "" : "s"} · ${c.locked} locked · ${c.open_positions} open position${c.open_positions === 1 ? "" : "s"} · ${c.paused} paused`;
  $("#risk-bundle").textContent = risk.policy.bundle ? `bundle ${risk.policy.bundle}` : "no valid bundle";
  renderAccounts($("#accounts"), accounts.accounts, risk.accounts, orders.orders, refresh);
  renderConnections($("#connections"), status.connections, accounts.accounts, refresh);
  renderReload($("#reload-state"), risk);
  renderPolicies($("#policies"), risk);
  decisions.setAccounts(accounts.accounts.map((a) => a.id));
  await decisions.load();
}

// ---- the live feed

const LABELS = {
  decision: (d) => `${d.account}: ${d.decision.outcome === "allow" ? "✓ allowed" : "✕ blocked"} ${d.order.side} ${d.order.qty} ${d.order.symbol}${d.decision.code ? ` [${d.decision.code}]` : ""}`,
  fill: (d) => `${d.account}: filled ${d.side ?? ""} ${d.qty} ${d.symbol} @ ${d.price}`,
  breach: (d) => `${d.account}: BREACH ${d.code}: ${d.message}`,
  lock: (d) => `${d.account}: locked${d.until ? ` until ${new Date(d.until).toLocaleString()}` : ""}${d.enforce ? " (enforced)" : ""}`,
  unlock: (d) => `${d.account}: unlocked${d.expired ? " (expired)" : ""}`,
  flatten: (d) => `${d.account}: flattened (${d.reason})`,
  flatten_failed: (d) => `${d.account}: flatten FAILED: ${d.error}`,
  connection: (d) => `${d.connection}: ${d.status}${d.detail ? ` (${d.detail})` : ""}`,
  reload: (d) => (d.ok ? `rules reloaded: ${d.policies.join(", ")}` : `reload REFUSED: ${d.refused?.message ?? d.error}`),
  kill_switch: (d) => `KILL SWITCH: ${d.accounts.length} account(s) flattened and locked`,
  automation_paused: (d) => `${d.account}: automation paused (positions gone at the broker)`,
};
const IMPORTANT = new Set(["breach", "lock", "flatten_failed", "kill_switch", "automation_paused"]);

function feed(type, data) {
  const label = LABELS[type] ? LABELS[type](data) : `${type}${data.account ? `: ${data.account}` : ""}${data.connection ? `: ${data.connection}` : ""}`;
  const list = $("#feed");
  const bad = IMPORTANT.has(type) || (type === "reload" && !data.ok) || (type === "connection" && data.status === "error");
  list.prepend(h("li", { class: bad ? "alert" : "", "data-event": type },
    h("time", {}, clock(new Date().toISOString())), " ", label));
  while (list.children.length > 60) list.lastElementChild.remove();
  if (type === "breach") toast(label, "error");
}

function streamState(state, reconnected, wait) {
  const el = $("#stream");
  el.dataset.state = state;
  const text = {
    connecting: "Connecting to the event stream…",
    reconnecting: "Reconnecting to the event stream…",
    live: "Live",
    lost: `Event stream lost: reconnecting in ${wait} s`,
  }[state];
  el.querySelector(".stream-text").textContent = text;
  if (state === "live" && reconnected) refresh(); // anything missed while it was down
  // a restarted runtime has forgotten the session: the probe's 401 shows the sign-in page
  if (state === "lost") get("/v1/status").catch(() => null);
}

// ---- start

window.addEventListener("hashchange", showView);
$("#kill-switch").addEventListener("click", () => openKillSwitch(refresh));
$("#add-connection").addEventListener("click", () => openAddFlow(refresh).catch((e) => toast(e.message, "error")));
$("#sign-out").addEventListener("click", async () => {
  await post("/ui/sign-out").catch(() => null);
  location.replace("/");
});
showView();
fill($("#feed"));
const live = new Live({
  onEvent: (type, data) => {
    feed(type, data);
    refresh();
  },
  onState: streamState,
});
live.start();
await refresh();
setInterval(() => tickHeartbeats($("#connections")), 1000);
setInterval(refresh, 5000); // P&L moves with every quote, which is no event
document.body.dataset.ready = "true";
