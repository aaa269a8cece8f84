"""Type-check a rule expression and turn it into a Python code object, once.

Every node becomes a (type, python source) pair. Names resolve here, at compile time,
to fixed attribute reads on the three objects a rule sees: ``o`` (the Order), ``s`` (the
Snapshot) and ``f`` (the Facts of one decision: P&L, position, quote, local time).
Literals enter the generated source only through ``repr`` or as pre-built constants, so
no author text ever becomes code. The result is a function ``(o, s, f) -> bool``.

Types: number, duration, time, date, weekday, string, symbol, bool, and list:<type>.

Operator rules (DESIGN §10): precedence is Python's and the grammar's (``not`` below
comparisons, ``and`` above ``or``); every generated operation is parenthesised, so the
Python that runs groups exactly as the tree does. ``between`` includes both ends.
``in`` takes a list of numbers, strings, symbols or weekdays. Weekdays are only equal
or not: ``now.weekday < fri`` has no meaning across a week that wraps on Sunday.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ordergate.policy.calendar import WEEKDAY_INDEX, format_minutes
from ordergate.policy.contracts import symbol_root
from ordergate.policy.syntax import (
    Arith,
    Between,
    Call,
    Compare,
    Expr,
    ExpressionError,
    ListExpr,
    Literal,
    Logic,
    Member,
    Name,
    Negate,
    Not,
)

RuleFunction = Callable[[Any, Any, Any], bool]


@dataclass(frozen=True, slots=True)
class Variable:
    type: str
    source: str
    doc: str


VARIABLES: dict[str, Variable] = {
    "order.symbol": Variable("symbol", "o.root", "the order's contract root, e.g. ES"),
    "order.contract": Variable("string", "o.symbol", "the contract as sent, e.g. ESZ6"),
    "order.side": Variable("string", "o.side", "buy or sell"),
    "order.qty": Variable("number", "f.qty", "contracts checked (the part beyond flat for a reversal)"),
    "order.type": Variable("string", "o.type", "market, limit, stop or stop_limit"),
    "order.source": Variable("string", "o.source", "manual, api, webhook, copy, cli"),
    "order.price": Variable("number", "o.price", "limit price, if any"),
    "position.qty": Variable("number", "f.pos_qty", "signed position in the order's symbol"),
    "position.size": Variable("number", "f.pos_size", "absolute position in the order's symbol"),
    "position.after": Variable("number", "f.pos_after", "signed position if the order fills"),
    "account.id": Variable("string", "s.account_id", "account id"),
    "account.nickname": Variable("string", "s.nickname", "account nickname"),
    "account.balance": Variable("number", "f.balance", "cash balance"),
    "account.equity": Variable("number", "f.equity", "balance plus unrealized P&L"),
    "account.open_positions": Variable("number", "f.open_positions", "symbols with an open position"),
    "account.peak_equity": Variable("number", "f.peak_equity", "equity high-water mark"),
    "daily.pnl": Variable("number", "f.daily_pnl", "realized + unrealized P&L this trading day"),
    "daily.realized": Variable("number", "f.daily_realized", "realized P&L this trading day"),
    "daily.unrealized": Variable("number", "f.unrealized", "unrealized P&L of open positions"),
    "daily.trades": Variable("number", "f.daily_trades", "entries filled this trading day"),
    "weekly.pnl": Variable("number", "f.weekly_pnl", "realized + unrealized P&L this trading week"),
    "weekly.realized": Variable("number", "f.weekly_realized", "realized P&L this trading week"),
    "weekly.unrealized": Variable("number", "f.unrealized", "unrealized P&L of open positions"),
    "weekly.trades": Variable("number", "f.weekly_trades", "entries filled this trading week"),
    "quote.bid": Variable("number", "f.quote.bid", "best bid of the order's symbol"),
    "quote.ask": Variable("number", "f.quote.ask", "best ask of the order's symbol"),
    "quote.last": Variable("number", "f.quote.last", "last trade price of the order's symbol"),
    "quote.age": Variable("duration", "f.quote_age", "age of the quote"),
    "quote.spread": Variable("number", "(f.quote.ask - f.quote.bid)", "ask minus bid"),
    "now.time": Variable("time", "f.minute", "wall time in the policy timezone"),
    "now.weekday": Variable("weekday", "f.weekday", "day of week in the policy timezone"),
    "now.date": Variable("date", "f.date", "calendar date in the policy timezone"),
}

_ORDERED = {"number", "duration", "time", "date"}
_LIST_ELEMENTS = {"number", "string", "symbol", "weekday"}
_SYMBOL_WORD = re.compile(r"^[A-Z][A-Z0-9]*$")
_TYPE_WORDS = {
    "number": "a number",
    "duration": "a duration",
    "time": "a time of day",
    "date": "a date",
    "weekday": "a weekday",
    "string": "a string",
    "symbol": "a symbol",
    "bool": "true/false",
}


def type_word(t: str) -> str:
    if t.startswith("list:"):
        return f"a list of {type_word(t[5:]).removeprefix('a ').removeprefix('an ')}s"
    return _TYPE_WORDS.get(t, t)


def _family(t: str) -> str:
    return "string" if t == "symbol" else t


class _Compiler:
    def __init__(self) -> None:
        self.constants: dict[str, object] = {}

    def constant(self, value: object) -> str:
        key = f"_k{len(self.constants)}"
        self.constants[key] = value
        return key

    def fail(
        self, node: Expr, message: str, hint: str | None = None, code: str = "expr-type"
    ) -> ExpressionError:
        return ExpressionError(node.offset, code, message, hint)

    # ---- leaves

    def literal(self, node: Literal) -> tuple[str, str]:
        if node.kind == "symbol":
            return "symbol", repr(symbol_root(str(node.value)))
        return node.kind, repr(node.value) if node.kind != "date" else self.constant(node.value)

    def name(self, node: Name, *, in_list: bool = False) -> tuple[str, str]:
        var = VARIABLES.get(node.name)
        if var is not None:
            return var.type, var.source
        if node.name in WEEKDAY_INDEX:
            return "weekday", repr(WEEKDAY_INDEX[node.name])
        if node.name in ("true", "false"):  # pragma: no cover - keywords in the grammar
            return "bool", repr(node.name == "true")
        if in_list or _SYMBOL_WORD.match(node.name):
            return "symbol", repr(symbol_root(node.name))
        raise self.fail(node, f"unknown name '{node.name}'", _name_hint(node.name), "unknown-name")

    # ---- composite

    def expr(self, node: Expr) -> tuple[str, str]:
        match node:
            case Literal():
                return self.literal(node)
            case Name():
                return self.name(node)
            case ListExpr():
                return self.list(node)
            case Negate():
                t, src = self.expr(node.operand)
                if t not in ("number", "duration"):
                    raise self.fail(node, f"cannot negate {type_word(t)}")
                return t, f"(-{src})"
            case Arith():
                return self.arith(node)
            case Call():
                return self.call(node)
            case Compare():
                return self.compare(node)
            case Between():
                return self.between(node)
            case Member():
                return self.member(node)
            case Logic():
                parts = []
                for operand in node.operands:
                    t, src = self.expr(operand)
                    if t != "bool":
                        raise self.fail(
                            operand,
                            f"'{node.op}' joins conditions, but this is {type_word(t)}",
                            "compare it with something, e.g. daily.pnl < -500",
                        )
                    parts.append(f"({src})")
                return "bool", "(" + f" {node.op} ".join(parts) + ")"
            case Not():
                t, src = self.expr(node.operand)
                if t != "bool":
                    raise self.fail(node.operand, f"'not' needs a condition, but this is {type_word(t)}")
                return "bool", f"(not {src})"
        raise self.fail(node, "unsupported expression")  # pragma: no cover

    def list(self, node: ListExpr) -> tuple[str, str]:
        if not node.items:
            raise self.fail(node, "an empty list never matches", "list at least one value")
        types: list[str] = []
        values: list[object] = []
        for item in node.items:
            t, value = self.list_item(item)
            types.append(t)
            values.append(value)
        families = {_family(t) for t in types}
        if len(families) > 1:
            raise self.fail(
                node,
                "a list must hold values of one kind: " + ", ".join(sorted({type_word(t) for t in types})),
            )
        element = "symbol" if "symbol" in types else types[0]
        return f"list:{element}", self.constant(frozenset(values))

    def list_item(self, item: Expr) -> tuple[str, object]:
        """The type and value of one list item: a value written out, never a name
        such as order.qty whose value is only known when an order comes."""
        plain = "a list holds plain values: numbers, strings, symbols or weekdays"
        if isinstance(item, Name) and item.name not in VARIABLES:
            t, _ = self.name(item, in_list=True)
            value: object = WEEKDAY_INDEX[item.name] if t == "weekday" else symbol_root(item.name)
        elif isinstance(item, Literal):
            t = item.kind
            value = symbol_root(str(item.value)) if t == "symbol" else item.value
        else:
            raise self.fail(item, plain, "compare with a name outside the list, e.g. order.qty == 1")
        if t not in _LIST_ELEMENTS:
            hint = {
                "time": "for times, write now.time between 09:30 and 10:00",
                "date": "for dates, write now.date == 2026-12-24 or now.date == 2026-12-31",
            }.get(t)
            raise self.fail(item, f"{plain}; this is {type_word(t)}", hint)
        return t, value

    def arith(self, node: Arith) -> tuple[str, str]:
        lt, ls = self.expr(node.left)
        rt, rs = self.expr(node.right)
        op = node.op
        result: str | None = None
        if op in "+-":
            if lt == rt and lt in ("number", "duration"):
                result = lt
        elif op == "*":
            if {lt, rt} == {"number"} or {lt, rt} == {"number", "duration"}:
                result = "duration" if "duration" in (lt, rt) else "number"
        elif op == "/" and lt in ("number", "duration") and rt == "number":
            result = lt
        if result is None:
            raise self.fail(node, f"cannot compute {type_word(lt)} {op} {type_word(rt)}")
        if op == "/":
            return result, f"_div({ls}, {rs})"
        return result, f"({ls} {op} {rs})"

    def call(self, node: Call) -> tuple[str, str]:
        if node.func not in ("abs", "min", "max"):
            hint = difflib.get_close_matches(node.func, ["abs", "min", "max"], n=1)
            raise self.fail(
                node,
                f"unknown function '{node.func}'",
                f"did you mean {hint[0]}?" if hint else "functions: abs, min, max",
                "unknown-name",
            )
        args = [self.expr(a) for a in node.args]
        if node.func == "abs" and len(args) != 1:
            raise self.fail(node, "abs takes one argument")
        if node.func in ("min", "max") and len(args) < 2:
            raise self.fail(node, f"{node.func} takes two or more arguments")
        kinds = {t for t, _ in args}
        if len(kinds) != 1 or not kinds <= {"number", "duration"}:
            raise self.fail(node, f"{node.func} works on numbers or durations of one kind")
        return kinds.pop(), f"_{node.func}({', '.join(s for _, s in args)})"

    def compare(self, node: Compare) -> tuple[str, str]:
        lt, ls = self.expr(node.left)
        rt, rs = self.expr(node.right)
        self.require_comparable(node.right, lt, rt, ordered=node.op not in ("==", "!="))
        return "bool", f"({ls} {node.op} {rs})"

    def between(self, node: Between) -> tuple[str, str]:
        vt, vs = self.expr(node.value)
        lt, ls = self.expr(node.low)
        ht, hs = self.expr(node.high)
        self.require_comparable(node.low, vt, lt, ordered=True)
        self.require_comparable(node.high, vt, ht, ordered=True)
        return "bool", f"({ls} <= {vs} <= {hs})"

    def member(self, node: Member) -> tuple[str, str]:
        it, src = self.expr(node.item)
        ct, cs = self.expr(node.container)
        if not ct.startswith("list:"):
            raise self.fail(
                node.container,
                f"'in' needs a list, but this is {type_word(ct)}",
                "write a list such as [ES, NQ]",
            )
        if _family(ct[5:]) != _family(it):
            raise self.fail(node.container, f"cannot look for {type_word(it)} in {type_word(ct)}")
        return "bool", f"({src} {'not in' if node.negated else 'in'} {cs})"

    def require_comparable(self, node: Expr, left: str, right: str, *, ordered: bool) -> None:
        if _family(left) != _family(right):
            raise self.fail(
                node, f"cannot compare {type_word(left)} with {type_word(right)}", _mismatch_hint(left, right)
            )
        if ordered and left not in _ORDERED:
            hint = "or test it with in, e.g. now.weekday in [mon, tue, wed]" if left == "weekday" else None
            raise self.fail(node, f"{type_word(left)} can only be compared with == or !=", hint)


def _mismatch_hint(left: str, right: str) -> str | None:
    pair = {left, right}
    if pair == {"duration", "number"}:
        return "write a duration with its unit, e.g. 20s or 5m"
    if pair == {"time", "number"}:
        return f"write a time of day, e.g. {format_minutes(9 * 60 + 30)}"
    if pair == {"weekday", "string"}:
        return "write the weekday bare, e.g. mon, without quotes"
    return None


def _name_hint(name: str) -> str | None:
    close = difflib.get_close_matches(name, list(VARIABLES), n=1, cutoff=0.6)
    if not close:
        close = [v for v in VARIABLES if v.endswith("." + name)][:1]
    return f"did you mean {close[0]}?" if close else "names look like daily.pnl, order.qty, quote.age"


def _div(a: float, b: float) -> float:
    return a / b


def compile_rule(expr: Expr, label: str) -> RuleFunction:
    """A function (o, s, f) -> bool for a boolean expression; raises ExpressionError."""
    c = _Compiler()
    t, src = c.expr(expr)
    if t != "bool":
        raise ExpressionError(
            expr.offset,
            "expr-type",
            f"a rule's condition must be true or false, but this is {type_word(t)}",
            "compare it with something, e.g. daily.pnl < -500",
        )
    namespace: dict[str, object] = {"_abs": abs, "_min": min, "_max": max, "_div": _div, "__builtins__": {}}
    namespace.update(c.constants)
    code = compile(f"lambda o, s, f: {src}", f"<rule {label}>", "eval")
    fn: RuleFunction = eval(code, namespace)
    return fn
