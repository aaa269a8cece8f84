// Connections: status (colour, symbol and word), last heartbeat, accounts, execution
// and connection mode, refresh / rename / reconnect / delete, and the three-step add flow.

import { ApiError, call, get, post } from "./api.js";
import { confirmDialog, modal } from "./dialogs.js";
import { ago, fill, h, money, toast } from "./dom.js";

const STATUS = {
  connected: ["●", "Connected"],
  connecting: ["◌", "Connecting"],
  disconnected: ["○", "Disconnected"],
  error: ["✕", "Error"],
  stale: ["◔", "Stale: no heartbeat for over 60 s"],
};

export function statusBadge(status) {
  const [sign, word] = STATUS[status] || ["?", status];
  return h("span", { class: `status status-${status}`, "data-status": status }, h("span", { "aria-hidden": "true" }, sign), ` ${word}`);
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

function renameDialog(c, refresh) {
  const { dialog, body, actions } = modal(`Rename ${c.name}`, { label: "rename" });
  const input = h("input", { id: "rename-name", value: c.name, maxlength: 64 });
  body.append(h("label", { for: "rename-name" }, "New name"), input);
  const cancel = h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, "Cancel");
  const ok = h("button", { type: "button", class: "primary", "data-confirm": true }, "Rename");
  ok.addEventListener("click", () => {
    dialog.close();
    act(`renamed to ${input.value}`, () => post(`/v1/connections/${encodeURIComponent(c.name)}/rename`, { name: input.value }), refresh);
  });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") ok.click(); });
  actions.append(cancel, ok);
  dialog.showModal();
  input.select();
}

function modeSelect(label, value, options, onChange) {
  const id = `sel-${Math.random().toString(36).slice(2)}`;
  const select = h("select", { id }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  select.addEventListener("change", () => onChange(select.value));
  return h("div", { class: "field-inline" }, h("label", { for: id }, label), select);
}

function card(c, accounts, refresh) {
  const path = `/v1/connections/${encodeURIComponent(c.name)}`;
  const mine = accounts.filter((a) => a.connection === c.name);
  const button = (text, handler, cls = "") => h("button", { type: "button", class: cls, onclick: handler }, text);
  return h("article", { class: `card connection conn-${c.status}`, "data-connection": c.name },
    h("header", { class: "card-head" },
      h("h3", {}, c.name), statusBadge(c.status)),
    h("p", { class: "muted" }, `${c.broker} · added by ${c.origin} · last heartbeat `,
      h("time", { "data-heartbeat": c.last_heartbeat || "" }, ago(c.last_heartbeat))),
    c.detail ? h("p", { class: c.status === "error" ? "error" : "muted" }, c.detail) : null,
    h("div", { class: "modes" },
      modeSelect("Order execution", c.execution, [["broker_native", "Broker native"], ["managed", "Managed by ordergate"]],
        (v) => act(`${c.name}: execution ${v}`, () => call("PATCH", path, { execution: v }), refresh)),
      c.broker === "projectx"
        ? modeSelect("Connection mode", c.mode || "auto", [["auto", "Auto"], ["websocket", "WebSocket"], ["polling", "Polling"]],
          (v) => act(`${c.name}: mode ${v}`, () => call("PATCH", path, { mode: v }), refresh))
        : null),
    h("h4", {}, `${mine.length} account${mine.length === 1 ? "" : "s"}`),
    mine.length
      ? h("ul", { class: "conn-accounts" }, mine.map((a) => h("li", {},
        h("span", {}, a.id, a.nickname ? ` “${a.nickname}”` : ""),
        h("span", { class: "muted" }, ` ${money(a.equity)} · ${a.enabled ? "enabled" : "disabled"}`),
        c.origin === "api"
          ? button("Disconnect", async () => {
            if (await confirmDialog({ title: `Disconnect ${a.id}?`, message: "Removes the account from the dashboard; the broker keeps it.", confirmLabel: "Disconnect", danger: true }))
              act(`${a.id} disconnected`, () => call("DELETE", `/v1/accounts/${encodeURIComponent(a.id)}`, { confirm: true }), refresh);
          }, "small ghost")
          : null)))
      : h("p", { class: "muted" }, "No accounts imported."),
    h("div", { class: "controls" },
      button("Refresh", () => act(`${c.name} refreshed`, () => post(`${path}/refresh`), refresh)),
      button("Reconnect", () => act(`${c.name} reconnecting`, () => post(`${path}/reconnect`), refresh)),
      c.origin === "api" ? button("Rename…", () => renameDialog(c, refresh)) : null,
      c.origin === "api"
        ? button("Delete…", async () => {
          if (await confirmDialog({ title: `Delete ${c.name}?`, message: `Removes the connection and its ${mine.length} account(s). Refused while an account is in a copy-trading group.`, confirmLabel: "Delete connection", danger: true }))
            act(`${c.name} deleted`, () => call("DELETE", path, { confirm: true }), refresh);
        }, "danger")
        : h("span", { class: "muted small" }, "From the config file: edit it there to rename or delete.")),
  );
}

export function renderConnections(root, connections, accounts, refresh) {
  if (!connections.length) {
    fill(root, h("p", { class: "empty" }, "No connections. Add one to begin."));
    return;
  }
  fill(root, connections.map((c) => card(c, accounts, refresh)));
}

export function tickHeartbeats(root) {
  for (const el of root.querySelectorAll("time[data-heartbeat]")) el.textContent = ago(el.dataset.heartbeat || null);
}

// ---- the add flow

const STEPS = ["Name", "Authenticate", "Select accounts"];

function stepper(current) {
  return h("ol", { class: "steps" }, STEPS.map((s, i) => h("li", { "aria-current": i === current ? "step" : null, class: i < current ? "done" : "" }, `${i + 1}. ${s}`)));
}

function fieldInput(name, secret) {
  const id = `f-${name}`;
  const label = (text) => h("label", { for: id }, text);
  const choice = (text, options) => [label(text), h("select", { id, name }, options.map(([v, t]) => h("option", { value: v }, t)))];
  switch (name) {
    case "accounts":
      return [label("Accounts: one per line, an id and a balance"),
        h("textarea", { id, name, rows: 3, placeholder: "PAPER-2 50000" }, "PAPER-2 50000")];
    case "feed":
      return choice("Market feed", [["random_walk", "Random walk"], ["manual", "Manual quotes"]]);
    case "environment":
      return choice("Environment", [["demo", "Demo"], ["live", "Live"], ["simulation", "Simulation"]]);
    case "gateway":
      return choice("Gateway region", [["chicago", "Chicago"], ["new_york", "New York"], ["europe", "Europe"], ["asia", "Asia"]]);
    case "port":
      return [label("Port"), h("input", { id, name, type: "number", min: 1, max: 65535, required: true })];
    default:
      return [label(name.replace("_", " ")), h("input", { id, name, type: secret ? "password" : "text", autocomplete: "off", required: true, value: name === "host" ? "127.0.0.1" : null })];
  }
}

function readFields(form, fields) {
  const out = {};
  for (const name of fields) {
    const el = form.elements.namedItem(name);
    if (!el) continue;
    if (name === "accounts") {
      out.accounts = el.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const [id, balance] = l.split(/\s+/);
        return balance ? { id, balance: Number(balance) } : { id };
      });
    } else if (name === "port") out.port = Number(el.value);
    else out[name] = el.value;
  }
  return out;
}

export async function openAddFlow(refresh) {
  const { dialog, body, actions, heading } = modal("Add a connection", { wide: true, label: "add-connection" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const fail = (e) => { error.textContent = e instanceof ApiError ? e.message : String(e); error.hidden = false; };
  const cancel = h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, "Cancel");
  const next = h("button", { type: "submit", class: "primary", form: "add-form" }, "Next");
  let step = 0;
  let draft = null;
  let discovered = [];
  const form = h("form", { id: "add-form", novalidate: true });
  const { brokers } = await get("/v1/brokers");

  function render() {
    heading.textContent = `Add a connection: ${STEPS[step].toLowerCase()}`;
    error.hidden = true;
    body.replaceChildren(stepper(step), form, error);
    if (step === 0) {
      fill(form,
        h("label", { for: "add-broker" }, "Broker"),
        h("select", { id: "add-broker", name: "broker" }, brokers.map((b) => h("option", { value: b.broker, disabled: !b.available && !b.fields.includes("environment") }, b.available ? b.label : `${b.label} (not in this build)`))),
        h("label", { for: "add-name" }, "Connection name"),
        h("input", { id: "add-name", name: "name", maxlength: 64, placeholder: "suggested from the broker" }),
        h("p", { class: "muted small" }, "Leave the name empty to take the suggestion."));
      const select = form.elements.namedItem("broker");
      const name = form.elements.namedItem("name");
      const suggest = () => { name.placeholder = brokers.find((b) => b.broker === select.value)?.label || ""; };
      select.addEventListener("change", suggest);
      suggest();
      next.textContent = "Next";
      select.focus();
    } else if (step === 1) {
      const secret = new Set(draft.secret_fields || []);
      fill(form, h("p", {}, `Connection ${draft.name} (${draft.broker}).`), draft.fields.map((f) => fieldInput(f, secret.has(f))));
      next.textContent = "Authenticate";
      form.querySelector("input, select, textarea")?.focus();
    } else {
      fill(form, h("p", {}, `${discovered.length} account${discovered.length === 1 ? "" : "s"} found. Choose which to import and give them nicknames if you like.`),
        h("div", { class: "table-wrap" }, h("table", { class: "grid", id: "discovered" },
          h("thead", {}, h("tr", {}, ["Import", "Account", "Balance", "Equity", "Nickname"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, discovered.map((a, i) => h("tr", { "data-account": a.id },
            h("td", {}, h("input", { type: "checkbox", name: `import-${i}`, checked: true, "aria-label": `import ${a.id}` })),
            h("td", {}, a.id), h("td", {}, money(a.balance)), h("td", {}, money(a.equity)),
            h("td", {}, h("input", { name: `nick-${i}`, maxlength: 64, "aria-label": `nickname for ${a.id}` }))))))));
      next.textContent = "Add connection";
      form.querySelector("input")?.focus();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    next.disabled = true;
    try {
      if (step === 0) {
        const broker = form.elements.namedItem("broker").value;
        const name = form.elements.namedItem("name").value.trim();
        draft = await post("/v1/connections", name ? { broker, name } : { broker });
        step = 1;
      } else if (step === 1) {
        const answer = await post(`/v1/connections/drafts/${draft.draft}/authenticate`, readFields(form, draft.fields));
        if (answer.authorize_url) {
          window.open(answer.authorize_url, "_blank", "noopener");
          fill(form, h("p", {}, "Finish signing in on the broker's page that opened, then come back here."));
          return;
        }
        discovered = answer.accounts || [];
        step = 2;
      } else {
        const accounts = discovered.map((a, i) => {
          const nickname = form.elements.namedItem(`nick-${i}`).value.trim();
          return { id: a.id, import: form.elements.namedItem(`import-${i}`).checked, ...(nickname ? { nickname } : {}) };
        });
        const added = await post(`/v1/connections/drafts/${draft.draft}/accounts`, { accounts });
        dialog.close();
        toast(`${added.name} added: ${added.accounts.join(", ") || "no accounts"}`, "ok");
        refresh();
        return;
      }
      render();
    } catch (e) {
      fail(e);
    } finally {
      next.disabled = false;
    }
  });

  actions.append(cancel, next);
  render();
  dialog.showModal();
}
