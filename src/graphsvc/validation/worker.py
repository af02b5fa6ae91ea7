"""Validation in a process of its own, which exits when done (``python -m graphsvc.validation``).

SHACL runs over an rdflib graph, several times the size of the data in memory; in its own
process that memory goes back to the system when it exits, instead of staying in the server for
as long as it serves. It also runs on the other core while the server loads its store
(pyoxigraph's bulk loader releases the GIL; rdflib and pyshacl would hold it).

Two ways to run it. Attached (``ValidationJob``), from the process that builds the service: the
parent gives the ``ServeCheck`` as JSON on the command line; the child writes lines
``progress {"phase": ..., "triples": ...}`` to its standard output, then ``result SIZE`` and
SIZE bytes of a pickled result: an ``Outcome`` (it conforms), the whole ``ValidationReport``
(it does not: the refusal prints it), ``Skipped`` (no shapes to validate against) or the
``GraphsvcError`` that stopped it. Its standard error is the server's. Only graphsvc's own
processes write these pickles, through a pipe.

Early (``start_early``), from ``graphsvc serve`` before it becomes the supervisor, so that
validation overlaps everything the start does (the supervisor's and the server process's
imports, the load): the child holds the cache's lock for the fingerprint and stores a
conforming result in the cache; the server process waits for the lock and reads the result.
Either way the child ends when the process it works for (``--owner``) is gone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from graphsvc.errors import GraphsvcError, LoadError
from graphsvc.validation.cache import Outcome, ValidationCache
from graphsvc.validation.serving import (
    NO_SHAPES,
    Fingerprint,
    ServeCheck,
    fingerprint,
    serving_inputs,
)
from graphsvc.validation.validator import ValidationReport, validate_files


@dataclass(frozen=True)
class Skipped:
    reason: str


Result = Outcome | ValidationReport | Skipped | GraphsvcError


def run(check: ServeCheck, progress: Callable[[str, int], None] | None = None) -> Result:
    """Validate what serving ``check`` needs (in whichever process calls it)."""
    try:
        inputs = serving_inputs(check)
        if inputs is None:
            return Skipped(NO_SHAPES)
        report = validate_files(inputs, check.options(), progress=progress)
    except GraphsvcError as exc:
        return exc
    return Outcome.of(report) if report.conforms else report


def _portable(result: Result) -> bytes:
    """The pickled result; an error whose class does not survive pickling becomes a LoadError."""
    try:
        payload = pickle.dumps(result)
        pickle.loads(payload)
    except Exception:
        payload = pickle.dumps(LoadError(str(result)))
    return payload


def _watch_owner(owner: int) -> None:
    """End this process soon after the process it validates for is gone (stopped, killed)."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="graphsvc-owner", daemon=True).start()


def _check_argument(check: ServeCheck) -> str:
    return json.dumps(asdict(check))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphsvc.validation")
    parser.add_argument("check", help="what to validate: a ServeCheck as JSON")
    parser.add_argument("--owner", type=int, required=True, help="end when this process ends")
    parser.add_argument("--keep", type=Path, help="store a conforming result in this cache")
    parser.add_argument("--lock-fd", type=int, help="descriptor holding the cache lock")
    arguments = parser.parse_args(argv)
    fields = json.loads(arguments.check)
    check = ServeCheck(tuple(fields["paths"]), fields["project_root"], fields["base_iri"])
    _watch_owner(arguments.owner)
    if arguments.keep is not None:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return _validate_into(check, ValidationCache(arguments.keep))
    out = sys.stdout.buffer

    def progress(phase: str, triples: int) -> None:
        out.write(b"progress " + json.dumps({"phase": phase, "triples": triples}).encode() + b"\n")
        out.flush()

    payload = _portable(run(check, progress))
    out.write(b"result %d\n" % len(payload) + payload)
    out.flush()
    return 0


def _validate_into(check: ServeCheck, cache: ValidationCache) -> int:
    """Validate early, for a start to come; only a conforming result is kept (and one for the
    very bytes read: the fingerprint is taken first, and the result must be for its digest)."""
    found = fingerprint(check, check.served())
    result = run(check)
    if isinstance(result, Outcome) and result.digest == found.digest:
        cache.put(found.key, result)
    return 0


def start_early(check: ServeCheck, cache_dir: Path, found: Fingerprint) -> bool:
    """Start validating ``check`` now, in a process that outlives this one (``graphsvc serve``
    execs into its supervisor), holding the cache lock for ``found.key`` so that the server
    process waits for this result rather than computing it again. False when it was not started:
    the cache cannot be written, or these bytes are being validated already."""
    cache = ValidationCache(cache_dir)
    try:
        descriptor = cache.lock(found.key)
    except OSError:
        return False  # the server process validates, and says why the cache cannot be written
    if descriptor is None:
        return False
    command = [
        sys.executable, "-m", "graphsvc.validation", _check_argument(check),
        "--owner", str(os.getpid()), "--keep", str(cache_dir), "--lock-fd", str(descriptor),
    ]  # fmt: skip
    try:
        # Twice forked, so that nothing of this process's (nor of what it execs into) has to
        # reap it; in this process group still, so that Ctrl-C ends it with the rest.
        middle = os.fork()
        if middle == 0:
            try:
                subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(descriptor,))
            finally:
                os._exit(0)
        os.waitpid(middle, 0)
    finally:
        os.close(descriptor)  # the child's copy holds the lock now
    return True


class ValidationJob:
    """The parent's side: start the child now, collect its result later (``wait``)."""

    def __init__(self, check: ServeCheck, files: int) -> None:
        self.files = files
        self.phase = "starting"
        self.triples = 0
        self._payload: bytes | None = None
        command = [
            sys.executable, "-m", "graphsvc.validation", _check_argument(check),
            "--owner", str(os.getpid()),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self.process.stdout,), name="graphsvc-validation", daemon=True
        )
        self._reader.start()

    def _read(self, stdout: IO[bytes]) -> None:
        for line in iter(stdout.readline, b""):
            word, _, rest = line.rstrip(b"\n").partition(b" ")
            if word == b"progress":
                fields = json.loads(rest)
                self.phase, self.triples = str(fields["phase"]), int(fields["triples"])
            elif word == b"result":
                self._payload = stdout.read(int(rest))
                return

    def describe(self, seconds: float) -> str:
        size = f" ({self.triples:,} triples)" if self.triples else ""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        return f"validating {files}{size}… {seconds:.0f} s"

    def wait(self) -> Result:
        self._reader.join()
        code = self.process.wait()
        self._close()
        if self._payload is None:
            raise LoadError(f"the validation process failed (exit code {code}); see above")
        result: Result = pickle.loads(self._payload)
        return result

    def stop(self) -> None:
        """End the child if it still runs (the start was abandoned)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        self._close()

    def _close(self) -> None:
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.process.stdout.close()
