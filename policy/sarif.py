"""SARIF 2.1.0 for ``ordergate validate --format sarif``, as validators and GitHub code
scanning accept it.

- Locations are relative URI references, percent-encoded (``rules/with%20space%2C%20comma%25.yaml``),
  against ``uriBaseId: %SRCROOT%``, which ``originalUriBaseIds`` resolves to the folder
  the command ran in. A file outside that folder gets its absolute ``file://`` URI.
- Every rule carries a name that differs from its id (PascalCase), a short and a full
  description and help, from the table in ``codes``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ordergate.policy.codes import describe
from ordergate.policy.diagnostics import Diagnostic

SRCROOT = "%SRCROOT%"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ordergate/ordergate"


def artifact_location(file: str, root: Path) -> dict[str, str]:
    """A percent-encoded URI for ``file``: relative to ``root`` when it is inside it."""
    path = Path(file)
    absolute = path if path.is_absolute() else root / path
    try:
        relative = Path(os.path.normpath(absolute)).relative_to(os.path.normpath(root))
    except ValueError:
        return {"uri": Path(os.path.normpath(absolute)).as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _rule(code: str) -> dict[str, Any]:
    info = describe(code)
    return {
        "id": code,
        "name": info.name,
        "shortDescription": {"text": info.short},
        "fullDescription": {"text": info.full},
        "help": {"text": info.help, "markdown": info.help},
        "helpUri": f"{INFORMATION_URI}#validate-and-test-rules-in-ci",
    }


def _result(d: Diagnostic, index: int, root: Path) -> dict[str, Any]:
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": d.severity,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(d.file, root),
                    "region": {"startLine": d.line, "startColumn": d.col},
                }
            }
        ],
    }
    if d.consequence_of is not None:
        result["properties"] = {"consequenceOf": artifact_location(d.consequence_of, root)["uri"]}
    return result


def render_sarif(diagnostics: Sequence[Diagnostic], *, version: str, root: Path | None = None) -> str:
    base = (root or Path.cwd()).resolve()
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ordergate",
                        "version": version,
                        "semanticVersion": version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.code], base) for d in diagnostics],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
