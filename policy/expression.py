"""Parsing the rule language into a typed-checkable syntax tree.

``parse(text)`` returns an ``Expr`` or raises ``ExpressionError`` with the character
offset of the problem; the caller maps offsets into the YAML file. The grammar is
``grammar.lark`` (LALR, built once per process).

Bounds (DESIGN §9): an expression is at most MAX_EXPRESSION_CHARS long, nests at most
MAX_DEPTH operations deep and writes no number with more than MAX_NUMBER_DIGITS digits
before its point. The LALR parser itself needs no bound (it keeps an explicit stack),
but everything after it recurses over the tree, Python's compiler included.
"""

from __future__ import annotations

import ast as pyast
import functools
from datetime import date
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from ordergate.policy.bounds import MAX_DEPTH, MAX_EXPRESSION_CHARS, MAX_NUMBER_DIGITS
from ordergate.policy.calendar import parse_duration, parse_hhmm

# the tree lives apart from the parser (syntax.py); its names are this module's too
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
from ordergate.policy.usercache import grammar_cache

# ---------------------------------------------------------------- parser


@functools.cache
def _parser() -> Lark:
    # beside this module, as package data is installed (importlib.resources costs a validate
    # that meets a new rule text a few milliseconds more to find the same file)
    grammar = Path(__file__).with_name("grammar.lark").read_text("utf-8")
    # The transformer runs inside the LALR parser: no intermediate parse tree is built.
    return Lark(
        grammar, parser="lalr", transformer=_Build(), maybe_placeholders=False, cache=grammar_cache(grammar)
    )


def _first_offset(children: list[object]) -> int:
    for child in children:
        if isinstance(child, Expr):
            return child.offset
        if isinstance(child, Token):
            return child.start_pos or 0
    return 0


def _digits(token: Token, digits: str) -> None:
    """Refuse a number with too many digits before its point: it is a typo, and one of
    400 digits is no longer a finite float."""
    whole = len(digits.partition(".")[0])
    if whole > MAX_NUMBER_DIGITS:
        raise ExpressionError(
            token.start_pos or 0,
            "number-too-long",
            f"this number has {whole:,} digits; a number has at most {MAX_NUMBER_DIGITS} digits before its point",
        )


@v_args(inline=False)
class _Build(Transformer[Token, Expr]):
    def number(self, c: list[Token]) -> Expr:
        _digits(c[0], str(c[0]))
        return Literal(c[0].start_pos or 0, float(c[0]), "number")

    def money(self, c: list[Token]) -> Expr:
        amount = c[0][1:].replace(",", "")
        _digits(c[0], amount)
        return Literal(c[0].start_pos or 0, float(amount), "number")

    def duration(self, c: list[Token]) -> Expr:
        _digits(c[0], str(c[0]).rstrip("smhd"))
        return Literal(c[0].start_pos or 0, parse_duration(str(c[0])), "duration")

    def time(self, c: list[Token]) -> Expr:
        minute = parse_hhmm(str(c[0]))
        if minute is None:
            raise ExpressionError(
                c[0].start_pos or 0,
                "expr-literal",
                f"'{c[0]}' is not a time of day",
                "times run from 00:00 to 23:59",
            )
        return Literal(c[0].start_pos or 0, minute, "time")

    def date(self, c: list[Token]) -> Expr:
        try:
            value = date.fromisoformat(str(c[0]))
        except ValueError:
            raise ExpressionError(
                c[0].start_pos or 0, "expr-literal", f"'{c[0]}' is not a calendar date"
            ) from None
        return Literal(c[0].start_pos or 0, value, "date")

    def string(self, c: list[Token]) -> Expr:
        return Literal(c[0].start_pos or 0, pyast.literal_eval(str(c[0])), "string")

    def contract(self, c: list[Token]) -> Expr:
        return Literal(c[0].start_pos or 0, str(c[0]), "symbol")

    def true(self, c: list[Token]) -> Expr:
        return Literal(c[0].start_pos or 0, True, "bool")

    def false(self, c: list[Token]) -> Expr:
        return Literal(c[0].start_pos or 0, False, "bool")

    def name(self, c: list[Token]) -> Expr:
        return Name(c[0].start_pos or 0, str(c[0]))

    def call(self, c: list[object]) -> Expr:
        func = c[0]
        assert isinstance(func, Token)
        args = tuple(a for a in c[1:] if isinstance(a, Expr))
        return Call(func.start_pos or 0, str(func), args)

    def list_(self, c: list[object]) -> Expr:
        items = tuple(a for a in c if isinstance(a, Expr))
        return ListExpr(items[0].offset - 1 if items else 0, items)

    def neg(self, c: list[object]) -> Expr:
        operand = c[1]
        assert isinstance(operand, Expr)
        if (
            isinstance(operand, Literal)
            and operand.kind in ("number", "duration")
            and isinstance(operand.value, float)
        ):
            return Literal(_first_offset(c), -operand.value, operand.kind)
        return Negate(_first_offset(c), operand)

    def _fold(self, c: list[object]) -> Expr:
        result = c[0]
        assert isinstance(result, Expr)
        for i in range(1, len(c), 2):
            op, right = c[i], c[i + 1]
            assert isinstance(right, Expr)
            result = Arith(result.offset, str(op), result, right)
        return result

    sum = _fold
    product = _fold

    def compare(self, c: list[object]) -> Expr:
        left, op, right = c
        assert isinstance(left, Expr) and isinstance(right, Expr)
        return Compare(left.offset, str(op), left, right)

    def in_(self, c: list[object]) -> Expr:
        item, container = c
        assert isinstance(item, Expr) and isinstance(container, Expr)
        return Member(item.offset, item, container, False)

    def not_in(self, c: list[object]) -> Expr:
        item, container = c
        assert isinstance(item, Expr) and isinstance(container, Expr)
        return Member(item.offset, item, container, True)

    def between(self, c: list[object]) -> Expr:
        value, low, high = c
        assert isinstance(value, Expr) and isinstance(low, Expr) and isinstance(high, Expr)
        return Between(value.offset, value, low, high)

    def disjunction(self, c: list[object]) -> Expr:
        ops = tuple(x for x in c if isinstance(x, Expr))
        return Logic(ops[0].offset, "or", ops)

    def conjunction(self, c: list[object]) -> Expr:
        ops = tuple(x for x in c if isinstance(x, Expr))
        return Logic(ops[0].offset, "and", ops)

    def not_(self, c: list[object]) -> Expr:
        keyword, operand = c
        assert isinstance(keyword, Token) and isinstance(operand, Expr)
        return Not(keyword.start_pos or 0, operand)


_CHARACTER_HINTS = {
    "&": ("use 'and' to join conditions", "and"),
    "|": ("use 'or' to join alternatives", "or"),
    "!": ("use 'not' or '!='", "not"),
    "=": ("use '==' to compare", "=="),
}

_TOKEN_WORDS = {
    "COMP_OP": "a comparison (==, <, ...)",
    "NAME": "a name",
    "NUMBER": "a number",
    "MONEY": "an amount",
    "DURATION": "a duration",
    "TIME": "a time",
    "STRING": "a string",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "AND": "'and'",
    "OR": "'or'",
    "NOT": "'not'",
    "IN": "'in'",
    "MINUS": "'-'",
    "PLUS": "'+'",
    "$END": "the end",
}


def _expected(tokens: set[str]) -> str:
    words = sorted({_TOKEN_WORDS.get(t, t.lower()) for t in tokens if not t.startswith("__")})
    if len(words) > 6:
        return "an operand or operator"
    return ", ".join(words)


def _children(node: Expr) -> tuple[Expr, ...]:
    match node:
        case Not() | Negate():
            return (node.operand,)
        case Arith() | Compare():
            return (node.left, node.right)
        case Between():
            return (node.value, node.low, node.high)
        case Member():
            return (node.item, node.container)
        case Logic():
            return node.operands
        case Call():
            return node.args
        case ListExpr():
            return node.items
    return ()


def _check_depth(root: Expr) -> None:
    """Raise at the first operation nested more than MAX_DEPTH deep (a name or a value
    is no operation). Walked with a list, not recursion, since that is what it guards."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        children = _children(node)
        if not children:
            continue
        if depth > MAX_DEPTH:
            raise ExpressionError(
                node.offset,
                "too-deep",
                f"the expression nests more than {MAX_DEPTH} operations deep here",
                "split it into several rules, or use 'and'/'or' lists instead of nesting",
            )
        stack.extend((child, depth + 1) for child in reversed(children))


def parse(text: str) -> Expr:
    """The syntax tree of ``text``; raises ExpressionError at the offending character."""
    if not text.strip():
        raise ExpressionError(0, "expr-syntax", "the expression is empty")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            0,
            "expression-too-long",
            f"the expression is {len(text):,} characters long; an expression has at most "
            f"{MAX_EXPRESSION_CHARS:,}",
            "split it into several rules",
        )
    try:
        tree = _parser().parse(text)
    except ExpressionError:
        raise
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExpressionError):
            raise exc.orig_exc from None
        raise
    except UnexpectedCharacters as exc:
        at = exc.pos_in_stream or 0
        ch = text[at] if at < len(text) else ""
        hint = _CHARACTER_HINTS.get(ch)
        raise ExpressionError(
            at,
            "expr-syntax",
            f"unexpected character {ch!r}",
            hint[0] if hint else None,
        ) from None
    except UnexpectedEOF as exc:
        raise ExpressionError(
            len(text), "expr-syntax", f"the expression ends too soon; expected {_expected(set(exc.expected))}"
        ) from None
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            raise ExpressionError(
                len(text.rstrip()),
                "expr-syntax",
                f"the expression ends too soon; expected {_expected(set(exc.accepts or exc.expected))}",
            ) from None
        raise ExpressionError(
            token.start_pos or 0,
            "expr-syntax",
            f"unexpected {token.value!r}; expected {_expected(set(exc.accepts or exc.expected))}",
        ) from None
    except UnexpectedInput as exc:  # pragma: no cover - the three above cover LALR
        raise ExpressionError(getattr(exc, "pos_in_stream", 0) or 0, "expr-syntax", str(exc)) from None
    result = tree
    if isinstance(result, Token):  # pragma: no cover - every terminal is wrapped by a rule
        raise ExpressionError(0, "expr-syntax", "not an expression")
    assert isinstance(result, Expr)
    _check_depth(result)
    return result
