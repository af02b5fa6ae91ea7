"""Where the project's own files are, without importing pydantic (the CLI starts faster)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding the bundled ``ontology/`` and ``data/``.

    ``GRAPHSVC_PROJECT_ROOT`` wins; otherwise the source checkout this package was installed from
    (an editable install, as ``make`` does), and failing that the current directory.
    """
    env = os.environ.get("GRAPHSVC_PROJECT_ROOT")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir() and (checkout / "data").is_dir():
        return checkout
    return Path.cwd()
