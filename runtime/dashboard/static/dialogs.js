// Modal dialogs on the native <dialog> element: it keeps the keyboard focus inside,
// Escape closes it, and focus returns to the button that opened it.

import { h } from "./dom.js";

export function modal(title, { wide = false, label = "" } = {}) {
  const heading = h("h2", { id: `dlg-${Math.random().toString(36).slice(2)}` }, title);
  const body = h("div", { class: "dialog-body" });
  const actions = h("div", { class: "dialog-actions" });
  const dialog = h(
    "dialog",
    { class: wide ? "wide" : null, "aria-labelledby": heading.id, "data-dialog": label || null },
    heading,
    body,
    actions,
  );
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  return { dialog, body, actions, heading };
}

// Resolves true when the person confirms, false when they cancel or press Escape.
export function confirmDialog({ title, message, confirmLabel = "Confirm", danger = false, extra = [], label }) {
  return new Promise((resolve) => {
    const { dialog, body, actions } = modal(title, { label });
    body.append(h("p", {}, message), ...extra);
    const cancel = h("button", { type: "button", class: "ghost" }, "Cancel");
    const ok = h("button", { type: "button", class: danger ? "danger" : "primary", "data-confirm": true }, confirmLabel);
    cancel.addEventListener("click", () => dialog.close("cancel"));
    ok.addEventListener("click", () => dialog.close("ok"));
    actions.append(cancel, ok);
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"));
    dialog.showModal();
    cancel.focus();
  });
}
