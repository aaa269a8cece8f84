from __future__ import annotations

import pytest

from ordergate.policy.contracts import canonical_root, contract_table, spec_for, symbol_root


def test_the_table_covers_every_sector_with_micros() -> None:
    table = contract_table()
    assert len(table) >= 40
    assert {s.sector for s in table.values()} >= {"equity_index", "energy", "metals", "rates", "grains", "fx"}
    assert {"MES", "MNQ", "MYM", "M2K", "MCL", "MGC"} <= set(table)


@pytest.mark.parametrize(
    ("root", "tick", "tick_value", "point"),
    [
        ("ES", 0.25, 12.5, 50),
        ("MNQ", 0.25, 0.5, 2),
        ("CL", 0.01, 10, 1000),
        ("GC", 0.1, 10, 100),
        ("ZN", 0.015625, 15.625, 1000),
        ("6E", 0.00005, 6.25, 125000),
    ],
)
def test_specs_match_the_exchange(root: str, tick: float, tick_value: float, point: float) -> None:
    spec = spec_for(root)
    assert spec is not None
    assert (spec.tick_size, spec.tick_value, spec.point_value) == (tick, tick_value, point)
    assert spec.tick_size * spec.point_value == pytest.approx(spec.tick_value)


@pytest.mark.parametrize(
    ("spelling", "root"),
    [
        ("ESZ6", "ES"),
        ("ESZ26", "ES"),
        ("ESZ2026", "ES"),
        ("/ESZ6", "ES"),
        ("esz6", "ES"),
        ("CON.F.US.EP.Z26", "ES"),
        ("CON.F.US.ENQ.H25", "NQ"),
        ("CON.F.US.MNQ.H26", "MNQ"),
        ("CON.F.US.CLE.F27", "CL"),
        ("ES1!", "ES"),
        ("CME_MINI:NQ1!", "NQ"),
        ("MNQU2025", "MNQ"),
        ("MESH7", "MES"),
        ("6EZ6", "6E"),
        ("M6EZ6", "M6E"),
        ("MCLF27", "MCL"),
        ("ZNZ26", "ZN"),
        ("GC", "GC"),
    ],
)
def test_every_broker_spelling_canonicalises_to_the_root(spelling: str, root: str) -> None:
    assert canonical_root(spelling) == root


def test_an_unknown_symbol_keeps_its_own_name() -> None:
    assert canonical_root("FOO") is None
    assert symbol_root(" /foo ") == "FOO"
