"""Random bytes and random documents give diagnostics, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordergate.policy import check_bundle

POLICY = "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: p, version: 1}\nspec:\n"


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=300))
def test_random_bytes_in_a_rules_file(tmp_path, data: bytes) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(data)
    _, diagnostics = check_bundle([path])
    for d in diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.message


FIELDS = st.sampled_from(
    [
        "limits",
        "hours",
        "blackouts",
        "positions",
        "contracts",
        "quote_health",
        "rules",
        "timezone",
        "accounts",
        "extends",
    ]
)
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10**7),
        st.sampled_from(["09:30", "x", "20s", "mon", "session:x", "daily.pnl < 0", "2026-12-16T13:55"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "loss",
                    "start",
                    "end",
                    "name",
                    "when",
                    "symbol",
                    "mode",
                    "every",
                    "daily",
                    "on_breach",
                    "lock",
                    "action",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=10,
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(FIELDS, VALUES, max_size=5))
def test_random_policy_specs(tmp_path, spec: dict) -> None:
    import json

    path = tmp_path / "r.yaml"
    path.write_text(POLICY + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in spec.items()))
    bundle, diagnostics = check_bundle([path])
    assert bundle is not None
    for d in diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.message
