"""A side of a diff as files on disk: a folder as it is, or a git revision extracted into a
temporary folder.

A revision is read with ``git archive`` from the local repository, never fetched, and only the
folders the loader serves (``ontology/``, ``data/``) are extracted: the rest of the history (bench
results, docs) is of no interest and can be large.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graphsvc.errors import GraphsvcError

PROJECT_FOLDERS = ("ontology", "data")


class RevisionError(GraphsvcError):
    """Neither a folder nor a revision of the repository: a usage error."""

    kind = "usage"


@dataclass(frozen=True)
class Tree:
    """A side of the diff: where its files are, and how to name it in a report."""

    root: Path
    label: str


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, check=False, timeout=120
    )


def _toplevel(repository: Path) -> Path | None:
    found = _git(repository, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        return None
    return Path(found.stdout.decode().strip())


def is_shallow(repository: Path) -> bool:
    found = _git(repository, "rev-parse", "--is-shallow-repository")
    return found.returncode == 0 and found.stdout.decode().strip() == "true"


def resolve_commit(repository: Path, revision: str) -> str | None:
    """The full commit id a revision names in the repository, or None."""
    if revision.startswith("-"):
        return None  # never let a revision be read as an option of git
    found = _git(repository, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    return found.stdout.decode().strip() if found.returncode == 0 else None


@contextmanager
def materialise(spec: str | None, project_root: Path) -> Iterator[Tree]:
    """The tree a command-line argument names, kept on disk for the duration of the block.

    ``None`` is the working tree (``project_root`` as it is now). An existing folder wins over
    a revision of the same name.
    """
    if spec is None:
        yield Tree(project_root, "working tree")
        return
    folder = Path(spec)
    if folder.is_dir():
        yield Tree(folder, spec)
        return
    toplevel = _toplevel(project_root)
    if toplevel is None:
        raise RevisionError(
            f"{spec!r} is not a folder, and {project_root} is not in a git repository"
        )
    commit = resolve_commit(project_root, spec)
    if commit is None:
        raise RevisionError(f"{spec!r} is neither a folder nor a revision of {toplevel}")
    prefix = project_root.resolve().relative_to(toplevel.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    listed = _git(toplevel, "ls-tree", "--name-only", commit, *([prefix] if prefix else []))
    present = {Path(line).name for line in listed.stdout.decode().splitlines()}
    wanted = [f"{prefix}{name}" for name in PROJECT_FOLDERS if name in present]
    with tempfile.TemporaryDirectory(prefix="graphsvc-diff-") as tmp:
        if wanted:
            archive = _git(toplevel, "archive", "--format=tar", commit, "--", *wanted)
            if archive.returncode != 0:
                raise RevisionError(
                    f"git archive {spec}: {archive.stderr.decode(errors='replace').strip()}"
                )
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                # The "data" filter refuses links and paths that leave the folder.
                tar.extractall(tmp, filter="data")
        root = Path(tmp) / prefix if prefix else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        yield Tree(root, f"{spec} ({commit[:12]})")


__all__ = ["PROJECT_FOLDERS", "RevisionError", "Tree", "is_shallow", "materialise"]
