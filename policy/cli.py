"""The offline verbs of ``ordergate``: validate, test, check, schema, fmt, migrate.

They need only the policy engine, so a CI pipeline can ``pip install ordergate`` and run
them. ``ordergate.runtime.cli`` mounts them beside the runtime's verbs. Each returns its
exit status; bad arguments and unreadable files are one clear line and status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ordergate.policy.kinds import KINDS

if TYPE_CHECKING:
    from ordergate.policy.diagnostics import Diagnostic

# The engine's modules (pydantic, lark, PyYAML, jsonschema behind them) are imported in the
# verbs that use them, not here: pre-commit's ``ordergate validate`` on files it has seen
# valid answers from the validate cache without them (issue 15).

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
Clock = Callable[[], datetime]


class UsageError(Exception):
    """A bad argument: printed as one line, exit status 2."""


def version() -> str:
    from importlib import metadata  # a scan of the installed packages: only --version and sarif

    try:
        return metadata.version("ordergate")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check rule files: schema, types, semantics; every problem at once")
    p.add_argument("paths", nargs="*", metavar="PATH", help="rules directories or files (default: rules)")
    p.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(offline=cmd_validate)

    p = sub.add_parser("test", help="run the PolicyTest documents")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument(
        "--format",
        choices=("text", "json", "junit", "github"),
        default="text",
        help="junit: JUnit XML for GitLab, Jenkins and Azure; github: annotations on failing cases",
    )
    p.add_argument("--run", metavar="REGEX", help="only the cases whose SUITE/CASE name matches")
    p.add_argument(
        "--coverage", action="store_true", help="say which stages and rules of each policy no case reached"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list every case, not only failures")
    p.set_defaults(offline=cmd_test)

    p = sub.add_parser("check", help="evaluate one order and print the decision as JSON")
    p.add_argument("--rules", required=True, metavar="DIR")
    p.add_argument("--order", required=True, metavar="ORDER", help="a YAML/JSON file, or inline JSON")
    p.add_argument(
        "--state", metavar="STATE", help="a YAML/JSON file, or inline JSON (the PolicyTest state shape)"
    )
    p.add_argument("--at", metavar="ISO8601", help="the decision time (default: now)")
    p.add_argument("--account", help="account to bind (default: order.account or state.account.id)")
    p.add_argument("--policy", help="evaluate with this policy instead of binding by account")
    p.add_argument(
        "--explain", action="store_true", help="include every stage: its result, or not configured/reached"
    )
    p.add_argument("--fail-on-block", action="store_true", help="exit 1 when the order is blocked")
    p.set_defaults(offline=cmd_check)

    p = sub.add_parser("schema", help="print the JSON Schema of a document kind")
    p.add_argument("kind", nargs="?", help=f"one of {', '.join(KINDS)} (default: all)")
    p.add_argument("--write", metavar="DIR", help="write one file per kind into DIR instead")
    p.set_defaults(offline=cmd_schema)

    p = sub.add_parser("fmt", help="format rule files canonically, keeping comments")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--check", action="store_true", help="only report files that would change")
    p.set_defaults(offline=cmd_fmt)

    p = sub.add_parser("migrate", help="rewrite documents to the newest apiVersion")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(offline=cmd_migrate)

    from ordergate.policy import replay_cli  # what-if replay of an audit log (policy/replay.py)

    replay_cli.add_command(sub)


def _bundles(paths: Sequence[str]) -> list[list[str]]:
    """Each directory is a bundle of its own; loose files together form one."""
    dirs = [[p] for p in paths if Path(p).is_dir()]
    files = [p for p in paths if not Path(p).is_dir()]
    return dirs + ([files] if files else [])


def _default_paths(paths: Sequence[str]) -> list[str]:
    if paths:
        for p in paths:
            path = Path(p)
            if not path.exists():
                raise UsageError(f"{p}: no such file or directory")
            if not os.access(path, os.R_OK):
                raise UsageError(f"{p}: not readable")
        return list(paths)
    if Path("rules").is_dir():
        return ["rules"]
    raise UsageError("no PATH given and there is no rules/ directory here")


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy import validate_cache

    paths = _default_paths(args.paths)
    key = validate_cache.key_for(paths, args.format, args.strict)
    report = validate_cache.lookup(key)
    if report is None:
        report, status = _validate(paths, args.format, args.strict)
        if status == EXIT_OK:  # only a valid bundle's report is kept: errors are found afresh
            validate_cache.store(key, report)
    else:
        status = EXIT_OK
    out.write(report)
    return status


def _validate(paths: Sequence[str], fmt: str, strict: bool) -> tuple[str, int]:
    """validate's whole report on standard output, and its exit status."""
    from ordergate.policy import diagnostics as render
    from ordergate.policy.bundle import check_bundle
    from ordergate.policy.diagnostics import causes_first, has_errors

    found: list[Diagnostic] = []
    files = 0
    policies = 0
    for group in _bundles(paths):
        bundle, diags = check_bundle(group, light=True)  # only counted: pydantic for errors only
        found.extend(diags)
        files += len(bundle.files) if bundle else 0
        policies += len(bundle.policies) if bundle else 0
    found = causes_first(found)
    invalid = has_errors(found, strict=strict)
    parts: list[str] = []
    if fmt == "json":
        parts.append(render.render_json(found, valid=not invalid, files=files))
    elif fmt == "github":
        if found:
            parts.append(render.render_github(found))
        parts.append(_summary(found, files, policies, invalid))
    elif fmt == "sarif":
        from ordergate.policy.sarif import render_sarif

        parts.append(render_sarif(found, version=version()))
    else:
        if found:
            parts.append(render.render_text(found))
        parts.append(_summary(found, files, policies, invalid))
    return "".join(part + "\n" for part in parts), EXIT_FAIL if invalid else EXIT_OK


def _summary(found: Sequence[Diagnostic], files: int, policies: int, invalid: bool) -> str:
    errors = sum(d.severity == "error" for d in found)
    warnings = len(found) - errors
    verdict = "invalid" if invalid else "valid"
    return f"{verdict}: {files} file{'s' * (files != 1)}, {policies} polic{'ies' if policies != 1 else 'y'}, {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def cmd_test(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy import diagnostics as render
    from ordergate.policy.bundle import load_bundle
    from ordergate.policy.errors import PolicyError
    from ordergate.policy.testing import run_tests

    paths = _default_paths(args.paths)
    select = _case_filter(args.run)
    results = []
    policies: list[Any] = []
    tested = 0
    groups = _bundles(paths)
    for group in groups:
        try:
            bundle = load_bundle(*group, light=True)  # pydantic only for a bundle with problems
        except PolicyError as exc:
            err.write(render.render_text(exc.diagnostics) + "\n")
            err.write(f"cannot run tests: {', '.join(group)} does not load\n")
            return EXIT_FAIL
        if not bundle.tests and bundle.policies and len(groups) > 1:
            err.write(f"note: no tests under {', '.join(group)}\n")
        tested += len(bundle.tests)
        policies.extend(bundle.policies.values())
        results.extend(run_tests(bundle, select))
    if not tested:
        err.write(f"no tests found under {', '.join(paths)}: add PolicyTest documents (*.test.yaml)\n")
        return EXIT_FAIL
    if not results and args.run:
        err.write(f"no test case matches --run {args.run!r} (matched against SUITE/CASE)\n")
        return EXIT_FAIL
    _report_tests(args, out, err, results, policies)
    return EXIT_FAIL if any(not r.passed for r in results) else EXIT_OK


def _case_filter(pattern: str | None) -> Callable[[Any], bool] | None:
    if pattern is None:
        return None
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--run {pattern!r} is not a regular expression: {exc}") from None
    return lambda p: regex.search(f"{p.suite}/{p.case.name}") is not None


def _report_tests(
    args: argparse.Namespace, out: TextIO, err: TextIO, results: Sequence[Any], policies: Sequence[Any]
) -> None:
    from ordergate.policy import reporting
    from ordergate.policy.escaping import visible
    from ordergate.policy.testing import describe_failure

    cover = reporting.coverage(results, policies) if args.coverage else None
    if args.format == "json":
        out.write(reporting.render_tests_json(results, cover) + "\n")
        return
    if args.format == "junit":
        out.write(reporting.render_junit(results) + "\n")
        if cover is not None:  # stdout is the XML report; the coverage goes beside it
            err.write(reporting.render_coverage_text(cover) + "\n")
        return
    if args.format == "github":
        annotations = reporting.render_github_tests(results)
        if annotations:
            out.write(annotations + "\n")
    else:
        for r in results:
            if not r.passed:
                out.write(describe_failure(r) + "\n")
            elif args.verbose:
                p = r.prepared
                out.write(visible(f"ok   {p.file}:{p.line}: {p.suite} › {p.case.name}") + "\n")
    if cover is not None:
        out.write(reporting.render_coverage_text(cover) + "\n")
    out.write(reporting.summary(results) + "\n")


def read_data(text_or_path: str, what: str) -> Any:
    """Inline JSON/YAML (starting with '{') or the contents of a JSON/YAML file."""
    import yaml

    from ordergate.policy.source import bound_problem

    if text_or_path.lstrip().startswith("{"):
        source = text_or_path
    else:
        try:
            source = Path(text_or_path).read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {what} file {text_or_path}: {exc.strerror or exc}") from None
    past = bound_problem(source)  # nesting and numbers PyYAML would recurse over or choke on
    if past is not None:
        raise UsageError(f"{what}: line {past.line}, column {past.col}: {past.message}")
    try:
        data = yaml.safe_load(source)  # JSON is YAML
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UsageError(f"{what} is not valid JSON or YAML{where}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} must be a mapping of fields")
    return data


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy import diagnostics as render
    from ordergate.policy.bundle import load_bundle
    from ordergate.policy.calendar import parse_instant
    from ordergate.policy.errors import InputError, PolicyError
    from ordergate.policy.orders import Order, Snapshot

    try:
        bundle = load_bundle(args.rules)
    except PolicyError as exc:
        err.write(render.render_text(exc.diagnostics) + "\n")
        err.write(f"cannot evaluate: {args.rules} does not load\n")
        return EXIT_USAGE
    if args.at:
        now = parse_instant(args.at)
        if now is None:
            raise UsageError(f"--at must be an ISO 8601 time with an offset or Z, not {args.at!r}")
    else:
        now = clock()
    try:
        order = Order.from_dict(read_data(args.order, "--order"))
        state = read_data(args.state, "--state") if args.state else None
        snapshot = Snapshot.from_dict(state, now)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    from ordergate.policy.expiry import expired_contract

    expired = expired_contract(order.symbol, now)
    if expired is not None:
        raise UsageError(f"--order: {expired} (the decision time, --at or now)")
    if args.policy:
        if args.policy not in bundle.policies:
            raise UsageError(
                f"--policy {args.policy}: no such policy; the bundle has {', '.join(sorted(bundle.policies)) or 'none'}"
            )
        policy: Any = bundle.policies[args.policy]
    else:
        account = args.account or order.account or snapshot.account_id or ""
        policy = bundle.policy_for(account, snapshot.nickname)
    decision = policy.evaluate(order, snapshot, now, explain=args.explain)
    shown = decision.to_dict()
    if args.explain:
        from ordergate.policy.reporting import full_trace

        shown["trace"] = full_trace(decision, getattr(policy, "stages", ()))
    out.write(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")
    return EXIT_FAIL if args.fail_on_block and decision.outcome == "block" else EXIT_OK


def _kind_name(raw: str) -> str:
    for kind in KINDS:
        if kind.lower() == raw.lower():
            return kind
    raise UsageError(f"unknown kind {raw!r}; kinds: {', '.join(KINDS)}")


def schema_file_name(kind: str) -> str:
    return f"{kind.lower()}.v1.json"


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy.models import json_schema

    kinds = [_kind_name(args.kind)] if args.kind else list(KINDS)
    if args.write:
        target = Path(args.write)
        target.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            (target / schema_file_name(kind)).write_text(
                json.dumps(json_schema(kind), indent=2) + "\n", "utf-8"
            )
            out.write(f"wrote {target / schema_file_name(kind)}\n")
        return EXIT_OK
    doc = json_schema(kinds[0]) if args.kind else {k: json_schema(k) for k in kinds}
    out.write(json.dumps(doc, indent=2) + "\n")
    return EXIT_OK


def _rewrite(args: argparse.Namespace, out: TextIO, err: TextIO, fn: Callable[[str], Any], verb: str) -> int:
    from ordergate.policy.rulefiles import collect_files

    files, problems = collect_files(args.paths)
    for p in problems:
        err.write(p.message + "\n")
    if problems:
        return EXIT_USAGE
    status = EXIT_OK
    changed = 0
    for path, display in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            err.write(f"{display}: cannot read: {exc}\n")
            status = EXIT_FAIL
            continue
        result = fn(text)
        if result.error:
            err.write(
                f"{display}:{result.error}\n" if result.error[0].isdigit() else f"{display}: {result.error}\n"
            )
            status = EXIT_FAIL
            continue
        if not result.changed:
            continue
        changed += 1
        if getattr(args, "check", False):
            out.write(f"would {verb} {display}\n")
            status = EXIT_FAIL
        else:
            path.write_text(result.text, "utf-8")
            out.write(f"{PAST.get(verb, verb + 'ed')} {display}\n")
    if status == EXIT_OK and not changed:
        out.write(
            f"{len(files)} file{'s' * (len(files) != 1)} already {'formatted' if verb == 'reformat' else 'at the newest apiVersion'}\n"
        )
    return status


PAST = {"reformat": "reformatted", "migrate": "migrated"}  # "reformated" was a typo in the output


def cmd_fmt(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy.formatting import format_text  # ruamel: only fmt and migrate need it

    return _rewrite(args, out, err, format_text, "reformat")


def cmd_migrate(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy.formatting import migrate_text

    return _rewrite(args, out, err, migrate_text, "migrate")


def run_offline(
    args: argparse.Namespace, clock: Clock, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    try:
        status: int = args.offline(args, out, err, clock)
        return status
    except UsageError as exc:
        err.write(f"ordergate {args.command}: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - output piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
