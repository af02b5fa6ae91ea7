"""Every setting is documented where users look: the README's table and `serve --help`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.cli.options import env_name, extra, flag_settings, flags_of
from graphsvc.config import Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import settings_doc  # noqa: E402  (a script of tools/, not a package)


def test_every_setting_has_a_description() -> None:
    missing = [n for n, f in Settings.model_fields.items() if not (f.description or "").strip()]
    assert missing == []


def test_the_readme_table_is_the_one_the_settings_give() -> None:
    readme = (ROOT / "README.md").read_text()
    assert settings_doc.replaced(readme) == readme, (
        "README.md's settings table is out of date: run `python tools/settings_doc.py --write`"
    )
    for name in Settings.model_fields:
        assert f"`{env_name(name)}`" in readme


def _help(command: str) -> str:
    result = CliRunner().invoke(
        app, [command, "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"}
    )
    assert result.exit_code == 0, result.output
    # Rich draws boxes and may wrap: keep the words.
    return re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)


@pytest.mark.parametrize("name", flag_settings())
def test_serve_help_shows_each_flag_with_its_default_and_variable(name: str) -> None:
    text = _help("serve")
    for flag in flags_of(name):
        assert flag.split("/")[0] in text
    assert f"[env: {env_name(name)}]" in text


def test_serve_help_shows_defaults() -> None:
    text = _help("serve")
    assert "[default: 30.0]" in text and "[default: 8000]" in text and "[default: on]" in text


def test_every_flag_is_named_after_its_variable() -> None:
    for name in flag_settings():
        canonical = flags_of(name)[0].split("/")[0]
        assert env_name(canonical[2:].replace("-", "_")) == env_name(name)


def test_variable_only_settings_are_marked_so() -> None:
    variable_only = {n for n, f in Settings.model_fields.items() if extra(f).get("panel") is None}
    assert {"remote_password", "remote_user", "cors_origins"} <= variable_only
