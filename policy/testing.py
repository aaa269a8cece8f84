"""PolicyTest documents: cases checked when the bundle loads, run by ``ordergate test``.

A case names its policy (``spec.policy``) or binds one by account, gives ``at``, an
optional ``state`` and an ``order``, and expects some fields of the decision. Only
the fields named are compared: outcome, stage, code and exit exactly; actions (kinds)
and warnings (codes) as sets, so ``actions: []`` means none; ``until`` as the instant the
lock action ends; ``message`` as a substring.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ordergate.policy.calendar import parse_instant
from ordergate.policy.codes import code_problem, stage_problem
from ordergate.policy.compiler import CompiledPolicy
from ordergate.policy.decision import Decision
from ordergate.policy.diagnostics import Diagnostic
from ordergate.policy.errors import InputError
from ordergate.policy.escaping import visible
from ordergate.policy.expiry import expired_contract
from ordergate.policy.orders import Order, Snapshot
from ordergate.policy.schema_check import did_you_mean
from ordergate.policy.source import Path

if TYPE_CHECKING:  # the models' or, for validate, their light twins (``light_models``)
    from ordergate.policy.models import Expect, PolicyTestDocument, TestCase


@dataclass(frozen=True, slots=True)
class PreparedCase:
    suite: str
    file: str
    line: int
    case: TestCase
    at: datetime
    order: Order
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class CaseResult:
    prepared: PreparedCase
    decision: Decision
    mismatches: tuple[str, ...]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.mismatches


def _field_path(field: str) -> Path:
    return tuple(
        int(p) if p.isdigit() else p for p in field.replace("[", ".").replace("]", "").split(".") if p
    )


def prepare_cases(
    item: Any, policies: dict[str, CompiledPolicy], defined: Mapping[str, str] | None = None
) -> tuple[list[PreparedCase], list[Diagnostic]]:
    """The cases of one PolicyTest document, and its problems.

    ``defined`` maps the name of every RiskPolicy document in the bundle to its file, so
    that a test naming a policy that is there but does not compile is reported as a
    consequence of that file's errors, not as a policy that does not exist."""
    model: PolicyTestDocument = item.model
    doc = item.doc
    problems: list[Diagnostic] = []
    prepared: list[PreparedCase] = []
    wanted = model.spec.policy
    if wanted is not None and wanted not in policies:
        problems.append(_missing_policy(item, wanted, policies, defined or {}))
    names: set[str] = set()
    for i, case in enumerate(model.spec.cases):
        base: Path = ("spec", "cases", i)
        if case.name in names:
            problems.append(
                doc.source.diagnostic(
                    doc.pos((*base, "name")), "duplicate-name", f"two cases are named '{case.name}'"
                )
            )
        names.add(case.name)
        if (
            model.spec.policy is None
            and case.account is None
            and not (case.state and case.state.account and case.state.account.id)
        ):
            problems.append(
                doc.source.diagnostic(
                    doc.pos(base),
                    "missing-field",
                    "a case needs spec.policy, its own account, or state.account.id to find its policy",
                )
            )
            continue
        expect_problems = _expect_problems(doc, base, case.expect)
        if expect_problems:
            problems.extend(expect_problems)
            continue
        if case.expect.until is not None and parse_instant(case.expect.until) is None:
            problems.append(
                doc.source.diagnostic(
                    doc.pos((*base, "expect", "until")),
                    "format",
                    f"expect.until must be an ISO 8601 time with an offset or Z (got {case.expect.until!r})",
                    hint="e.g. 2026-11-25T09:30:00-05:00",
                )
            )
            continue
        at = parse_instant(case.at)
        if at is None:
            problems.append(
                doc.source.diagnostic(
                    doc.pos((*base, "at")),
                    "format",
                    f"at must be an ISO 8601 time with an offset or Z (got {case.at!r})",
                    hint="e.g. 2026-11-24T09:45:00-05:00",
                )
            )
            continue
        raw = doc.value["spec"]["cases"][i]
        try:
            snapshot = Snapshot.from_dict(raw.get("state"), at)
            order = Order.from_dict(raw["order"])
        except InputError as exc:
            problems.append(
                doc.source.diagnostic(
                    doc.pos((*base, *_field_path(exc.field))), "input", f"{exc.field}: {exc.message}"
                )
            )
            continue
        expired = expired_contract(order.symbol, at)
        if expired is not None:
            field = "symbol" if "symbol" in raw["order"] else "contract"
            problems.append(
                doc.source.diagnostic(
                    doc.pos((*base, "order", field)),
                    "expired-contract",
                    f"{expired} (the case's at)",
                    hint=f"name a contract month that trades on {at.date().isoformat()}, or the root {order.root}",
                )
            )
            continue
        pos = doc.pos(base)
        prepared.append(PreparedCase(model.metadata.name, pos.file, pos.line, case, at, order, snapshot))
    return prepared, problems


def _expect_problems(doc: Any, base: Path, expect: Expect) -> list[Diagnostic]:
    """A stage, code or warning in ``expect`` that no decision can ever have: such a case
    would fail forever, or, expecting a code in a stage that cannot give it, pass by luck."""
    found: list[tuple[Path, str, str | None]] = []
    if expect.stage is not None:
        found += [(("stage",), *p) for p in [stage_problem(expect.stage)] if p]
    if expect.code is not None:
        stage = expect.stage if expect.stage is not None and not stage_problem(expect.stage) else None
        found += [(("code",), *p) for p in [code_problem(expect.code, stage)] if p]
    for j, code in enumerate(expect.warnings or ()):
        found += [(("warnings", j), *p) for p in [code_problem(code)] if p]
    return [
        doc.source.diagnostic(
            doc.pos((*base, "expect", *where)),
            "unknown-stage" if where == ("stage",) else "unknown-code",
            f"expect.{where[0]}: {message}",
            hint=hint,
        )
        for where, message, hint in found
    ]


def _missing_policy(
    item: Any, wanted: str, policies: dict[str, CompiledPolicy], defined: Mapping[str, str]
) -> Diagnostic:
    doc, name = item.doc, item.model.metadata.name
    pos = doc.pos(("spec", "policy"))
    cause = defined.get(wanted)
    if cause is None:
        unknown: Diagnostic = doc.source.diagnostic(
            pos,
            "unknown-policy",
            f"test '{name}' names policy '{wanted}', which is not in this bundle",
            hint=did_you_mean(wanted, list(defined) or list(policies)),
        )
        return unknown
    found: Diagnostic = doc.source.diagnostic(
        pos,
        "policy-not-loaded",
        f"test '{name}' names policy '{wanted}', which does not load because {cause} has errors",
    )
    return replace(found, consequence_of=cause)


def check_tests(
    items: Sequence[Any], policies: dict[str, CompiledPolicy], defined: Mapping[str, str] | None = None
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for item in items:
        problems.extend(prepare_cases(item, policies, defined)[1])
    return problems


def compare(expect: Expect, decision: Decision) -> tuple[str, ...]:
    out = []
    for key in ("outcome", "stage", "code", "exit"):
        wanted = getattr(expect, key)
        got = getattr(decision, key)
        if wanted is not None and wanted != got:
            out.append(f"{key}: expected {wanted!r}, got {got!r}")
    if expect.actions is not None:
        got_actions = sorted({a.kind for a in decision.actions})
        if sorted(set(expect.actions)) != got_actions:
            out.append(f"actions: expected {sorted(set(expect.actions))}, got {got_actions}")
    if expect.warnings is not None:
        got_warnings = sorted({w.code for w in decision.warnings})
        if sorted(set(expect.warnings)) != got_warnings:
            out.append(f"warnings: expected {sorted(set(expect.warnings))}, got {got_warnings}")
    if expect.until is not None:
        out.extend(_compare_until(expect.until, decision))
    if expect.message is not None and expect.message not in decision.message:
        out.append(f"message: expected it to contain {expect.message!r}, got {decision.message!r}")
    return tuple(out)


def _compare_until(until: str, decision: Decision) -> list[str]:
    wanted = parse_instant(until)
    lock = next((a for a in decision.actions if a.kind == "lock"), None)
    got = lock.until if lock is not None else None
    if wanted is None:  # pragma: no cover - refused when the cases are prepared
        return [f"until: {until!r} is not an ISO 8601 instant"]
    if got is None:
        return [f"until: expected a lock until {until}, got {'a manual lock' if lock else 'no lock'}"]
    if got != wanted:
        shown = got.astimezone(wanted.tzinfo).isoformat()
        return [f"until: expected {wanted.isoformat()}, got {shown}"]
    return []


def run_case(prepared: PreparedCase, bundle: Any, policy_name: str | None) -> CaseResult:
    case = prepared.case
    if policy_name is not None and case.account is None:
        policy: Any = bundle.policies[policy_name]
    else:
        account = case.account or prepared.snapshot.account_id or ""
        policy = bundle.policy_for(account, prepared.snapshot.nickname)
    start = time.perf_counter()
    decision = policy.evaluate(prepared.order, prepared.snapshot, prepared.at, explain=True)
    seconds = time.perf_counter() - start
    return CaseResult(prepared, decision, compare(case.expect, decision), seconds)


def run_tests(bundle: Any, select: Callable[[PreparedCase], bool] | None = None) -> list[CaseResult]:
    """Run every case of the bundle's PolicyTest documents, or those ``select`` keeps."""
    results: list[CaseResult] = []
    for item in bundle.tests:
        cases, _ = prepare_cases(item, bundle.policies)
        for prepared in cases:
            if select is None or select(prepared):
                results.append(run_case(prepared, bundle, item.model.spec.policy))
    return results


def describe_failure(result: CaseResult) -> str:
    p = result.prepared
    lines = [f"FAIL {p.file}:{p.line}: {p.suite} › {p.case.name}"]
    lines += [f"    {m}" for m in result.mismatches]
    d = result.decision
    lines.append(f"    decision: {d.outcome} {d.stage or ''} {d.code or ''} — {d.message}".rstrip())
    for t in d.trace or ():
        detail = f" {t.code}: {t.message}" if t.code else ""
        lines.append(f"      {t.stage:<13} {t.result}{detail}")
    return "\n".join(visible(line) for line in lines)  # names and messages are the author's text


def results_json(results: Sequence[CaseResult]) -> str:
    return json.dumps(
        {
            "passed": sum(r.passed for r in results),
            "failed": sum(not r.passed for r in results),
            "cases": [
                {
                    "suite": r.prepared.suite,
                    "case": r.prepared.case.name,
                    "file": r.prepared.file,
                    "line": r.prepared.line,
                    "passed": r.passed,
                    "mismatches": list(r.mismatches),
                    "decision": r.decision.to_dict(),
                }
                for r in results
            ],
        },
        indent=2,
    )
