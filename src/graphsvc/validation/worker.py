"""Validation in a process of its own, which exits when done.

``python -m graphsvc.validation`` runs ``main``. SHACL runs over an rdflib graph, several times the
size of the data in memory; in its own process that memory goes back to the system when it
exits, instead of staying in the server for as long as it serves. It also runs on the other core
while the server loads its store (pyoxigraph's bulk loader releases the GIL; rdflib and pyshacl
would hold it).

The protocol, parent and child both here: the parent writes a pickled ``ServeCheck`` to the
child's standard input; the child writes lines ``progress {"phase": ..., "triples": ...}`` to its
standard output, then ``result SIZE`` and SIZE bytes of a pickled result: an ``Outcome`` (it
conforms), the whole ``ValidationReport`` (it does not: the refusal prints it), ``Skipped``
(no shapes to validate against) or the ``GraphsvcError`` that stopped it. Its standard error is
the server's. Only graphsvc's own processes write these pickles, through pipes.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from graphsvc.errors import GraphsvcError, LoadError
from graphsvc.validation.cache import Outcome
from graphsvc.validation.serving import NO_SHAPES, ServeCheck, serving_inputs
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


def main() -> int:
    check = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer

    def progress(phase: str, triples: int) -> None:
        out.write(b"progress " + json.dumps({"phase": phase, "triples": triples}).encode() + b"\n")
        out.flush()

    payload = _portable(run(check, progress))
    out.write(b"result %d\n" % len(payload) + payload)
    out.flush()
    return 0


class ValidationJob:
    """The parent's side: start the child now, collect its result later (``wait``)."""

    def __init__(self, check: ServeCheck, files: int) -> None:
        self.files = files
        self.phase = "starting"
        self.triples = 0
        self._payload: bytes | None = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graphsvc.validation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        stdout = self.process.stdout
        self._reader = threading.Thread(
            target=self._read, args=(stdout,), name="graphsvc-validation", daemon=True
        )
        self._reader.start()
        try:
            self.process.stdin.write(pickle.dumps(check))
            self.process.stdin.close()
        except OSError:
            pass  # it died at once: wait() says so

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
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
