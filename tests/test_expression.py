from __future__ import annotations

import contextlib
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergate.policy.exprcompile import VARIABLES, compile_rule
from ordergate.policy.expression import ExpressionError, parse


def rule(text: str):
    return compile_rule(parse(text), "t")


def facts(**kw: object) -> SimpleNamespace:
    base = dict(
        qty=1,
        pos_qty=0,
        pos_size=0,
        pos_after=1,
        daily_pnl=0.0,
        daily_realized=0.0,
        unrealized=0.0,
        weekly_pnl=0.0,
        weekly_realized=0.0,
        daily_trades=0,
        weekly_trades=0,
        balance=50000.0,
        equity=50000.0,
        peak_equity=50000.0,
        open_positions=0,
        quote=None,
        quote_age=None,
        minute=600,
        weekday=1,
        date=date(2026, 11, 24),
    )
    base.update(kw)
    return SimpleNamespace(**base)


ORDER = SimpleNamespace(root="ES", symbol="ESZ6", side="buy", type="market", source="webhook", price=None)
SNAP = SimpleNamespace(account_id="A-1", nickname=None)


@pytest.mark.parametrize(
    ("text", "kw", "expected"),
    [
        ("daily.pnl < -500 and order.qty > 1", {"daily_pnl": -600.0, "qty": 2}, True),
        ("daily.pnl < -500 and order.qty > 1", {"daily_pnl": -600.0, "qty": 1}, False),
        ("daily.pnl <= -$1,500.50", {"daily_pnl": -1500.5}, True),
        ("order.symbol in [ES, NQ]", {}, True),
        ("order.symbol not in [ESZ6, NQ]", {}, False),
        ("order.symbol == ES", {}, True),
        ("order.source == 'webhook' or false", {}, True),
        ('not (order.side == "buy")', {}, False),
        ("now.time between 09:30 and 10:30", {}, True),
        ("now.time >= 10:01", {}, False),
        ("now.weekday in [mon, tue]", {}, True),
        ("now.weekday == mon", {}, False),
        ("now.date == 2026-11-24", {}, True),
        ("quote.age > 20s", {"quote_age": 21.0}, True),
        ("quote.age > 1m", {"quote_age": 21.0}, False),
        ("abs(position.after) * 2 >= 10", {"pos_after": -5}, True),
        ("max(daily.pnl, weekly.pnl) / 2 < -100", {"daily_pnl": -300.0, "weekly_pnl": -250.0}, True),
        ("min(1, 2, 3) + -1 == 0", {}, True),
        ("account.equity - account.peak_equity < -2000", {"equity": 47000.0}, True),
        ("daily.trades >= 3 and weekly.trades < 10", {"daily_trades": 3, "weekly_trades": 9}, True),
    ],
)
def test_expressions_evaluate(text: str, kw: dict, expected: bool) -> None:
    assert rule(text)(ORDER, SNAP, facts(**kw)) is expected


@pytest.mark.parametrize(
    ("text", "offset", "code", "hint"),
    [
        ("daily.pnll < 3", 0, "unknown-name", "did you mean daily.pnl?"),
        ("pnl < 3", 0, "unknown-name", "did you mean daily.pnl?"),
        ("quote.age > 20", 12, "expr-type", "write a duration with its unit, e.g. 20s or 5m"),
        ("now.time > 9", 11, "expr-type", "write a time of day, e.g. 09:30"),
        ('now.weekday == "mon"', 15, "expr-type", "write the weekday bare, e.g. mon, without quotes"),
        ("daily.pnl + 3", 0, "expr-type", "compare it with something, e.g. daily.pnl < -500"),
        ("daily.pnl < -500 && order.qty > 1", 17, "expr-syntax", "use 'and' to join conditions"),
        ("order.qty = 1", 10, "expr-syntax", "use '==' to compare"),
        ("order.qty >", 11, "expr-syntax", None),
        ("order.symbol in [ES, 3]", 16, "expr-type", None),
        ("sqrt(order.qty) > 1", 0, "unknown-name", "functions: abs, min, max"),
        ("order.side < 'buy'", 13, "expr-type", None),
        ("order.qty in 3", 13, "expr-type", "write a list such as [ES, NQ]"),
        ("now.time > 25:00", 11, "expr-literal", "times run from 00:00 to 23:59"),
        ("", 0, "expr-syntax", None),
    ],
)
def test_errors_have_offset_code_and_hint(text: str, offset: int, code: str, hint: str | None) -> None:
    with pytest.raises(ExpressionError) as info:
        rule(text)
    assert (info.value.offset, info.value.code, info.value.hint) == (offset, code, hint)


def test_missing_quote_raises_inside_the_rule_so_the_chain_can_fail_closed() -> None:
    with pytest.raises(AttributeError):
        rule("quote.bid > 1")(ORDER, SNAP, facts(quote=None))


def test_author_text_never_becomes_code() -> None:
    fn = rule('order.source == \'__import__("os").system("x")\'')
    assert fn(ORDER, SNAP, facts()) is False
    assert fn.__globals__["__builtins__"] == {}


def test_every_variable_compiles() -> None:
    for name, var in VARIABLES.items():
        literal = {
            "number": "0",
            "duration": "0s",
            "time": "00:00",
            "date": "2026-01-01",
            "weekday": "mon",
            "string": "'x'",
            "symbol": "ES",
        }[var.type]
        rule(f"{name} != {literal}")


ATOMS = st.sampled_from(
    [*VARIABLES, "1", "$5", "20s", "09:30", "mon", "'x'", "ES", "[ES, NQ]", "true", "2026-01-01", "abs(1)"]
)
OPS = st.sampled_from(
    ["and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "in", "not in", "between"]
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(ATOMS, OPS), min_size=1, max_size=6), ATOMS, st.booleans())
def test_random_expressions_compile_or_give_a_diagnostic(parts, last, negate) -> None:
    text = ("not " if negate else "") + " ".join(f"{a} {op}" for a, op in parts) + f" {last}"
    try:
        fn = rule(text)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text)
        assert exc.message
        return
    # order.price is None here; the rules stage turns these errors into a fail-closed block
    with contextlib.suppress(ZeroDivisionError, TypeError):
        fn(ORDER, SNAP, facts(quote=SimpleNamespace(bid=1.0, ask=2.0, last=1.5), quote_age=1.0))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=60))
def test_random_text_gives_a_diagnostic_never_a_crash(text: str) -> None:
    try:
        rule(text)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text)


# ---------------------------------------------------------------- DESIGN §10 operator rules

# facts(): qty 1, position flat, P&L 0, 10:00 (minute 600) on Tuesday (weekday 1) 2026-11-24
OPERATOR_RULES = [
    # `not` binds below comparisons: not (order.qty == 1)
    ("not order.qty == 1", {"qty": 2}, True),
    ("not order.qty == 1 and order.qty == 2", {"qty": 2}, True),
    ("not (order.qty == 1 or order.qty == 2)", {"qty": 2}, False),
    ("not not order.qty == 2", {"qty": 2}, True),
    # `and` binds above `or`: a or (b and c)
    ("order.qty == 1 or order.qty == 2 and daily.pnl < 0", {"qty": 1, "daily_pnl": 5.0}, True),
    ("order.qty == 2 and daily.pnl < 0 or order.qty == 1", {"qty": 1, "daily_pnl": 5.0}, True),
    ("(order.qty == 1 or order.qty == 2) and daily.pnl < 0", {"qty": 1, "daily_pnl": 5.0}, False),
    # a parenthesised condition stays one operand of what is around it
    ("(order.qty > 1 or order.qty > 2) == false", {"qty": 5}, False),
    ("(order.qty > 1 and order.qty > 9) == false", {"qty": 5}, True),
    # arithmetic as in Python: * / before + -, left to right, unary minus tightest
    ("2 + 3 * 4 == 14", {}, True),
    ("(2 + 3) * 4 == 20", {}, True),
    ("10 - 4 - 3 == 3", {}, True),
    ("12 / 3 / 2 == 2", {}, True),
    ("-2 * 3 == -6", {}, True),
    ("daily.pnl - -500 > 0", {"daily_pnl": -400.0}, True),
    # `between a and b` includes both ends, and joins with `and` after it
    ("order.qty between 1 and 3", {"qty": 1}, True),
    ("order.qty between 1 and 3", {"qty": 3}, True),
    ("order.qty between 1 and 3", {"qty": 0}, False),
    ("order.qty between 1 and 3", {"qty": 4}, False),
    ("order.qty between 1 and 3 and daily.pnl < 0", {"qty": 3, "daily_pnl": -1.0}, True),
    ("now.time between 09:30 and 10:00", {"minute": 600}, True),
    ("now.time between 09:30 and 10:00", {"minute": 601}, False),
    ("quote.age between 5s and 20s", {"quote_age": 20.0}, True),
    ("daily.pnl between -$1,000 and -$500", {"daily_pnl": -1000.0}, True),
    # `in` takes lists of numbers, strings, symbols or weekdays
    ("order.qty in [1, 2, 3]", {"qty": 2}, True),
    ("order.qty not in [1, 2, 3]", {"qty": 2}, False),
    ("order.side in ['buy', \"sell\"]", {}, True),
    ("order.symbol in [NQ, ESZ6]", {}, True),
    ("order.symbol not in [MES, MNQ]", {}, True),
    ("now.weekday in [mon, tue]", {}, True),
    ("now.weekday not in [sat, sun]", {}, True),
    # weekdays are equal or not
    ("now.weekday == tue", {}, True),
    ("now.weekday != tue", {}, False),
    # DATE literals compare with now.date (the wall-clock date in the policy timezone)
    ("now.date == 2026-11-24", {}, True),
    ("now.date >= 2026-11-01 and now.date < 2026-12-01", {}, True),
    ("now.date < 2026-11-24", {}, False),
    ("now.date between 2026-11-24 and 2026-11-24", {}, True),
    ("now.date != 2026-12-24", {}, True),
]


@pytest.mark.parametrize(("text", "kw", "expected"), OPERATOR_RULES)
def test_operators_bind_and_compare_as_design_section_10_says(text: str, kw: dict, expected: bool) -> None:
    assert rule(text)(ORDER, SNAP, facts(**kw)) is expected


OPERATOR_ERRORS = [
    # weekdays compare only with ==, != and in
    ("now.weekday < fri", 14, "expr-type", "or test it with in, e.g. now.weekday in [mon, tue, wed]"),
    ("now.weekday >= mon", 15, "expr-type", "or test it with in, e.g. now.weekday in [mon, tue, wed]"),
    (
        "now.weekday between mon and fri",
        20,
        "expr-type",
        "or test it with in, e.g. now.weekday in [mon, tue, wed]",
    ),
    # a list holds numbers, strings, symbols or weekdays, written out
    ("1 in [order.qty]", 6, "expr-type", "compare with a name outside the list, e.g. order.qty == 1"),
    (
        "order.qty in [1, abs(2)]",
        17,
        "expr-type",
        "compare with a name outside the list, e.g. order.qty == 1",
    ),
    ("now.time in [09:30, 10:00]", 13, "expr-type", "for times, write now.time between 09:30 and 10:00"),
    (
        "now.date in [2026-12-24]",
        13,
        "expr-type",
        "for dates, write now.date == 2026-12-24 or now.date == 2026-12-31",
    ),
    ("quote.age in [5s]", 14, "expr-type", None),
    ("true in [true, false]", 9, "expr-type", None),
    ("order.qty in [1, 'x']", 13, "expr-type", None),
    # dates are dates
    ("now.date == '2026-11-24'", 12, "expr-type", None),
    ("now.time == 2026-11-24", 12, "expr-type", None),
    ("now.date == 2026-02-30", 12, "expr-literal", None),
    # comparisons do not chain
    ("1 < order.qty < 3", 14, "expr-syntax", None),
]


@pytest.mark.parametrize(("text", "offset", "code", "hint"), OPERATOR_ERRORS)
def test_operator_misuse_is_a_type_error_with_a_place(
    text: str, offset: int, code: str, hint: str | None
) -> None:
    with pytest.raises(ExpressionError) as info:
        rule(text)
    assert (info.value.offset, info.value.code, info.value.hint) == (offset, code, hint), info.value.message


# ---------------------------------------------------------------- DESIGN §9 bounds


def test_an_expression_of_4096_characters_compiles_and_4097_does_not() -> None:
    base = "order.qty > 1"
    text = base + " " * (4096 - len(base))
    assert rule(text)(ORDER, SNAP, facts(qty=2)) is True
    with pytest.raises(ExpressionError) as info:
        rule(text + " ")
    assert (info.value.offset, info.value.code) == (0, "expression-too-long")
    assert "4,097 characters" in info.value.message


def nested(kind: str, depth: int) -> str:
    """An expression whose operations nest ``depth`` deep, in one of several shapes."""
    if kind == "not":
        return "not " * depth + "true"
    if kind == "parenthesised-or-and":
        text = "order.qty > 0"
        for i in range(depth - 1):
            text = f"(order.qty > {i} {'or' if i % 2 else 'and'} {text})"
        return text
    if kind == "arithmetic":
        return "1" + " + 1" * (depth - 1) + f" == {depth}"
    if kind == "calls":
        return "abs(" * (depth - 1) + "order.qty" + ")" * (depth - 1) + " >= 0"
    if kind == "negation":
        return "-(" * (depth - 1) + "order.qty" + ")" * (depth - 1) + " != 0"
    if kind == "bool-comparisons":
        return "(" * (depth - 1) + "true" + " == true)" * (depth - 1) + " == true"
    raise AssertionError(kind)


SHAPES = ["not", "parenthesised-or-and", "arithmetic", "calls", "negation", "bool-comparisons"]


@pytest.mark.parametrize("kind", SHAPES)
def test_an_expression_nesting_64_deep_compiles_and_runs(kind: str) -> None:
    fn = rule(nested(kind, 64))
    assert isinstance(fn(ORDER, SNAP, facts(qty=1)), bool)


@pytest.mark.parametrize("kind", SHAPES)
@pytest.mark.parametrize("depth", [65, 300, 1000])
def test_an_expression_nesting_past_64_is_too_deep(kind: str, depth: int) -> None:
    while len(text := nested(kind, depth)) > 4096:  # as deep as fits in an expression
        depth -= 1
    assert depth > 64
    with pytest.raises(ExpressionError) as info:
        rule(text)
    assert info.value.code == "too-deep"
    assert 0 <= info.value.offset < len(text)


def test_too_deep_points_at_the_first_operation_past_the_bound() -> None:
    with pytest.raises(ExpressionError) as info:
        rule("not " * 300 + "true")
    assert info.value.offset == 64 * len("not ")


@pytest.mark.parametrize(
    ("literal", "offset"),
    [("9" * 31, 12), ("$" + "9" * 31, 12), ("$1" + ",000" * 10 + ",0", 12), ("9" * 31 + "s", 12)],
)
def test_a_number_of_more_than_30_digits_is_refused(literal: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as info:
        rule(f"order.qty > {literal}")
    assert (info.value.offset, info.value.code) == (offset, "number-too-long")


def test_a_number_of_30_digits_with_a_long_fraction_is_read() -> None:
    assert rule(f"order.qty < {'9' * 30}.{'9' * 200}")(ORDER, SNAP, facts()) is True
