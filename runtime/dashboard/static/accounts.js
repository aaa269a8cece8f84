// Accounts: P&L against limits as bars, trailing threshold, lock, flags, positions,
// working orders, and the controls (each asks for confirmation first).

import { ApiError, post } from "./api.js";
import { confirmDialog, modal } from "./dialogs.js";
import { fill, h, money, toast, when } from "./dom.js";

// A bar from the loss limit (left) through zero to the profit target (right).
function pnlBar(label, value, limits) {
  const loss = limits?.loss ?? null;
  const target = limits?.profit_target ?? null;
  const span = value < 0 ? loss : target;
  const share = span ? Math.min(1, Math.abs(value) / span) : 0;
  const pct = `${(share * 50).toFixed(1)}%`;
  const side = value < 0 ? "loss" : "gain";
  const near = span && share >= 0.8;
  const reached = span && share >= 1;
  const bar = h(
    "div",
    {
      class: "bar",
      role: "meter",
      "aria-label": `${label} P&L`,
      "aria-valuenow": value,
      "aria-valuemin": loss ? -loss : value < 0 ? value : 0,
      "aria-valuemax": target || (value > 0 ? value : 0),
    },
    h("span", { class: "zero", "aria-hidden": "true" }),
    h("span", { class: `fill ${side}${near ? " near" : ""}`, style: { "--w": pct } }),
  );
  const status = reached ? (value < 0 ? "loss limit reached" : "target reached") : near ? "near the limit" : "";
  return h(
    "div",
    { class: "pnl", dataset: { scope: label.toLowerCase() } },
    h("div", { class: "pnl-head" },
      h("span", { class: "pnl-label" }, `${label} P&L`),
      h("strong", { class: `pnl-value ${side}`, "data-pnl": label.toLowerCase() }, money(value)),
      status ? h("span", { class: "flag warn" }, `⚠ ${status}`) : null),
    bar,
    h("div", { class: "pnl-scale muted" },
      h("span", {}, loss ? `loss limit −${money(loss)}` : "no loss limit"),
      h("span", {}, target ? `target ${money(target)}` : "no target")),
  );
}

function flags(a) {
  const out = [];
  if (a.locked) {
    const until = a.locked.until ? `until ${when(a.locked.until)}` : "until unlocked by hand";
    const enforced = a.locked.enforce ? " · enforced" : "";
    out.push(h("span", { class: "flag locked", "data-flag": "locked" }, `■ Locked ${until}${enforced}`,
      a.locked.reason ? h("small", {}, ` (${a.locked.reason})`) : null));
  } else {
    out.push(h("span", { class: "flag ok", "data-flag": "unlocked" }, "✓ Unlocked"));
  }
  if (!a.enabled) out.push(h("span", { class: "flag off", "data-flag": "disabled" }, "○ Disabled"));
  if (a.automation_paused) out.push(h("span", { class: "flag warn", "data-flag": "paused" }, "‖ Automation paused"));
  if (a.flatten_error) out.push(h("span", { class: "flag error" }, `✕ Flatten failed: ${a.flatten_error}`));
  return out;
}

function positionsTable(a) {
  if (!a.positions.length) return h("p", { class: "muted" }, "Flat: no open positions.");
  return h("div", { class: "table-wrap" }, h("table", { class: "grid" },
    h("caption", {}, "Open positions"),
    h("thead", {}, h("tr", {}, ["Symbol", "Qty", "Avg price", "Mark", "Unrealized"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, a.positions.map((p) => h("tr", {},
      h("td", {}, p.symbol), h("td", {}, p.qty > 0 ? `+${p.qty}` : p.qty), h("td", {}, p.avg_price),
      h("td", {}, p.mark ?? "—"), h("td", { class: p.unrealized < 0 ? "loss" : "gain" }, money(p.unrealized)))))));
}

function ordersTable(orders) {
  if (!orders.length) return h("p", { class: "muted" }, "No working orders.");
  return h("div", { class: "table-wrap" }, h("table", { class: "grid" },
    h("caption", {}, "Working orders"),
    h("thead", {}, h("tr", {}, ["Order", "Symbol", "Side", "Qty", "Type", "Price", "Status"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, orders.map((o) => h("tr", {},
      h("td", {}, h("code", {}, o.id)), h("td", {}, o.symbol), h("td", {}, o.side), h("td", {}, o.qty),
      h("td", {}, o.type), h("td", {}, o.price ?? o.stop_price ?? "—"), h("td", {}, o.status))))));
}

function trailing(a, risk) {
  const t = risk?.limits?.trailing;
  if (!t) return null;
  const room = a.equity - t.threshold;
  return h("p", { class: "trailing", "data-trailing": true },
    h("span", {}, "Trailing threshold "), h("strong", {}, money(t.threshold)),
    h("span", { class: "muted" }, ` · ${t.mode} · ${money(t.amount)} below the peak${t.stop_at ? `, stops at ${money(t.stop_at)}` : ""} · `),
    h("span", { class: room <= 0 ? "loss" : "" }, room <= 0 ? "⚠ at or below the threshold" : `${money(room)} of room`));
}

async function act(label, fn, refresh) {
  try {
    await fn();
    toast(label, "ok");
  } catch (error) {
    toast(error instanceof ApiError ? error.message : String(error), "error");
  }
  refresh();
}

function lockDialog(a, refresh) {
  const { dialog, body, actions } = modal(`Lock ${a.id}`, { label: "lock" });
  const duration = h("select", { id: "lock-duration" },
    h("option", { value: "manual" }, "Manual: until unlocked by hand"),
    h("option", { value: "6h" }, "6 hours"), h("option", { value: "12h" }, "12 hours"),
    h("option", { value: "session:new_york_open" }, "Session: New York open"),
    h("option", { value: "session:london_close" }, "Session: London close"));
  const enforce = h("input", { type: "checkbox", id: "lock-enforce" });
  body.append(
    h("p", {}, "A locked account takes exits only: every entry is blocked."),
    h("label", { for: "lock-duration" }, "Duration"), duration,
    h("label", { class: "check" }, enforce, " Enforce: no unlocking by hand before it expires"),
  );
  const cancel = h("button", { type: "button", class: "ghost" }, "Cancel");
  const ok = h("button", { type: "button", class: "danger", "data-confirm": true }, "Lock account");
  cancel.addEventListener("click", () => dialog.close());
  ok.addEventListener("click", () => {
    dialog.close();
    const wanted = { duration: duration.value };
    if (enforce.checked && duration.value !== "manual") wanted.enforce = true;
    act(`${a.id} locked`, () => post(`/v1/accounts/${encodeURIComponent(a.id)}/lock`, wanted), refresh);
  });
  actions.append(cancel, ok);
  dialog.showModal();
  duration.focus();
}

async function setEnabled(a, enabled, refresh) {
  const path = `/v1/accounts/${encodeURIComponent(a.id)}/${enabled ? "enable" : "disable"}`;
  const open = a.positions.length;
  const warning = !enabled && open
    ? h("p", { class: "warn-text" }, `⚠ ${a.id} has ${open} open position${open > 1 ? "s" : ""}. Disabling does not close them.`)
    : null;
  const yes = await confirmDialog({
    title: `${enabled ? "Enable" : "Disable"} ${a.id}?`,
    message: enabled ? "Orders will be checked and sent again." : "Every entry will be blocked; exits still pass.",
    confirmLabel: enabled ? "Enable" : "Disable",
    danger: !enabled,
    extra: warning ? [warning] : [],
  });
  if (yes) act(`${a.id} ${enabled ? "enabled" : "disabled"}`, () => post(path, enabled ? undefined : { confirm: true }), refresh);
}

function controls(a, refresh) {
  const id = encodeURIComponent(a.id);
  const button = (text, handler, cls = "") => h("button", { type: "button", class: cls, onclick: handler }, text);
  return h("div", { class: "controls" },
    button("Flatten", async () => {
      if (await confirmDialog({ title: `Flatten ${a.id}?`, message: "Cancels its working orders and closes every position at the market.", confirmLabel: "Flatten", danger: true }))
        act(`${a.id} flattened`, () => post(`/v1/accounts/${id}/flatten`), refresh);
    }, "danger"),
    a.locked
      ? button("Unlock", async () => {
        if (await confirmDialog({ title: `Unlock ${a.id}?`, message: "Entries will be checked by the policy again.", confirmLabel: "Unlock" }))
          act(`${a.id} unlocked`, () => post(`/v1/accounts/${id}/unlock`), refresh);
      })
      : button("Lock…", () => lockDialog(a, refresh)),
    button(a.enabled ? "Disable" : "Enable", () => setEnabled(a, !a.enabled, refresh)),
    a.automation_paused
      ? button("Resume automation", async () => {
        if (await confirmDialog({ title: `Resume automation on ${a.id}?`, message: "Check the broker's positions first: the sync showed a held position gone.", confirmLabel: "Resume" }))
          act(`${a.id} resumed`, () => post(`/v1/accounts/${id}/resume`), refresh);
      })
      : null,
  );
}

export function renderAccounts(root, accounts, risks, orders, refresh) {
  const byAccount = new Map(risks.map((r) => [r.account, r]));
  if (!accounts.length) {
    fill(root, h("p", { class: "empty" }, "No accounts yet. Add a connection to import some."));
    return;
  }
  fill(root, accounts.map((a) => {
    const risk = byAccount.get(a.id);
    const limits = risk?.limits;
    const working = orders.filter((o) => o.account === a.id);
    return h("article", { class: `card account${a.locked ? " is-locked" : ""}`, "data-account": a.id, "aria-labelledby": `acct-${a.id}` },
      h("header", { class: "card-head" },
        h("h3", { id: `acct-${a.id}` }, a.id, a.nickname ? h("span", { class: "muted" }, ` “${a.nickname}”`) : null),
        h("p", { class: "muted" }, `${a.connection} · ${a.broker} · policy ${a.policy ?? risk?.unbound?.code ?? "none"}`)),
      h("div", { class: "flags" }, flags(a)),
      h("dl", { class: "figures" },
        h("div", {}, h("dt", {}, "Balance"), h("dd", {}, money(a.balance))),
        h("div", {}, h("dt", {}, "Equity"), h("dd", {}, money(a.equity))),
        h("div", {}, h("dt", {}, "Peak equity"), h("dd", {}, money(a.peak_equity))),
        h("div", {}, h("dt", {}, "Trades today"), h("dd", {}, a.trades?.daily ?? 0))),
      pnlBar("Daily", a.pnl.daily, limits?.daily),
      pnlBar("Weekly", a.pnl.weekly, limits?.weekly),
      trailing(a, risk),
      positionsTable(a),
      ordersTable(working),
      controls(a, refresh));
  }));
}
