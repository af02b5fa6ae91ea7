"""What every command shares: exit codes, the error line, settings from flags and variables.

Exit codes: 0 success, 1 a failed check, 2 a usage error or input that does not load.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from graphsvc.config import Settings

EXIT_FAILED = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``graphsvc: error: MESSAGE`` and return the exit to raise."""
    typer.echo(f"graphsvc: error: {message}", err=True)
    return typer.Exit(code)


def settings_from(**flags: Any) -> Settings:
    """Settings from GRAPHSVC_* variables, overridden by the flags actually given."""
    # pydantic costs a noticeable part of a second to import: only the commands that need
    # settings pay for it (`graphsvc validate` and `--help` do not).
    from graphsvc.config import Settings

    given = {k: v for k, v in flags.items() if v is not None and v != []}
    try:
        return Settings(**given)
    except ValueError as exc:
        raise fail(str(exc)) from None


def configure_logging(log_level: str) -> None:
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if log_level.lower() != "debug":
        quiet_http_log()


def quiet_http_log() -> None:
    # httpx logs every request at INFO: one line per remote query is noise, below DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
