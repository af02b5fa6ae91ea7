"""Command-line options generated from the settings fields (config.py), never declared twice.

Each field becomes ``--field-name`` (``--field-name/--no-field-name`` for a switch), plus the
shorter alias it kept from earlier releases; its help shows the default and the ``GRAPHSVC_*``
variable. A flag left out is ``None``, so the variable (or the default) applies: flags override
variables, variables override defaults.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import typer
from pydantic.fields import FieldInfo
from rich.markup import escape

from graphsvc.config import Settings

PATHS_PARAMETER = inspect.Parameter(
    "paths",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        list[Path] | None,
        typer.Argument(
            help=escape(
                "RDF files or folders to serve instead of the project's data "
                "[env: GRAPHSVC_PATHS, a JSON list]"
            ),
            show_default=False,
        ),
    ],
)


def env_name(name: str) -> str:
    return f"GRAPHSVC_{name.upper()}"


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def extra(field: FieldInfo) -> dict[str, Any]:
    value = field.json_schema_extra
    return value if isinstance(value, dict) else {}


def flags_of(name: str) -> list[str]:
    """The flags of a setting, its canonical one first (a switch gives its on/off pair)."""
    field = Settings.model_fields[name]
    names = [flag_name(name)[2:]]
    if alias := extra(field).get("alias"):
        names.append(str(alias))
    if _base_type(field.annotation) is bool:
        return [f"--{n}/--no-{n}" for n in names]
    return [f"--{n}" for n in names]


def shown_default(name: str) -> str:
    field = Settings.model_fields[name]
    described = extra(field).get("shown_default")
    if described:
        return str(described)
    default = field.get_default(call_default_factory=True)
    if isinstance(default, bool):
        return "on" if default else "off"
    if default is None or default == [] or default == {}:
        return "none"
    return str(default)


def _base_type(annotation: Any) -> Any:
    """``X`` of ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def option_parameter(name: str, *, panel: str | None = None) -> inspect.Parameter:
    """The command parameter of one setting."""
    field = Settings.model_fields[name]
    base = _base_type(field.annotation)
    option = typer.Option(
        *flags_of(name),
        # Escaped: typer reads help as rich markup, where "[env: ...]" would be a style tag.
        help=escape(
            f"{field.description} [default: {shown_default(name)}] [env: {env_name(name)}]"
        ),
        show_default=False,
        rich_help_panel=panel or extra(field).get("panel"),
    )
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[base | None, option],
    )


def flag_settings() -> list[str]:
    """The settings that have a ``graphsvc serve`` flag (a help panel), in declaration order."""
    return [
        name
        for name, field in Settings.model_fields.items()
        if name != "paths" and extra(field).get("panel") is not None
    ]


def with_settings_options(
    names: Iterable[str], *, paths: bool = True, panel: str | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a ``def command(**flags)`` the options of these settings (and the paths argument).

    Typer reads a command's parameters from its signature; this one is built from the fields.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        generated = [option_parameter(n, panel=panel) for n in names]
        # The command's own arguments first: the paths argument takes all that follows.
        parameters = own + ([PATHS_PARAMETER] if paths else []) + generated
        command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters]
        )
        return command

    return decorate
