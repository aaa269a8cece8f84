"""A replay's Report as a person or a tool reads it: text, markdown (a pull-request
comment) and JSON.

Text and markdown list the changes grouped by the reason that makes the difference, the
totals and the accounts affected, then the changed orders themselves, at most
``MAX_LISTED`` of them (a pull-request comment has a size limit; JSON lists every one).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names only: the command line lists the formats without the engine
    from ordergate.policy.replay import Change, Group, Report

MAX_LISTED = 50
MARKER = "<!-- ordergate-replay -->"  # lets a workflow find and update its own comment


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _reason(stage: str | None, code: str | None) -> str:
    if stage is None and code is None:
        return "allowed"
    return f"{stage}/{code}" if code else str(stage)


def _transition(g: Group) -> str:
    if g.was is not None:
        return f"block {_reason(*g.was)} → block"
    return f"{g.before} → {g.after}"


def _against(report: Report) -> str:
    return f"the base rules {report.base}" if report.base else "the decisions recorded"


def _order(c: Change) -> str:
    o = c.entry.order
    price = f" @ {o.price:g}" if o.price is not None else ""
    stop = f" stop {o.stop_price:g}" if o.stop_price is not None else ""
    return f"{o.side} {o.qty} {o.symbol} {o.type}{price}{stop}"


def _headline(report: Report) -> str:
    return (
        f"{_plural(report.decisions, 'decision')} replayed under {report.rules} against "
        f"{_against(report)}: {_plural(len(report.changes), 'change')}"
    )


def _totals(report: Report) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in report.kinds.items())


def _accounts(report: Report) -> str:
    return ", ".join(f"{a} ({n})" for a, n in report.accounts)


def render_text(report: Report) -> str:
    lines = [_headline(report)]
    if not report.changes:
        return lines[0]
    lines.append(f"  {_totals(report)}")
    lines.append(f"  accounts affected: {_accounts(report)}")
    lines.append("")
    rows = [(_reason(g.stage, g.code), _transition(g), str(g.count)) for g in report.groups]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for reason, transition, count in rows:
        lines.append(f"  {reason.ljust(widths[0])}  {transition.ljust(widths[1])}  {count}")
    lines.append("")
    for c in report.changes[:MAX_LISTED]:
        lines.append(
            f"  {c.entry.at.isoformat()}  {c.entry.account}  {_order(c)}: "
            f"{c.before.label} → {c.after.label}"
            + (f" ({c.after.message})" if c.after.outcome == "block" else "")
        )
    if len(report.changes) > MAX_LISTED:
        lines.append(f"  … and {len(report.changes) - MAX_LISTED} more (--format json lists every one)")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    lines = [MARKER, "### ordergate replay", ""]
    if not report.changes:
        lines.append(f"✅ {_headline(report)}: this change decides every logged order as before.")
        return "\n".join(lines)
    lines.append(f"⚠️ **{_headline(report)}**")
    lines.append("")
    lines.append(f"{_totals(report)}. Accounts affected: {_accounts(report)}.")
    lines += ["", "| stage/code | change | orders |", "| --- | --- | ---: |"]
    for g in report.groups:
        lines.append(f"| `{_cell(_reason(g.stage, g.code))}` | {_cell(_transition(g))} | {g.count} |")
    listed = report.changes[:MAX_LISTED]
    lines += [
        "",
        f"<details><summary>{_plural(len(listed), 'changed order')}"
        + (f" of {len(report.changes)}" if len(report.changes) > len(listed) else "")
        + "</summary>",
        "",
        "| time | account | order | before | after | why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in listed:
        why = c.reason.message
        lines.append(
            f"| {c.entry.at.isoformat()} | {_cell(c.entry.account)} | {_cell(_order(c))} "
            f"| {_cell(c.before.label)} | {_cell(c.after.label)} | {_cell(why)} |"
        )
    lines += ["", "</details>"]
    return "\n".join(lines)


def render_json(report: Report) -> str:
    data: dict[str, Any] = report.to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
