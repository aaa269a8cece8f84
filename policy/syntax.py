"""The rule language's syntax tree, and the error a rule's text can raise.

``expression`` builds these trees with lark; ``exprcompile`` turns them into functions.
They live apart from the parser so that a tree kept from an earlier run
(``expression_cache``) can be used without importing lark.
"""

from __future__ import annotations

from dataclasses import dataclass


class ExpressionError(Exception):
    """A problem in an expression at character ``offset``."""

    def __init__(self, offset: int, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.code = code
        self.message = message
        self.hint = hint


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Expr:
    offset: int


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: object
    kind: str  # number | duration | time | date | string | bool | symbol


@dataclass(frozen=True, slots=True)
class Name(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Negate(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Arith(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Between(Expr):
    value: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True, slots=True)
class Member(Expr):
    item: Expr
    container: Expr
    negated: bool


@dataclass(frozen=True, slots=True)
class Logic(Expr):
    op: str  # and | or
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr
