from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from ordergate.policy.cli import schema_file_name
from ordergate.policy.models import KINDS, json_schema
from tests.conftest import REPO


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_files_are_up_to_date(kind: str) -> None:
    committed = json.loads((REPO / "schemas" / schema_file_name(kind)).read_text())
    assert committed == json_schema(kind), "schemas/ is stale: run `ordergate schema --write schemas`"


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_valid_draft_2020_12_with_descriptions(kind: str) -> None:
    schema = json_schema(kind)
    Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    assert '"description"' in text and '"additionalProperties": false' in text


def test_the_seeds_ranges_and_defaults_are_in_the_schema() -> None:
    defs = json_schema("RiskPolicy")["$defs"]
    assert defs["DailyLimits"]["properties"]["loss"]["maximum"] == 1_000_000
    assert defs["WeeklyLimits"]["properties"]["loss"]["maximum"] == 5_000_000
    assert defs["Hours"]["properties"]["start"]["default"] == "09:30"
    assert defs["Hours"]["properties"]["end"]["default"] == "16:00"
    assert defs["Hours"]["properties"]["days"]["default"] == ["mon", "tue", "wed", "thu", "fri"]
    assert defs["QuoteHealth"]["properties"]["stale_after"]["default"] == "20s"
    assert defs["QuoteHealth"]["properties"]["policy"]["default"] == "strict"
    assert defs["OnBreach"]["properties"]["action"]["default"] == "alert_only"
    assert defs["OnBreach"]["properties"]["lock"]["default"] == "manual"
    positions = defs["Positions"]["properties"]
    assert positions["max_open_positions"]["anyOf"][0]["maximum"] == 100
    assert positions["max_contracts_per_order"]["anyOf"][0]["maximum"] == 10_000


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "rules").glob("*.yaml")) + sorted((REPO / "examples").rglob("*.yaml")),
    ids=lambda p: p.name,
)
def test_the_project_documents_validate_against_the_plain_json_schemas(path) -> None:
    """An editor's YAML language server sees what ordergate sees."""
    for doc in yaml.safe_load_all(path.read_text()):
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        # YAML 1.1 loaders read unquoted dates as datetimes; editors treat them as strings
        doc = json.loads(json.dumps(doc, default=str))
        Draft202012Validator(json_schema(doc["kind"])).validate(doc)


def test_the_schema_files_ship_with_the_package() -> None:
    import importlib.util

    spec = importlib.util.find_spec("ordergate.schemas")
    assert spec is not None and spec.submodule_search_locations
    shipped = Path(next(iter(spec.submodule_search_locations)))
    for kind in KINDS:
        assert json.loads((shipped / schema_file_name(kind)).read_text()) == json_schema(kind)
