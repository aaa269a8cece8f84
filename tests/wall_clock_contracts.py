"""Find dated contracts named literally by test code that trades at the wall clock.

A test that runs ``ordergate run`` or ``ordergate simulate`` as a process, builds an
``Exchange()`` on ``time.time`` (or a simulator given no exchange, which makes one), or starts
a clock at ``time.time()`` / ``datetime.now()`` trades at the real date, so a literal ``ESZ6`` in it is a date bomb: it stops trading with
its month, and the test with it. Such code takes its contract from ``tests.contracts_now``.

The scan reads the test sources (``ast``, nothing is imported). A top-level function or class
is *wall-clock* when it holds one of those markers or names (in its body, its annotations
or its parameters, which is how pytest hands fixtures over) a wall-clock function, class or
fixture of its own module, of a conftest above it, or imported from another test module.
Every dated literal in a wall-clock definition, or in a definition or constant it names
(followed down through the test modules), is reported. Docstrings are prose and not read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ordergate.policy.contracts import MONTH_CODES, contract_table


def dated_contract() -> re.Pattern[str]:
    """A dated contract in any spelling the brokers use: ``ESZ6``, ``ESZ26``, ``ESZ2026``,
    ``CON.F.US.EP.Z26`` (a root alone, ``ES``, is no date)."""
    roots = "|".join(sorted((re.escape(r) for r in contract_table()), key=len, reverse=True))
    month = f"[{MONTH_CODES}]"
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:(?:{roots}){month}(?:\d{{4}}|\d{{1,2}})|CON\.F\.US\.[A-Z0-9]+\.{month}\d\d)(?![A-Za-z0-9])"
    )


@dataclass(frozen=True, slots=True)
class Finding:
    path: Path
    line: int
    literal: str
    where: str  # the wall-clock definition it was reached from

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.literal!r}, reached from wall-clock {self.where}"


Key = tuple[str, str]  # (module name, top-level name)


@dataclass
class _Module:
    name: str
    path: Path
    defs: dict[str, ast.AST] = field(default_factory=dict)  # top-level name → def or assignment
    imports: dict[str, Key] = field(default_factory=dict)  # local name → (module, name)
    modules: dict[str, str] = field(default_factory=dict)  # local name → a test module


def _is_marker(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Exchange" and not node.args and not node.keywords:
            return True  # the simulators' exchange, on time.time
        if (
            isinstance(func, ast.Name)
            and func.id.endswith("Simulator")
            and not node.args
            and all(k.arg != "exchange" for k in node.keywords)
        ):
            return True  # a simulator that makes its own Exchange() (LoopbackSimulator)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and (func.value.id, func.attr) in {("time", "time"), ("datetime", "now")}
        ):
            return True  # a clock started at the real time
    if isinstance(node, ast.List | ast.Tuple) and len(node.elts) >= 2:
        verb = node.elts[1]
        if isinstance(verb, ast.Constant) and verb.value in ("run", "simulate"):
            return isinstance(node.elts[0], ast.Name | ast.Attribute)  # [ORDERGATE, "run", ...]
    return False


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")[:-level]
    return ".".join([*base, target] if target else base)


def _load(path: Path, root: Path) -> _Module:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    mod = _Module(_module_name(path, root), path)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            mod.defs[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    mod.defs[target.id] = node
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(mod.name, node.level, node.module)
            for alias in node.names:
                local = alias.asname or alias.name
                mod.imports[local] = (source, alias.name)
                mod.modules[local] = f"{source}.{alias.name}"  # ``from tests.runtime import test_e2e``
    return mod


def _referenced(node: ast.AST) -> Iterator[str | tuple[str, str]]:
    """Names a definition uses: plain names, parameters (pytest fixtures), and
    ``module.name`` attributes (a local name first, the attribute after). A name the
    definition assigns itself (``order = answer.json()``) is its own, not a reference."""
    own = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id not in own:
            yield child.id
        elif isinstance(child, ast.arg):
            yield child.arg
        elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
            yield (child.value.id, child.attr)


def _literals(node: ast.AST, pattern: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    docstrings = {
        id(body[0].value)
        for n in ast.walk(node)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
        and (body := n.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in docstrings:
            for m in pattern.finditer(child.value):
                yield child.lineno, m.group(0)


class Scan:
    def __init__(self, paths: Iterable[Path], root: Path) -> None:
        self.modules = {m.name: m for m in (_load(p, root) for p in sorted(paths))}
        self.pattern = dated_contract()

    def _conftests(self, mod: _Module) -> list[_Module]:
        parts = mod.name.split(".")
        names = [".".join([*parts[:i], "conftest"]) for i in range(len(parts) - 1, 0, -1)]
        return [self.modules[n] for n in names if n in self.modules and n != mod.name]

    def _lookup(self, mod: _Module, ref: str | tuple[str, str]) -> Key | None:
        """The test-module definition a reference in ``mod`` names, if any."""
        if isinstance(ref, tuple):
            name, attr = ref
            target = mod.modules.get(name)
            if target in self.modules and attr in self.modules[target].defs:
                return (target, attr)
            ref = name
        if ref in mod.defs:
            return (mod.name, ref)
        if ref in mod.imports:
            source, name = mod.imports[ref]
            if source in self.modules:  # defined there, or imported there in turn
                return self._lookup(self.modules[source], name)
        for conftest in self._conftests(mod):
            if ref in conftest.defs:
                return (conftest.name, ref)
        return None

    def _edges(self) -> dict[Key, set[Key]]:
        edges: dict[Key, set[Key]] = {}
        for mod in self.modules.values():
            for name, node in mod.defs.items():
                found = {self._lookup(mod, ref) for ref in _referenced(node)}
                edges[(mod.name, name)] = {k for k in found if k is not None and k != (mod.name, name)}
        return edges

    def wall_clock(self) -> set[Key]:
        edges = self._edges()
        marked = {
            (mod.name, name)
            for mod in self.modules.values()
            for name, node in mod.defs.items()
            if any(_is_marker(child) for child in ast.walk(node))
        }
        grew = True
        while grew:
            grew = False
            for key, uses in edges.items():
                if key not in marked and uses & marked:
                    marked.add(key)
                    grew = True
        return marked

    def findings(self) -> list[Finding]:
        edges = self._edges()
        found: dict[tuple[Path, int, str], Finding] = {}
        for start in sorted(self.wall_clock()):
            seen, todo = {start}, [start]
            while todo:
                key = todo.pop()
                mod = self.modules[key[0]]
                for line, literal in _literals(mod.defs[key[1]], self.pattern):
                    where = f"{start[0]}.{start[1]}"
                    found.setdefault((mod.path, line, literal), Finding(mod.path, line, literal, where))
                for nxt in edges.get(key, set()) - seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return sorted(found.values(), key=lambda f: (str(f.path), f.line))
