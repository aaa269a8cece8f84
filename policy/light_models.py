"""Valid documents read without pydantic: the models' light twins, for ``ordergate validate``.

Importing pydantic and building the models' validators is a third of a cold ``ordergate
validate`` (issue 15: pre-commit runs it on every commit that touches the rules). A
valid RiskPolicy or PolicyTest needs none of it: its shape is checked against the
committed JSON Schema (``schemas/``, generated from ``models`` and guarded by a test) by
code that fastjsonschema generated from that schema (``riskpolicy_validator``,
``policytest_validator``, guarded by a test too), and the document becomes a tree of
``Record`` objects that carry what the pydantic model would carry: every field, the
defaults filled in, the same values of the same types (an int given for a ``float`` field
becomes a float; ``int | float`` keeps the int, as pydantic's unions do).

Anything this module is not sure of is not light (``NotLight``), and the caller goes the
full way with pydantic, which says what is wrong: a document the schema refuses, a value
that is not plain JSON (a date, a mapping key that is not a string), a float that is not
finite, a Runtime document (its models validate more than their schema says). So the
light way only ever answers "valid, and here is the model"; every diagnostic still comes
from the full way. Tests hold ``Record.as_dict()`` equal to ``model_dump()``.
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any

# the kinds read this way; a Runtime document always goes the full way
LIGHT_KINDS: tuple[str, ...] = ("RiskPolicy", "PolicyTest")


class NotLight(Exception):
    """The document is not one this module can vouch for: take the full way."""


class Record:
    """A frozen object with the fields of one model, read as attributes (``spec.rules``)."""

    __slots__ = ("_fields", "_model")

    _fields: dict[str, Any]
    _model: str

    def __init__(self, model: str, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # no field is, and looking in _fields before it is set recurses
            raise AttributeError(name)
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{self._model} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._model} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self._model} is frozen")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return self._model == other._model and self._fields == other._fields

    __hash__ = None  # type: ignore[assignment]  # fields may be lists, as in the models

    def __reduce__(self) -> tuple[type[Record], tuple[str, dict[str, Any]]]:
        return (Record, (self._model, self._fields))  # copy and pickle, past the frozen setattr

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._fields.items())
        return f"{self._model}({inner})"

    def as_dict(self) -> dict[str, Any]:
        """Plain data, as the model's ``model_dump()`` gives it."""
        return {k: _plain(v) for k, v in self._fields.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- schemas and validators


def schema_file(kind: str) -> str:
    return f"{kind.lower()}.v1.json"


def _generated(kind: str) -> Any:
    """The generated module of a kind (``riskpolicy_validator``, ``policytest_validator``),
    imported only for the kinds a bundle has."""
    if kind not in LIGHT_KINDS:
        raise NotLight(kind)
    return importlib.import_module(f"ordergate.policy.{kind.lower()}_validator")


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind, as committed in ``schemas/`` when its validator was
    generated (a test holds the two equal)."""
    found: dict[str, Any] = _generated(kind).SCHEMA
    return found


def validator_source(kind: str, committed: dict[str, Any]) -> str:
    """The source of the generated validator module of ``kind``: fastjsonschema's code
    for the committed schema, and that schema. ``const`` is written as the one-value
    ``enum`` it equals, since fastjsonschema's code without detailed exceptions cannot
    say a const (the messages are never shown: a failure sends the document the full
    way)."""
    import pprint

    import fastjsonschema

    code = fastjsonschema.compile_to_code(
        _const_as_enum(committed), use_default=False, detailed_exceptions=False
    )
    first = code.split("\ndef ", 1)[1].split("(", 1)[0]  # named by $id: the schema's own
    header = (
        f"# Generated from schemas/{schema_file(kind)} by fastjsonschema "
        f"(ordergate.policy.light_models.validator_source); do not edit.\n"
        "# tests/test_light_models.py fails when it is stale: regenerate with\n"
        "#   python -m ordergate.policy.light_models --write\n"
        "# ruff: noqa\n# mypy: ignore-errors\n# fmt: off\n"
    )
    shown = pprint.pformat(committed, width=110, sort_dicts=False)
    return f"{header}{code}\n\nvalidate = {first}\n\nSCHEMA = {shown}\n"


def _const_as_enum(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _const_as_enum(v) for k, v in node.items()}
        if "const" in out:
            out["enum"] = [out.pop("const")]
        return out
    if isinstance(node, list):
        return [_const_as_enum(v) for v in node]
    return node


# ---------------------------------------------------------------- documents


def document(kind: str, value: Any) -> Record:
    """The light model of a valid document of ``kind``; NotLight when it is not valid or
    not plainly so."""
    if kind not in LIGHT_KINDS:
        raise NotLight(kind)
    _plain_json(value)
    try:
        _generated(kind).validate(value)
    except NotLight:
        raise
    except Exception as exc:  # fastjsonschema's refusal, whatever its class
        raise NotLight(str(exc)) from None
    root = schema(kind)
    record = _build(root, root, value)
    if not isinstance(record, Record):  # pragma: no cover - a kind's schema is an object
        raise NotLight(kind)
    return record


def spec(kind: str, value: Any, metadata: dict[str, Any]) -> Record:
    """The light model of a spec alone (a RiskPolicy's spec merged over what it extends),
    checked as the spec of a whole document of ``kind``."""
    doc = document(
        kind,
        {"apiVersion": schema(kind)["properties"]["apiVersion"]["const"], "kind": kind}
        | {"metadata": metadata, "spec": value},
    )
    built: Record = doc.spec
    return built


def _plain_json(value: Any) -> None:
    """Refuse anything but JSON's types: fastjsonschema and pydantic may differ on others."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise NotLight(f"mapping key {key!r}")
            _plain_json(item)
    elif kind is list:
        for item in value:
            _plain_json(item)
    elif kind is float:
        if not math.isfinite(value):
            raise NotLight(f"number {value!r}")
    elif kind not in (str, int, bool, type(None)):
        raise NotLight(f"value of type {kind.__name__}")


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):  # pragma: no cover
        raise NotLight(f"reference {ref!r}")
    found: dict[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
    return found


# JSON types a Python value is of exactly, and those it is taken as (an int is a number)
_EXACT: dict[type, str] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def _branch(options: list[dict[str, Any]], value: Any, root: dict[str, Any]) -> dict[str, Any]:
    """The anyOf branch pydantic's union would take: the one of the value's exact type,
    else a number for an int; more than one candidate is not light."""
    exact = _EXACT[type(value)]
    resolved = [_resolve(o, root) for o in options]
    for wanted in (exact, "number") if exact == "integer" else (exact,):
        found = [o for o in resolved if o.get("type") == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotLight("ambiguous union")
    raise NotLight(f"no branch for {exact}")


def _build(node: dict[str, Any], root: dict[str, Any], value: Any) -> Any:
    node = _resolve(node, root)
    if "anyOf" in node:
        return _build(_branch(node["anyOf"], value, root), root, value)
    kind = node.get("type")
    if kind == "object":
        if "properties" in node:
            return _record(node, root, value)
        items = node.get("additionalProperties")
        if not isinstance(items, dict):  # pragma: no cover - the models' maps type values
            raise NotLight("untyped mapping")
        return {k: _build(items, root, v) for k, v in value.items()}
    if kind == "array":
        return [_build(node["items"], root, v) for v in value]
    if kind == "number":
        if type(value) is int:
            return float(value)  # a float field keeps a float, as pydantic makes it
        return _exactly(value, float)
    if kind == "integer":
        return _exactly(value, int)
    if kind == "string":
        return _exactly(value, str)
    if kind == "boolean":
        return _exactly(value, bool)
    if kind == "null":
        return _exactly(value, type(None))
    raise NotLight(f"schema node {sorted(node)}")  # pragma: no cover - every node is typed


def _exactly(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise NotLight(f"{type(value).__name__} where {kind.__name__} is wanted")
    return value


def _record(node: dict[str, Any], root: dict[str, Any], value: Any) -> Record:
    if type(value) is not dict:
        raise NotLight("a mapping is wanted")
    properties: dict[str, Any] = node["properties"]
    extra = value.keys() - properties.keys()
    if extra:  # pragma: no cover - the schema forbids extra fields
        raise NotLight(f"fields {sorted(extra)}")
    fields: dict[str, Any] = {}
    for name, sub in properties.items():
        if name in value:
            fields[name] = _build(sub, root, value[name])
        elif "default" in sub:
            fields[name] = _copy(sub["default"])  # as pydantic, a default is not validated
        else:  # pragma: no cover - the schema requires it
            raise NotLight(f"missing {name}")
    return Record(str(node.get("title", "")), fields)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def committed_schema(kind: str) -> dict[str, Any]:
    """The schema file of ``kind`` in ``schemas/``, beside this package's directory."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "schemas" / schema_file(kind)
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def _write_validators() -> None:
    """``python -m ordergate.policy.light_models --write``: regenerate the validators."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for kind in LIGHT_KINDS:
        target = here / f"{kind.lower()}_validator.py"
        target.write_text(validator_source(kind, committed_schema(kind)), "utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    import sys

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m ordergate.policy.light_models --write")
    _write_validators()
