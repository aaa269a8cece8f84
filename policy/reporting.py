"""What ``ordergate test`` and ``ordergate check --explain`` print for pipelines.

- JUnit XML, the shape GitLab, Jenkins and Azure DevOps read: ``testsuites`` → one
  ``testsuite`` per file → one ``testcase`` per case, a ``failure`` in a failing one.
- GitHub workflow commands: an ``::error`` annotation on the failing case's line.
- Coverage: per policy, the configured stages no case ran, the ones that never blocked
  or warned, and the custom rules that never matched.
- The full trace of ``check --explain``: every stage of the chain, the ones the policy
  leaves out shown as "not configured" and those after the deciding stage as "not
  reached".

Every text an author wrote (case names, messages) goes through ``escaping`` first, so
no name can start a line of its own in a CI log or break the XML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ordergate.policy.codes import RULE_PREFIX, STAGES
from ordergate.policy.decision import Decision
from ordergate.policy.escaping import github_data, github_property, visible
from ordergate.policy.testing import CaseResult, describe_failure


def summary(results: Sequence[CaseResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


# ---------------------------------------------------------------- JUnit XML


def render_junit(results: Sequence[CaseResult]) -> str:
    import xml.etree.ElementTree as ET  # only this format needs it

    by_file: dict[str, list[CaseResult]] = {}
    for r in results:
        by_file.setdefault(r.prepared.file, []).append(r)
    root = ET.Element(
        "testsuites",
        name="ordergate test",
        tests=str(len(results)),
        failures=str(sum(not r.passed for r in results)),
        errors="0",
        time=_seconds(r.seconds for r in results),
    )
    for file, cases in by_file.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=visible(file),
            tests=str(len(cases)),
            failures=str(sum(not r.passed for r in cases)),
            errors="0",
            skipped="0",
            time=_seconds(r.seconds for r in cases),
            file=visible(file),
        )
        for r in cases:
            p = r.prepared
            case = ET.SubElement(
                suite,
                "testcase",
                name=visible(p.case.name),
                classname=visible(p.suite),
                file=visible(p.file),
                line=str(p.line),
                time=_seconds([r.seconds]),
            )
            if not r.passed:
                failure = ET.SubElement(
                    case, "failure", message=visible("; ".join(r.mismatches)), type="mismatch"
                )
                failure.text = visible(describe_failure(r), keep_newlines=True)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _seconds(values: Iterable[float]) -> str:
    return f"{sum(values):.6f}"


# ---------------------------------------------------------------- GitHub


def render_github_tests(results: Sequence[CaseResult]) -> str:
    lines = []
    for r in results:
        if r.passed:
            continue
        p = r.prepared
        title = github_property(f"ordergate test: {p.suite}")
        data = github_data(f"{p.case.name}: {'; '.join(r.mismatches)}")
        lines.append(f"::error file={github_property(p.file)},line={p.line},title={title}::{data}")
    return "\n".join(lines)


# ---------------------------------------------------------------- coverage


@dataclass(slots=True)
class PolicyCoverage:
    label: str
    stages: tuple[str, ...]
    rules: tuple[str, ...]
    cases: int = 0
    reached: set[str] = field(default_factory=set)
    decided: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)

    def add(self, decision: Decision) -> None:
        self.cases += 1
        for t in decision.trace or ():
            if t.result in ("pass", "warn", "block"):
                self.reached.add(t.stage)
            if t.result in ("warn", "block"):
                self.decided.add(t.stage)
        for code in (decision.code, *(w.code for w in decision.warnings)):
            if code and code.startswith(RULE_PREFIX):
                self.matched.add(code[len(RULE_PREFIX) :])

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "stages": list(self.stages),
            "never_reached": [s for s in self.stages if s not in self.reached],
            "never_blocked_or_warned": [s for s in self.stages if s not in self.decided],
            "rules": list(self.rules),
            "rules_never_matched": [r for r in self.rules if r not in self.matched],
        }


def coverage(results: Sequence[CaseResult], policies: Iterable[Any]) -> dict[str, PolicyCoverage]:
    """Per policy label, what the cases that policy decided reached of it."""
    found = {
        p.label: PolicyCoverage(p.label, tuple(p.stages), tuple(r.name for r in p.spec.rules or ()))
        for p in policies
    }
    for r in results:
        label = r.decision.policy
        if label in found:
            found[label].add(r.decision)
    return dict(sorted(found.items()))


def render_coverage_text(cover: dict[str, PolicyCoverage]) -> str:
    lines = ["coverage: what of each policy no case reached"]
    for label, c in cover.items():
        d = c.to_dict()
        gaps = [
            ("stages never reached", d["never_reached"]),
            ("stages that never blocked or warned", d["never_blocked_or_warned"]),
            ("rules never matched", d["rules_never_matched"]),
        ]
        if not c.cases:
            lines.append(f"  {visible(label)}: no case decided by this policy")
            continue
        shown = [(what, names) for what, names in gaps if names]
        cases = f"{c.cases} case{'s' * (c.cases != 1)}"
        if not shown:
            lines.append(f"  {visible(label)}: {cases}; every stage and rule reached, blocked and matched")
            continue
        lines.append(f"  {visible(label)}: {cases}")
        lines += [f"    {what}: {', '.join(visible(n) for n in names)}" for what, names in shown]
    return "\n".join(lines)


def render_tests_json(results: Sequence[CaseResult], cover: dict[str, PolicyCoverage] | None) -> str:
    from ordergate.policy.testing import results_json

    doc = json.loads(results_json(results))
    if cover is not None:
        doc["coverage"] = {label: c.to_dict() for label, c in cover.items()}
    return json.dumps(doc, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- check --explain


def full_trace(decision: Decision, configured: Sequence[str]) -> list[dict[str, Any]]:
    """Every stage of the chain in order: as the decision ran it, "not configured" when
    the policy leaves it out, "not reached" when an earlier stage decided."""
    ran = {t.stage: t.to_dict() for t in decision.trace or ()}
    out: list[dict[str, Any]] = []
    for stage in STAGES:
        if stage in ran:
            out.append(ran[stage])
        elif stage == "policy":
            continue  # only an account with no usable policy stops here
        elif stage != "exit_bypass" and stage not in configured:
            out.append({"stage": stage, "result": "not configured"})
        else:
            out.append({"stage": stage, "result": "not reached"})
    return out
