// The emergency kill switch: type FLATTEN, then the per-account report
// (flatten ok/failed/none, lock ok/failed), as the seeds describe.

import { ApiError, post } from "./api.js";
import { modal } from "./dialogs.js";
import { h } from "./dom.js";

const WORD = "FLATTEN";

function badge(what, result) {
  const ok = result === "ok";
  const none = result === "none";
  const cls = ok ? "ok" : none ? "off" : "error";
  const sign = ok ? "✓" : none ? "–" : "✕";
  return h("span", { class: `flag ${cls}`, "data-result": `${what}-${result}` }, `${sign} ${result}`);
}

export function report(accounts) {
  return h("div", { class: "table-wrap" }, h("table", { class: "grid", id: "kill-report" },
    h("caption", {}, "Kill switch report"),
    h("thead", {}, h("tr", {}, ["Account", "Flatten", "Lock", "Error"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, accounts.map((r) => h("tr", { "data-account": r.account },
      h("td", {}, r.account), h("td", {}, badge("flatten", r.flatten)), h("td", {}, badge("lock", r.lock)),
      h("td", {}, r.error || ""))))));
}

export function openKillSwitch(refresh) {
  const { dialog, body, actions, heading } = modal("Emergency kill switch", { wide: true, label: "kill-switch" });
  const input = h("input", { id: "kill-confirm", autocomplete: "off", spellcheck: "false", "aria-describedby": "kill-help" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  body.append(
    h("p", { id: "kill-help" }, "This closes ALL open positions and locks ALL accounts. Type ",
      h("strong", {}, WORD), " to confirm."),
    h("label", { for: "kill-confirm" }, "Confirmation word"), input, error);
  const cancel = h("button", { type: "button", class: "ghost" }, "Cancel");
  const go = h("button", { type: "button", class: "danger", disabled: true, "data-confirm": true }, "Flatten and lock everything");
  input.addEventListener("input", () => { go.disabled = input.value !== WORD; });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !go.disabled) go.click(); });
  cancel.addEventListener("click", () => dialog.close());
  go.addEventListener("click", async () => {
    go.disabled = true;
    go.textContent = "Flattening…";
    try {
      const answer = await post("/v1/kill-switch", { confirm: input.value });
      heading.textContent = "Kill switch report";
      body.replaceChildren(
        h("p", {}, `${answer.accounts.length} account${answer.accounts.length === 1 ? "" : "s"} targeted.`),
        report(answer.accounts));
      const close = h("button", { type: "button", class: "primary" }, "Close");
      close.addEventListener("click", () => dialog.close());
      actions.replaceChildren(close);
      close.focus();
      refresh();
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      error.hidden = false;
      go.disabled = input.value !== WORD;
      go.textContent = "Flatten and lock everything";
    }
  });
  actions.append(cancel, go);
  dialog.showModal();
  input.focus();
}
