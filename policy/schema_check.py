"""Schema stage: a document's shape checked against its kind's JSON Schema.

jsonschema finds the problems; this module says them the way a person would, at the
line and column of the offending key or value, with a did-you-mean for unknown fields
and enum values.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ordergate.policy import field_patterns as patterns
from ordergate.policy.diagnostics import Diagnostic
from ordergate.policy.source import Document, Path

if TYPE_CHECKING:  # jsonschema is imported only to explain a failure: valid files never pay for it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_PATTERN_WORDS = {
    patterns.NAME_PATTERN: "lower-case letters, digits and dashes, starting with a letter or digit",
    patterns.TIME_PATTERN: "a time of day as HH:MM (24-hour)",
    patterns.DURATION_PATTERN: "a duration such as 20s, 5m or 6h",
    patterns.LOCK_PATTERN: "manual, 6h, 12h, session:<boundary> or HH:MM",
}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "empty",
}


@functools.cache
def validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    from ordergate.policy import models  # pydantic: only to explain a failure, as jsonschema

    return Draft202012Validator(models.json_schema(kind))


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "document"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(root["$defs"][ref.removeprefix("#/$defs/")])
    return schema


def _expected_types(schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    words: list[str] = []
    for option in schema.get("anyOf", [schema]):
        option = _resolve(option, root)
        if "enum" in option or "const" in option:
            values = option.get("enum", [option.get("const")])
            words.append("one of " + ", ".join(str(v) for v in values))
        elif "type" in option and option["type"] != "null":
            words.append(_TYPE_WORDS.get(option["type"], option["type"]))
        elif "properties" in option:
            words.append("a mapping")
    if "a number" in words and "a whole number" in words:
        words.remove("a whole number")
    return list(dict.fromkeys(words))


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Collapse anyOf failures to the branch the author evidently meant."""
    if error.validator != "anyOf" or not error.context:
        yield error
        return
    # a branch whose type does not even match the value is not the one the author meant
    meant = [
        e
        for e in error.context
        if (
            not e.relative_path
            and not (e.validator in ("enum", "const") and isinstance(e.instance, list | dict))
            and e.validator != "type"
        )
        or e.relative_path
    ]
    if meant and len({tuple(e.relative_schema_path)[:1] for e in meant}) == 1:
        for sub in meant:
            yield from _leaf_errors(sub)
    else:
        yield error


def check_shape(doc: Document, kind: str) -> list[Diagnostic]:
    v = validator(kind)
    out: list[Diagnostic] = []
    seen: set[tuple[int, int, str]] = set()
    for top in v.iter_errors(doc.value):
        for error in _leaf_errors(top):
            for diag in _describe(doc, error, v.schema):
                key = (diag.line, diag.col, diag.message)
                if key not in seen:
                    seen.add(key)
                    out.append(diag)
    return sorted(out, key=lambda d: (d.line, d.col))


def _describe(doc: Document, error: ValidationError, root: dict[str, Any]) -> Iterator[Diagnostic]:
    path: Path = tuple(error.absolute_path)
    where = dotted(path)
    src = doc.source
    schema = _resolve(error.schema if isinstance(error.schema, dict) else {}, root)
    match error.validator:
        case "additionalProperties":
            allowed = list(_resolve(error.schema, root).get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            for key in extra:
                yield src.diagnostic(
                    doc.key_pos((*path, key)),
                    "unknown-field",
                    f"unknown field '{key}' in {where}",
                    hint=did_you_mean(key, allowed) or f"allowed here: {', '.join(allowed)}",
                )
        case "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            for key in missing:
                yield src.diagnostic(doc.pos(path), "missing-field", f"{where} needs a '{key}' field")
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            bound = error.validator_value
            word = {
                "minimum": "at least",
                "maximum": "at most",
                "exclusiveMinimum": "more than",
                "exclusiveMaximum": "less than",
            }[str(error.validator)]
            yield src.diagnostic(
                doc.pos(path),
                "range",
                f"{where} must be {word} {bound:,} (got {error.instance:,})",
            )
        case "type":
            expected = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
            yield src.diagnostic(
                doc.pos(path),
                "type",
                f"{where} must be {expected}, not {_kind_of(error.instance)}",
            )
        case "anyOf":
            expected = " or ".join(_expected_types(schema, root)) or "another shape"
            yield src.diagnostic(
                doc.pos(path),
                "type",
                f"{where} must be {expected} (got {error.instance!r})",
            )
        case "enum" | "const":
            values = error.validator_value if error.validator == "enum" else [error.validator_value]
            choices = [str(x) for x in values]
            if path[-1:] == ("apiVersion",) or path[-1:] == ("kind",):
                return  # reported by the document loader with the supported list
            yield src.diagnostic(
                doc.pos(path),
                "enum",
                f"{where} must be one of {', '.join(choices)} (got {error.instance!r})",
                hint=did_you_mean(str(error.instance), choices),
            )
        case "pattern":
            words = _PATTERN_WORDS.get(str(error.validator_value), f"match {error.validator_value}")
            yield src.diagnostic(
                doc.pos(path),
                "format",
                f"{where} must be {words} (got {error.instance!r})",
            )
        case "minItems" | "minLength":
            yield src.diagnostic(doc.pos(path), "empty", f"{where} must not be empty")
        case _:
            yield src.diagnostic(doc.pos(path), "schema", f"{where}: {error.message}")
