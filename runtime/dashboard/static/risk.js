// Risk: the active policy per account, a refused reload with its diagnostics (the
// source line and the caret, as `ordergate validate` prints them), and the decision log.

import { get } from "./api.js";
import { clock, fill, h, money, when } from "./dom.js";

const STAGES = ["exit_bypass", "locked", "enabled", "hours", "blackout", "quote_health", "positions", "pnl_limits", "contracts", "rules"];

function limitText(l) {
  if (!l) return "no P&L limits";
  const parts = [];
  if (l.daily.loss) parts.push(`daily loss ${money(l.daily.loss)}`);
  if (l.daily.profit_target) parts.push(`daily target ${money(l.daily.profit_target)}`);
  if (l.weekly.loss) parts.push(`weekly loss ${money(l.weekly.loss)}`);
  if (l.weekly.profit_target) parts.push(`weekly target ${money(l.weekly.profit_target)}`);
  if (l.trailing) parts.push(`trailing ${money(l.trailing.amount)} (${l.trailing.mode})`);
  return parts.join(", ") || "no P&L limits";
}

function breachText(l) {
  if (!l) return "—";
  const b = l.on_breach;
  if (b.action === "alert_only") return "alert only";
  return `${b.action.replaceAll("_", " ")}, ${b.lock}${b.enforce ? ", enforced" : ""}`;
}

export function renderReload(root, risk) {
  const refused = risk.refused;
  if (!refused) {
    fill(root, h("p", { class: "flag ok", "data-reload": "ok" }, `✓ The rules in ${risk.rules} are loaded (${risk.policy.policies.join(", ") || "no policies"}).`));
    return;
  }
  fill(root, h("div", { class: "refused", role: "alert", "data-reload": "refused" },
    h("h3", {}, `✕ Reload refused at ${when(refused.at)}`),
    h("p", {}, risk.policy.bundle
      ? `The last good bundle ${risk.policy.bundle.slice(0, 12)} keeps deciding. Fix the rules and save again.`
      : "No valid policy: entries are blocked, exits pass."),
    refused.diagnostics.map((d) => h("pre", { class: `diagnostic ${d.severity}` }, d.text))));
}

export function renderPolicies(table, risk) {
  fill(table,
    h("thead", {}, h("tr", {}, ["Account", "Policy", "Bundle", "Limits", "On breach"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, risk.accounts.map((r) => h("tr", { "data-account": r.account },
      h("td", {}, r.account),
      h("td", {}, r.policy ? h("strong", {}, r.policy) : h("span", { class: "flag error" }, `✕ ${r.unbound?.code}`),
        r.description ? h("div", { class: "muted small" }, r.description) : null),
      h("td", {}, r.bundle ? h("code", { title: r.bundle }, r.bundle.slice(0, 12)) : "—"),
      h("td", {}, limitText(r.limits)),
      h("td", {}, breachText(r.limits))))));
}

export class DecisionLog {
  constructor(form, table) {
    this.form = form;
    this.table = table;
    this.entries = [];
    form.addEventListener("change", () => this.load());
  }

  setAccounts(ids) {
    const select = this.form.elements.namedItem("account");
    const chosen = select.value;
    fill(select, h("option", { value: "" }, "all"), ids.map((id) => h("option", { value: id, selected: id === chosen }, id)));
    const stage = this.form.elements.namedItem("stage");
    if (stage.options.length <= 1) stage.append(...STAGES.map((s) => h("option", { value: s }, s)));
  }

  async load() {
    const account = this.form.elements.namedItem("account").value;
    const query = new URLSearchParams({ limit: "200" });
    if (account) query.set("account", account);
    const answer = await get(`/v1/decisions?${query}`);
    this.entries = answer.decisions;
    this.render();
  }

  render() {
    const outcome = this.form.elements.namedItem("outcome").value;
    const stage = this.form.elements.namedItem("stage").value;
    const rows = this.entries.filter((e) => (!outcome || e.decision.outcome === outcome) && (!stage || e.decision.stage === stage));
    fill(this.table,
      h("thead", {}, h("tr", {}, ["Time", "Account", "Order", "Outcome", "Stage", "Code", "Message", "Policy"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.length
        ? rows.map((e) => h("tr", { class: e.decision.outcome, "data-outcome": e.decision.outcome },
          h("td", {}, h("time", { datetime: e.time }, clock(e.time))),
          h("td", {}, e.account),
          h("td", {}, `${e.order.side} ${e.order.qty} ${e.order.symbol}`),
          h("td", {}, e.decision.outcome === "allow" ? "✓ allowed" : "✕ blocked"),
          h("td", {}, e.decision.stage || "—"),
          h("td", {}, e.decision.code ? h("code", {}, e.decision.code) : "—"),
          h("td", {}, e.decision.message),
          h("td", {}, e.decision.policy || "—")))
        : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No decisions match."))));
  }
}
