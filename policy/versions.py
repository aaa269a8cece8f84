"""apiVersion and kind: which documents we read, and converters from older versions.

Each supported apiVersion other than the newest has a converter to the next one; the
loader converts in memory and ``ordergate migrate`` rewrites files. ``ordergate/v1`` is
the first version, so the converter table is empty today; a new version adds an entry
``"ordergate/v1": (to_v2, "ordergate/v2")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ordergate.policy.diagnostics import Diagnostic
from ordergate.policy.kinds import API_VERSION, KINDS, SUPPORTED_API_VERSIONS
from ordergate.policy.schema_check import did_you_mean
from ordergate.policy.source import Document


def __getattr__(name: str) -> Any:
    # MODELS (kind -> pydantic model) imports pydantic: only when asked for, since a valid
    # bundle is checked without it (``light_models``)
    if name == "MODELS":
        from ordergate.policy.models import DOCUMENT_MODELS

        return DOCUMENT_MODELS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Converter = Callable[[dict[str, Any]], dict[str, Any]]
CONVERTERS: dict[str, tuple[Converter, str]] = {}


def upgrade(value: dict[str, Any]) -> dict[str, Any]:
    """The document converted step by step to the newest apiVersion."""
    while value.get("apiVersion") in CONVERTERS:
        convert, target = CONVERTERS[value["apiVersion"]]
        value = convert(value)
        value["apiVersion"] = target
    return value


def identify(doc: Document) -> tuple[str | None, list[Diagnostic]]:
    """The document's kind, converting it in place when it is of an older apiVersion."""
    src = doc.source
    if not isinstance(doc.value, dict):
        return None, [
            src.diagnostic(
                doc.start,
                "not-a-document",
                "a document must be a mapping with apiVersion, kind, metadata and spec",
            )
        ]
    problems: list[Diagnostic] = []
    api = doc.value.get("apiVersion")
    supported = ", ".join((*SUPPORTED_API_VERSIONS, *CONVERTERS))
    if api is None:
        problems.append(
            src.diagnostic(
                doc.start, "api-version", f"the document has no apiVersion; supported: {supported}"
            )
        )
    elif not isinstance(api, str):  # a list or mapping cannot even be looked up
        problems.append(
            src.diagnostic(
                doc.pos(("apiVersion",)),
                "api-version",
                f"apiVersion must be a string such as {API_VERSION}; supported: {supported}",
            )
        )
    elif api not in SUPPORTED_API_VERSIONS and api not in CONVERTERS:
        problems.append(
            src.diagnostic(
                doc.pos(("apiVersion",)),
                "api-version",
                f"unknown apiVersion '{api}'; supported: {supported}",
                hint=did_you_mean(str(api), [API_VERSION]),
            )
        )
    kind = doc.value.get("kind")
    if kind is None:
        problems.append(
            src.diagnostic(
                doc.start, "kind", f"the document has no kind; supported kinds: {', '.join(KINDS)}"
            )
        )
    elif not isinstance(kind, str):
        problems.append(
            src.diagnostic(
                doc.pos(("kind",)),
                "kind",
                f"kind must be a string; supported kinds: {', '.join(KINDS)}",
            )
        )
    elif kind not in KINDS:
        problems.append(
            src.diagnostic(
                doc.pos(("kind",)),
                "kind",
                f"unknown kind '{kind}'; supported kinds: {', '.join(KINDS)}",
                hint=did_you_mean(str(kind), list(KINDS)),
            )
        )
    if problems:
        return None, problems
    if api in CONVERTERS:
        doc.value = upgrade(doc.value)
    return str(kind), []
