"""Validation results kept between starts, so unchanged files are not validated again.

A result is stored under its fingerprint (``serving.fingerprint``: a digest of every byte
validated, the options and the versions of graphsvc and its SHACL engine), one small JSON file per
result in ``<cache dir>/validation/``. Only a conforming result is kept: one that does not conform
stops the start anyway, and is computed again (with its full report) next time.

A validation under way holds an exclusive ``flock`` on ``<key>.lock`` in the same folder, so
another process starting on the same bytes (the server process after the command that started
the validation early, a second server process, the standby) waits for that result instead of
computing it again (``busy``, ``wait``). The lock goes with the process that holds it, however
it ends.

The cache is an optimisation and nothing more: a folder that cannot be created, read or written
(a read-only home) is logged and the start goes on; an entry that cannot be read is a miss.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from graphsvc.validation.reports import render
from graphsvc.validation.validator import ValidationReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What serving needs of a conforming validation: enough to log it again when reused."""

    digest: str
    """The served files' digest the result is for (``build_validated`` compares it)."""
    files: int
    triples: int
    seconds: float
    notes: tuple[str, ...] = ()
    findings: str = ""
    """The text report of the findings below the failing severity (warnings); empty if none."""

    @classmethod
    def of(cls, report: ValidationReport) -> Outcome:
        return cls(
            digest=report.digest,
            files=len(set(report.files)),  # a file may be read as data and as shapes
            triples=report.triples,
            seconds=report.seconds,
            notes=tuple(report.notes),
            findings=render(report, "text").rstrip() if report.findings else "",
        )


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/graphsvc``, else ``~/.cache/graphsvc``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "graphsvc"


class ValidationCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "validation"

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Outcome | None:
        try:
            stored = json.loads(self._path(key).read_text(encoding="utf-8"))
            return Outcome(
                digest=str(stored["digest"]),
                files=int(stored["files"]),
                triples=int(stored["triples"]),
                seconds=float(stored["seconds"]),
                notes=tuple(str(note) for note in stored["notes"]),
                findings=str(stored["findings"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("validation cache entry %s unreadable (%s): validating", key, exc)
            return None

    def put(self, key: str, outcome: Outcome) -> bool:
        """Keep ``outcome`` (written whole or not at all); False, and a log line, if it cannot."""
        body = json.dumps(asdict(outcome), indent=1)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(body)
                os.replace(temporary, self._path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning(
                "cannot keep the validation result in %s (%s): going on; the next start "
                "validates again (set GRAPHSVC_CACHE_DIR to a writable folder)",
                self.folder,
                exc,
            )
            return False
        return True

    def _lock_path(self, key: str) -> Path:
        return self.folder / f"{key}.lock"

    def lock(self, key: str) -> int | None:
        """An open descriptor holding the exclusive lock for ``key``; None if another holds it.

        Raises ``OSError`` when the folder cannot be written.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._lock_path(key), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor

    def busy(self, key: str) -> bool:
        """Whether a process is validating these very bytes now."""
        with self._opened(key) as descriptor:
            if descriptor is None:
                return False
            try:
                fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    def wait(self, key: str) -> None:
        """Until the process validating these bytes is done (its result is then in the cache)."""
        with self._opened(key) as descriptor:
            if descriptor is not None:
                fcntl.flock(descriptor, fcntl.LOCK_SH)

    @contextlib.contextmanager
    def _opened(self, key: str) -> Iterator[int | None]:
        try:
            descriptor = os.open(self._lock_path(key), os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            yield None
            return
        try:
            yield descriptor
        finally:
            os.close(descriptor)  # and with it any lock taken here
