"""The examples work as shipped: the GitOps sample's pre-commit hooks run on a scratch git
repository, its CI workflow's steps pass, and the sample files the README names exist and
check."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GITOPS = REPO / "examples" / "gitops"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def scratch_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "rules-repo"
    shutil.copytree(GITOPS, repo)
    for args in (
        ("init", "-q"),
        ("config", "user.email", "desk@example.com"),
        ("config", "user.name", "desk"),
        ("add", "-A"),
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, env=ENV)
    return repo


def pre_commit(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files", "--color", "never"],
        cwd=repo,
        env={**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_gitops_pre_commit_hooks_pass_on_its_rules_and_catch_a_broken_one(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path)
    ok = pre_commit(repo, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for hook in ("ordergate validate", "ordergate test", "ordergate fmt"):
        assert any(line.startswith(hook) and line.endswith("Passed") for line in ok.stdout.splitlines()), (
            ok.stdout
        )
    policy = repo / "rules" / "futures-desk.yaml"
    policy.write_text(policy.read_text().replace("max_contracts_per_order", "max_contract_per_order"))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=ENV)
    broken = pre_commit(repo, tmp_path)
    assert broken.returncode == 1 and "max_contract_per_order" in broken.stdout


def test_the_gitops_workflow_installs_from_the_repository_and_its_checks_pass(tmp_path: Path) -> None:
    workflow = yaml.safe_load((GITOPS / ".github" / "workflows" / "ordergate.yml").read_text())
    job = workflow["jobs"]["rules"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    install, checks = runs[0], runs[1:]
    # no index serves ordergate: the install names the repository, not a bare package name
    assert install == 'pip install "$ORDERGATE_PIP"'
    assert job["env"]["ORDERGATE_PIP"].startswith("ordergate @ git+https://")
    repo = tmp_path / "rules-repo"
    shutil.copytree(GITOPS, repo)
    assert checks, "the workflow runs no checks"
    for command in checks:  # the steps after the install, with the ordergate installed here
        r = subprocess.run(
            shlex.split(command), cwd=repo, env=ENV, capture_output=True, text=True, timeout=120
        )
        assert r.returncode == 0, f"{command}: {r.stdout}{r.stderr}"


def test_the_readme_check_command_runs_as_written() -> None:
    line = next(
        line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("ordergate check ")
    )
    command = shlex.split(line.split("  #")[0])
    for flag in ("--order", "--state"):
        assert (REPO / command[command.index(flag) + 1]).is_file()
    r = subprocess.run(
        [str(BIN / "ordergate"), *command[1:]], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert '"outcome": "allow"' in r.stdout and '"trace"' in r.stdout


def test_the_readme_points_to_no_file_the_project_does_not_ship() -> None:
    assert "reference/markets.md" not in (REPO / "README.md").read_text()
