"""Load a bundle: every YAML file under a rules directory, checked and compiled together.

Pipeline (each stage a module): ``source`` (YAML with positions) → ``versions`` (apiVersion
and kind, converters) → ``schema_check`` → ``extends`` merge → ``compiler`` (semantics and
the check chain) → ``testing`` (PolicyTest cases built). Diagnostics from every stage are
collected; ``load_bundle`` raises PolicyError carrying all of them when any is an error.

The digest is the sha256 over the sorted relative paths and contents of the files.

``check_bundle(..., light=True)`` (``ordergate validate``) first tries the bundle without
pydantic (``light_models``): when every document is a valid RiskPolicy or PolicyTest and
the bundle has no diagnostic at all, that answer stands; anything else (a shape error, a
warning, a Runtime document, anything unusual) and the bundle is checked again the full
way, so every diagnostic is the full way's.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path as FsPath
from typing import Any

from ordergate.policy import expression_cache, gcpause, light_models, versions
from ordergate.policy.compiler import CompiledPolicy, compile_policy
from ordergate.policy.decision import ALLOW, BLOCK, Decision, TraceEntry
from ordergate.policy.diagnostics import Diagnostic, Position, has_errors, sort_key
from ordergate.policy.errors import PolicyError
from ordergate.policy.lastresort import guarded
from ordergate.policy.orders import Order, Snapshot, naive_now_error
from ordergate.policy.patterns import duplicate_patterns, literal_chars
from ordergate.policy.rulefiles import collect_files as collect_files  # re-exported (rules_fs)
from ordergate.policy.schema_check import check_shape, did_you_mean, dotted
from ordergate.policy.secrets import find_literal_secrets
from ordergate.policy.source import Document, Path, parse_documents, read_source


@dataclass(frozen=True, slots=True)
class UnboundPolicy:
    """What an account with no usable policy gets: entries blocked, exits allowed."""

    code: str  # no_policy | policy_ambiguous
    message: str
    bundle: str | None
    label: None = None

    def evaluate(self, order: Order, snapshot: Snapshot, now: datetime, *, explain: bool = False) -> Decision:
        from ordergate.policy.chain import classify

        if now.tzinfo is None:
            raise naive_now_error()
        is_exit = classify(order, snapshot.positions)[0]
        if is_exit:
            trace = (TraceEntry("exit_bypass", "pass", None, "exit order"),) if explain else None
            return Decision(
                ALLOW,
                "exit_bypass",
                None,
                "exit order: bypasses every check",
                None,
                self.bundle,
                exit=True,
                trace=trace,
            )
        trace = (TraceEntry("policy", "block", self.code, self.message),) if explain else None
        return Decision(BLOCK, "policy", self.code, self.message, None, self.bundle, trace=trace)

    def breach(self, snapshot: Snapshot, now: datetime) -> None:
        return None

    def auto_flatten_reason(self, now: datetime) -> None:
        return None


@dataclass(slots=True)
class LoadedDocument:
    kind: str
    name: str
    doc: Document
    model: Any
    valid: bool = True


@dataclass(slots=True)
class Bundle:
    root: str
    digest: str
    files: tuple[str, ...]
    policies: dict[str, CompiledPolicy]
    tests: list[LoadedDocument]
    runtimes: list[LoadedDocument]
    diagnostics: list[Diagnostic]
    _bindings: dict[tuple[str, str | None], CompiledPolicy | UnboundPolicy] = field(default_factory=dict)

    def policy_for(self, account: str, nickname: str | None = None) -> CompiledPolicy | UnboundPolicy:
        key = (account, nickname)
        found = self._bindings.get(key)
        if found is None:
            found = bind(self.policies.values(), account, nickname, self.digest)
            self._bindings[key] = found
        return found


def bind(
    policies: Iterable[CompiledPolicy], account: str, nickname: str | None, digest: str | None
) -> CompiledPolicy | UnboundPolicy:
    """The most specific policy for an account (DESIGN 4.1)."""
    best: tuple[int, int] | None = None
    winners: list[CompiledPolicy] = []
    names = [account] if not nickname else [account, nickname]
    for policy in policies:
        score: tuple[int, int] | None = None
        for pattern in policy.accounts:
            literal = literal_chars(pattern)
            if literal is None:
                s = (1, len(pattern)) if pattern in names else None
            else:
                s = (0, literal) if any(fnmatch.fnmatchcase(n, pattern) for n in names) else None
            if s is not None and (score is None or s > score):
                score = s
        if score is None:
            continue
        # exact matches all tie with each other, whatever their length
        rank = (1, 0) if score[0] == 1 else score
        if best is None or rank > best:
            best, winners = rank, [policy]
        elif rank == best:
            winners.append(policy)
    if not winners:
        return UnboundPolicy("no_policy", f"no policy matches account {account}", digest)
    if len(winners) > 1:
        names_ = ", ".join(p.name for p in winners)
        return UnboundPolicy(
            "policy_ambiguous",
            f"account {account} matches policies {names_} equally; make one pattern more specific",
            digest,
        )
    return winners[0]


# ---------------------------------------------------------------- files and digest


def bundle_digest(files: Sequence[tuple[FsPath, bytes]], roots: Sequence[FsPath]) -> str:
    h = hashlib.sha256()
    entries = []
    for path, content in files:
        rel = path.name
        for root in roots:
            try:
                rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
                break
            except ValueError:
                continue
        entries.append((rel, content))
    for rel, content in sorted(entries):
        h.update(os.fsencode(rel))  # a name that is not UTF-8 is hashed as the bytes it is
        h.update(b"\0")
        h.update(content)
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


# ---------------------------------------------------------------- loading


class _MergedLocator:
    def __init__(self, chain: Sequence[Document]) -> None:
        self.where: dict[Path, Document] = {}
        for doc in chain:  # base first; the policy itself last wins
            for p in doc.values:
                self.where[p] = doc
        self.own = chain[-1]
        self.chain = tuple(chain)

    def _doc(self, path: Path) -> Document:
        probe = path
        while probe:
            if probe in self.where:
                return self.where[probe]
            probe = probe[:-1]
        return self.own

    def pos(self, path: Path) -> Position:
        return self._doc(path).pos(path)

    def offset_pos(self, path: Path, offset: int) -> Position:
        return self._doc(path).offset_pos(path, offset)

    def source_line(self, pos: Position) -> str | None:
        for doc in (self.own, *self.chain):  # not where.values(): one per path, O(n) a call
            if doc.source.name == pos.file:
                return doc.source.line(pos.line)
        return None


def deep_merge(base: Any, over: Any) -> Any:
    """Maps merge key by key; lists and scalars from ``over`` replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return over


def load_bundle(*paths: str | os.PathLike[str], light: bool = False) -> Bundle:
    """Load, check and compile every document under ``paths``; raise PolicyError on errors.
    ``light``: as ``check_bundle``'s."""
    bundle, diagnostics = check_bundle(paths or ("rules",), light=light)
    if bundle is None or has_errors(diagnostics):
        raise PolicyError(diagnostics)
    return bundle


def check_bundle(
    paths: Sequence[str | os.PathLike[str]], *, light: bool = False
) -> tuple[Bundle | None, list[Diagnostic]]:
    """Every diagnostic for the documents under ``paths``, and the bundle when it compiles.

    Never raises: an exception from a stage (a bug) is an internal-error diagnostic on
    the file that caused it (``lastresort``).

    ``light``: a valid bundle is checked without pydantic, and its documents' models and
    its policies' specs are ``light_models.Record``s: for a command that reports on the
    bundle and forgets it (validate, test), not for the runtime, which keeps the models."""
    with gcpause.paused():  # a third of the time of 1,000 files was the collector's
        try:
            if light:
                found = _light_check(paths)
                if found is not None:
                    return found
            return guarded(_check_bundle, lambda p: collect_files(p)[0], paths)
        finally:
            expression_cache.flush()  # the rule texts parsed now need no lark next run


def _light_check(paths: Sequence[str | os.PathLike[str]]) -> tuple[Bundle | None, list[Diagnostic]] | None:
    """The light way's answer for a bundle with no diagnostic at all, else None."""
    try:
        bundle, problems = _check_bundle(paths, light=True)
    except light_models.NotLight:
        return None
    except Exception:  # a bug of the light way: the full way answers, as it always did
        import logging  # only when there is something to log

        logging.getLogger("ordergate.policy").debug(
            "the light check of %s raised", ", ".join(map(str, paths)), exc_info=True
        )
        return None
    return (bundle, problems) if bundle is not None and not problems else None


def _check_bundle(
    paths: Sequence[str | os.PathLike[str]], light: bool = False
) -> tuple[Bundle | None, list[Diagnostic]]:
    files, problems = collect_files(paths)
    if not files and not problems:
        where = ", ".join(str(p) for p in paths)
        problems.append(Diagnostic(where, 1, 1, "error", "no-documents", f"no YAML files under {where}"))
    contents: list[tuple[FsPath, bytes]] = []
    documents: list[Document] = []
    for path, display in files:
        data, source, unreadable = read_source(path, display)  # at most 1 MiB (DESIGN §9)
        problems.extend(unreadable)
        if source is None:
            continue
        contents.append((path, data))
        docs, syntax = parse_documents(source)
        problems.extend(syntax)
        documents.extend(docs)
    digest = bundle_digest(contents, [FsPath(p) for p in paths])
    loaded: list[LoadedDocument] = []
    for doc in documents:
        problems.extend(find_literal_secrets(doc))
        kind, diags = versions.identify(doc)
        problems.extend(diags)
        if kind is None:
            continue
        if light:
            # a problem anywhere sends the bundle the full way: stop at the first
            if problems:
                raise light_models.NotLight("a diagnostic")
            loaded.append(_light_document(doc, kind))
            continue
        model = _fast_model(doc, kind)
        shape: list[Diagnostic] = []
        if model is None:  # explain the failure with positions, then salvage what is left
            shape = check_shape(doc, kind) or _pydantic_diagnostics(doc, kind)
            problems.extend(shape)
            model = _model_of(doc, kind, shape)
        if model is None:
            continue
        loaded.append(LoadedDocument(kind, model.metadata.name, doc, model, valid=not shape))
    _check_unique_names(loaded, problems)
    problems.extend(duplicate_patterns(d for d in loaded if d.kind == "RiskPolicy"))
    policies = _compile_policies([d for d in loaded if d.kind == "RiskPolicy"], digest, problems, light)
    tests = [d for d in loaded if d.kind == "PolicyTest"]
    runtimes = [d for d in loaded if d.kind == "Runtime"]
    if runtimes:
        from ordergate.policy.runtime_checks import check_runtime  # the models of the runtime

        for item in runtimes:
            problems.extend(check_runtime(item.doc, item.model))
    from ordergate.policy.testing import check_tests

    defined = {d.name: d.doc.source.name for d in loaded if d.kind == "RiskPolicy"}
    problems.extend(check_tests(tests, policies, defined))
    problems.sort(key=sort_key)
    bundle = Bundle(
        root=str(paths[0]) if paths else "rules",
        digest=digest,
        files=tuple(display for _, display in files),
        policies=policies,
        tests=tests,
        runtimes=runtimes,
        diagnostics=[d for d in problems if d.severity != "error"],
    )
    return bundle, problems


def _light_document(doc: Document, kind: str) -> LoadedDocument:
    model = light_models.document(kind, doc.value)  # NotLight unless valid and plainly so
    return LoadedDocument(kind, model.metadata.name, doc, model)


def _fast_model(doc: Document, kind: str) -> Any:
    """The model when the document is valid; pydantic's strict check is many times faster
    than walking the JSON Schema, so that walk is kept for explaining a failure."""
    try:
        return versions.MODELS[kind].model_validate(doc.value, strict=True)
    except ValueError:
        return None


def _pydantic_diagnostics(doc: Document, kind: str) -> list[Diagnostic]:
    # only reached if pydantic refuses what the JSON Schema accepts; say what pydantic says
    from pydantic import ValidationError

    try:
        versions.MODELS[kind].model_validate(doc.value, strict=True)
    except ValidationError as exc:
        return [
            doc.source.diagnostic(
                doc.pos(tuple(e["loc"])), "schema", f"{dotted(tuple(e['loc']))}: {e['msg']}"
            )
            for e in exc.errors()
        ]
    return []


def _model_of(doc: Document, kind: str, shape: list[Diagnostic]) -> Any:
    """The document's model; with shape errors, the model of what is left once the
    offending keys are set aside, so that later stages still report their problems."""
    model_type = versions.MODELS[kind]
    if not shape:
        return model_type.model_validate(doc.value)
    pruned = _prune(doc.value, shape, doc)
    try:
        return model_type.model_validate(pruned)
    except ValueError:
        return None


def _prune(value: Any, shape: list[Diagnostic], doc: Document) -> Any:
    """A copy of ``value`` without the mapping keys whose values have shape errors.

    A problem inside a list item removes the whole list's key, so that list indexes (and
    with them every position) stay what they are in the file.
    """
    bad_places = {(d.line, d.col) for d in shape}
    doomed: set[Path] = set()
    for path, pos in doc.values.items():
        if (pos.line, pos.col) in bad_places or (
            doc.keys.get(path) and (doc.keys[path].line, doc.keys[path].col) in bad_places
        ):
            cut = path
            for i, part in enumerate(path):
                if isinstance(part, int):
                    cut = path[:i]
                    break
            doomed.add(cut)
    if () in doomed:
        return value

    def walk(node: Any, here: Path) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, (*here, k)) for k, v in node.items() if (*here, k) not in doomed}
        return node

    return walk(value, ())


def _check_unique_names(loaded: list[LoadedDocument], problems: list[Diagnostic]) -> None:
    seen: dict[tuple[str, str], LoadedDocument] = {}
    for item in list(loaded):
        key = (item.kind, item.name)
        if key in seen:
            first = seen[key].doc.pos(("metadata", "name"))
            pos = item.doc.pos(("metadata", "name"))
            problems.append(
                item.doc.source.diagnostic(
                    pos,
                    "duplicate-name",
                    f"a {item.kind} named '{item.name}' is already defined",
                    hint=f"the first is at {first.file}:{first.line}",
                )
            )
            loaded.remove(item)
        else:
            seen[key] = item


def _compile_policies(
    items: list[LoadedDocument], digest: str, problems: list[Diagnostic], light: bool = False
) -> dict[str, CompiledPolicy]:
    by_name = {d.name: d for d in items}
    compiled: dict[str, CompiledPolicy] = {}
    for item in items:
        model: Any = item.model  # RiskPolicyDocument, or its light twin
        if not item.valid:
            # checked for its other problems only; a policy with shape errors never loads
            _, diags = compile_policy(item.name, 1, None, model.spec, _MergedLocator([item.doc]), digest)
            problems.extend(d for d in diags if d.severity == "error")
            continue
        if model.metadata.version is None:
            problems.append(
                item.doc.source.diagnostic(
                    item.doc.pos(("metadata",)),
                    "missing-version",
                    f"policy '{item.name}' has no metadata.version; decisions will show {item.name}@1",
                    hint="add version: 1 and bump it with every change",
                    severity="warning",
                )
            )
        chain = _extends_chain(item, by_name, problems)
        if chain is None:
            continue
        merged: dict[str, Any] = {}
        for link in chain:
            merged = deep_merge(merged, link.doc.value.get("spec") or {})
        merged["accounts"] = (item.doc.value.get("spec") or {}).get(
            "accounts", []
        )  # bindings are not inherited
        merged.pop("extends", None)
        spec = _merged_spec(item, merged, light)
        policy, diags = compile_policy(
            item.name,
            model.metadata.version or 1,
            model.metadata.description,
            spec,
            _MergedLocator([link.doc for link in chain]),
            digest,
        )
        problems.extend(diags)
        if policy is not None:
            compiled[item.name] = policy
    return compiled


def _merged_spec(item: LoadedDocument, merged: dict[str, Any], light: bool) -> Any:
    if light:  # checked as the spec of the policy's own document, as a file would be
        return light_models.spec("RiskPolicy", merged, item.doc.value["metadata"])
    from ordergate.policy.models import RiskPolicySpec

    return RiskPolicySpec.model_validate(merged)


def _extends_chain(
    item: LoadedDocument, by_name: dict[str, LoadedDocument], problems: list[Diagnostic]
) -> list[LoadedDocument] | None:
    chain = [item]
    current = item
    while True:
        parent = current.model.spec.extends
        if parent is None:
            return list(reversed(chain))
        pos = current.doc.pos(("spec", "extends"))
        if parent not in by_name:
            problems.append(
                current.doc.source.diagnostic(
                    pos,
                    "extends-missing",
                    f"policy '{current.name}' extends '{parent}', which is not in this bundle",
                    hint=did_you_mean(parent, list(by_name)),
                )
            )
            return None
        nxt = by_name[parent]
        if nxt in chain:
            cycle = " → ".join([*(c.name for c in chain[chain.index(nxt) :]), parent])
            if current is item or item in chain[chain.index(nxt) :]:
                problems.append(
                    current.doc.source.diagnostic(
                        pos, "extends-cycle", f"policy '{item.name}' extends itself through {cycle}"
                    )
                )
            return None
        chain.append(nxt)
        current = nxt
