"""Literal secrets in documents: passwords, tokens and keys must be ``${env:NAME}`` references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ordergate.policy.diagnostics import Diagnostic
from ordergate.policy.schema_check import dotted
from ordergate.policy.source import Document, Path

SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|api_?key|apikey|private_?key|client_?secret|access_?key)s?$",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"^\$\{(env|file):[A-Za-z_][A-Za-z0-9_./-]*\}$")


def _walk(value: Any, path: Path, secret: bool) -> Iterator[tuple[Path, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key), secret or bool(SECRET_KEY.search(str(key))))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i), secret)
    elif (
        secret
        and isinstance(value, str | int)
        and not isinstance(value, bool)
        and str(value).strip()
        and not REFERENCE.match(str(value).strip())
    ):
        yield path, str(value)


def find_literal_secrets(doc: Document) -> list[Diagnostic]:
    out = []
    for path, _value in _walk(doc.value, (), False):
        where = dotted(path)
        out.append(
            doc.source.diagnostic(
                doc.pos(path),
                "literal-secret",
                f"{where} holds a literal secret; secrets must not live in files",
                hint="reference it as ${env:NAME} and set NAME in the environment",
            )
        )
    return out
