"""The composite action's own steps (action.yml), run with bash on a small data repository.

The install step needs the network, so it is left out: graphsvc comes from this test's
environment. The diff and validate steps run as GitHub runs them, with the same environment
variables, on a git repository whose last commit changes a claim.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import FIXTURES, ROOT

ACTION = ROOT / "action.yml"


def steps() -> dict[str, dict[str, Any]]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return {step.get("id", step["name"]): step for step in action["runs"]["steps"]}


@pytest.fixture
def data_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "data-repo"
    shutil.copytree(FIXTURES / "diff" / "base", repo)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
            env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"},
        ).stdout.strip()

    git("init", "--quiet", "--initial-branch=main")
    git("add", "-A")
    git("commit", "--quiet", "-m", "base")
    # A fresh modification time: the fixture's files share size and mtime, so git would not
    # notice the change from stat data alone.
    shutil.copytree(
        FIXTURES / "diff" / "value-changed", repo, dirs_exist_ok=True, copy_function=shutil.copy
    )
    git("add", "-A")
    git("commit", "--quiet", "-m", "f36 is an estimate")
    return repo


def run_step(
    step: dict[str, Any], repo: Path, tmp: Path, env: dict[str, str]
) -> tuple[int, dict[str, str]]:
    output, summary = tmp / "output", tmp / "summary"
    output.touch()
    summary.touch()
    bin_dir = str(Path(sys.executable).parent)
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_TEMP": str(tmp),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GRAPHSVC_PROJECT_ROOT": str(repo),
            **env,
        },
    )
    outputs = dict(
        line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
    )
    outputs["_summary"] = summary.read_text()
    outputs["_stdout"] = result.stdout + result.stderr
    return result.returncode, outputs


def test_the_action_writes_the_diff_to_the_job_summary(
    data_repository: Path, tmp_path: Path
) -> None:
    code, outputs = run_step(steps()["diff"], data_repository, tmp_path, {"BASE": "HEAD~1"})
    assert code == 0, outputs["_stdout"]
    assert outputs["changed"] == "true"
    expected = (FIXTURES / "diff" / "expected" / "value-changed.md").read_text(encoding="utf-8")
    # The same report as the fixture pair's, but the sides are named by revision.
    assert outputs["_summary"].split("\n", 1)[1] == expected.split("\n", 1)[1]
    assert outputs["_summary"].startswith("## Graph changes: `HEAD~1 (")


def test_the_action_gates_and_writes_reports(data_repository: Path, tmp_path: Path) -> None:
    (data_repository / "data" / "bad-claim.ttl").write_text(
        "@prefix gs: <https://w3id.org/graphsvc/ontology#> .\n"
        "<https://w3id.org/graphsvc/id/claim/x> a gs:Claim .\n",
        encoding="utf-8",
    )
    code, outputs = run_step(
        steps()["validate"],
        data_repository,
        tmp_path,
        {"PATHS": "", "FAIL_ON": "violation", "FORMATS": "github, sarif,junit",
         "OUTPUT_DIR": "reports"},
    )
    assert code == 1, outputs["_stdout"]
    assert outputs["exit-code"] == "1"
    assert "::error file=data/bad-claim.ttl,line=2" in outputs["_stdout"]
    assert outputs["sarif"] == "reports/validation.sarif"
    assert (data_repository / "reports" / "validation.sarif").is_file()
    assert (data_repository / "reports" / "validation.xml").is_file()


def test_the_action_passes_conforming_data(data_repository: Path, tmp_path: Path) -> None:
    code, outputs = run_step(
        steps()["validate"], data_repository, tmp_path,
        {"PATHS": "", "FAIL_ON": "violation", "FORMATS": "github", "OUTPUT_DIR": "reports"},
    )
    assert code == 0, outputs["_stdout"]
    assert outputs["exit-code"] == "0"
