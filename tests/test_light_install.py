"""`pip install ordergate` without the runtime extra: the offline verbs work, and every verb
that needs the extra says which to install in one line instead of a traceback.

The light install is imitated by a ``sitecustomize`` on PYTHONPATH whose import hook
makes the extra's modules unimportable in the command's process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from ordergate.runtime import extras
from tests.conftest import REPO

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
INSTALL = "pip install 'ordergate[runtime]'"

pytestmark = pytest.mark.slow

_BLOCKER = """
import sys

BLOCKED = {blocked!r}


class Blocker:
    # the modules of the runtime extra are "not installed"
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
"""


@pytest.fixture(scope="module")
def light_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    shim = tmp_path_factory.mktemp("light")
    (shim / "sitecustomize.py").write_text(textwrap.dedent(_BLOCKER.format(blocked=sorted(extras.MODULES))))
    path = os.pathsep.join(p for p in (str(shim), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run(env: dict[str, str], *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORDERGATE, *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def test_the_shim_really_hides_the_runtime_extra(light_env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-c", "import httpx"], capture_output=True, text=True, env=light_env, timeout=60
    )
    assert r.returncode == 1 and "No module named 'httpx'" in r.stderr


def test_the_offline_verbs_work_without_the_runtime_extra(light_env: dict[str, str]) -> None:
    r = run(light_env, "validate", "rules")
    assert r.returncode == 0 and r.stdout.startswith("valid: "), r.stderr
    assert run(light_env, "--help").returncode == 0


@pytest.mark.parametrize(
    ("args", "verb", "module"),
    [
        (("status",), "status", "httpx"),
        (("accounts", "--json"), "accounts", "httpx"),
        (("connections",), "connections", "httpx"),
        (("order", "PAPER-1", "buy", "1", "ESZ6", "--price", "5990"), "order", "httpx"),
        (("lock", "PAPER-1"), "lock", "httpx"),
        (("unlock", "PAPER-1"), "unlock", "httpx"),
        (("flatten", "PAPER-1"), "flatten", "httpx"),
        (("kill-switch", "--confirm", "FLATTEN"), "kill-switch", "httpx"),
        (("connection", "refresh", "Paper"), "connection refresh", "httpx"),
        (("connection", "add", "paper", "--paper-account", "P-1"), "connection add", "httpx"),
        (
            ("vault", "rotate", "--state-dir", "sd", "--store", "sqlite:///sd/state.db"),
            "vault rotate",
            "cryptography",
        ),
        (("run",), "run", None),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else None,
)
def test_a_verb_that_needs_the_runtime_extra_says_which_to_install(
    light_env: dict[str, str], tmp_path: Path, args: tuple[str, ...], verb: str, module: str | None
) -> None:
    r = run(light_env, *args, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    line = r.stderr.rstrip("\n")
    m = re.fullmatch(rf"ordergate {verb} needs the runtime extra \((\w+) is not installed\): (.*)", line)
    assert m is not None, line
    assert m.group(2) == INSTALL
    assert module is None or m.group(1) == module
    assert list(tmp_path.iterdir()) == [], "a verb that cannot run changed nothing"


def test_the_extras_module_list_covers_every_package_of_the_runtime_extra() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = {
        re.split(r"[\[<>=!~; ]", p, maxsplit=1)[0].lower().replace("_", "-")
        for p in pyproject["project"]["optional-dependencies"]["runtime"]
    }
    # the installed distributions say which top-level modules each one brings
    modules = {
        module
        for module, dists in metadata.packages_distributions().items()
        if any(d.lower().replace("_", "-") in wanted for d in dists)
    }
    found = {d.lower().replace("_", "-") for ds in metadata.packages_distributions().values() for d in ds}
    assert wanted <= found, f"not installed, so not checked: {wanted - found}"
    assert modules <= extras.MODULES, modules - extras.MODULES
