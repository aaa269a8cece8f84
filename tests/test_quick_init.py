"""``quick_init`` (policy/quick_init.py) builds exactly what the dataclass ``__init__`` it
replaces builds, for every class that uses it, and keeps the instance frozen."""

from __future__ import annotations

import dataclasses
import inspect
import random
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest

from ordergate.policy import orders
from ordergate.policy.quick_init import quick_init
from ordergate.runtime import book, events
from ordergate.runtime.brokers import types
from ordergate.runtime.store import interface

DECORATED = [
    cls
    for module in (orders, types, book, events, interface)
    for cls in vars(module).values()
    if isinstance(cls, type) and cls.__module__ == module.__name__ and "_dataclass_init" in vars(cls)
]


def test_the_order_path_records_use_it() -> None:
    names = {cls.__name__ for cls in DECORATED}
    assert {
        "Order",
        "Snapshot",
        "Position",
        "Quote",
        "Fill",
        "BrokerOrder",
        "OrderUpdate",
        "OrderRequest",
    } <= names


def sample(annotation: str, rng: random.Random) -> Any:
    """A value of the field's kind (the records hold strings, numbers, flags and maps)."""
    if "Mapping" in annotation or "dict" in annotation:
        if "Position" in annotation:
            return {"ES": orders.Position(rng.randint(-3, 3), 6000.25)}
        if "Quote" in annotation:
            return {"ES": orders.Quote(bid=6000.0, ask=6000.25, last=6000.0, time=1.0)}
        if "Working" in annotation:
            return {"ES": orders.Working(buy=rng.randint(0, 2), sell=1)}
        return {"ES": (rng.randint(-3, 3), 6000.5)}
    if annotation.startswith("bool"):
        return rng.random() < 0.5
    if annotation.startswith("int"):
        return rng.randint(1, 9)
    if annotation.startswith("float"):
        return rng.choice([0.0, 1.5, 6000.25])
    if "Literal" in annotation or "Status" in annotation:
        return "working"
    if annotation.startswith("str"):
        return rng.choice(["buy", "sell", "ESZ6", "limit", ""])
    return rng.choice([None, 2.5]) if "float" in annotation else rng.choice([None, "x"])


def arguments(cls: type, rng: random.Random) -> tuple[list[Any], dict[str, Any]]:
    """Required fields positionally; each defaulted one given (by keyword), or left out."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        value = sample(str(f.type), rng)
        if cls is orders.Order and f.name == "side":
            value = rng.choice(["buy", "sell"])
        if cls is orders.Order and f.name == "symbol":
            value = rng.choice(["ESZ6", "NQH7", "MES"])
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if not has_default:
            args.append(value)
        elif rng.random() < 0.5:
            kwargs[f.name] = value
    return args, kwargs


def slots_of(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name, "<unset>") for f in dataclasses.fields(obj)}


@pytest.mark.parametrize("cls", DECORATED, ids=lambda c: c.__name__)
def test_it_builds_what_the_dataclass_init_builds(cls: type) -> None:
    rng = random.Random(cls.__name__)
    for _ in range(200):
        args, kwargs = arguments(cls, rng)
        quick = cls(*args, **kwargs)
        plain = object.__new__(cls)
        cls._dataclass_init(plain, *args, **kwargs)  # type: ignore[attr-defined]
        assert slots_of(quick) == slots_of(plain)
        assert quick == plain and repr(quick) == repr(plain)
        try:
            hashed = hash(plain)
        except TypeError:  # a record holding a mapping is not hashable, either way
            with pytest.raises(TypeError):
                hash(quick)
        else:
            assert hash(quick) == hashed
        assert dataclasses.replace(quick) == quick
    assert (
        inspect.signature(cls.__init__).parameters.keys()
        == inspect.signature(cls._dataclass_init).parameters.keys()
    )  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", DECORATED, ids=lambda c: c.__name__)
def test_instances_stay_frozen(cls: type) -> None:
    args, kwargs = arguments(cls, random.Random(1))
    obj = cls(*args, **kwargs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.__setattr__(dataclasses.fields(cls)[0].name, None)


def test_default_factories_give_each_instance_its_own_value() -> None:
    @quick_init
    @dataclass(frozen=True, slots=True)
    class Box:
        items: list[int] = field(default_factory=list)
        size: int = field(default=3, init=False)
        unset: int = field(init=False)

    a, b = Box(), Box()
    assert a.items is not b.items and a.size == 3 and not hasattr(a, "unset")
    assert Box([1]).items == [1]


def test_a_class_it_cannot_reproduce_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="frozen, slotted"):

        @quick_init
        @dataclass(slots=True)
        class Mutable:
            x: int

    with pytest.raises(TypeError, match="keyword-only"):

        @quick_init
        @dataclass(frozen=True, slots=True, kw_only=True)
        class KeywordOnly:
            x: int

    with pytest.raises(TypeError, match="cannot reproduce"):

        @quick_init
        @dataclass(frozen=True, slots=True)
        class WithInitVar:
            x: int
            scale: InitVar[int] = 1
