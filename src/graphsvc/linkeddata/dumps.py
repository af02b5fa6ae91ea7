"""Dumps of the exact release being served: N-Quads and TriG, each also gzipped, with SHA-256.

They are written once per start by a process forked at the same moment as the query workers
(``GraphService.on_start``): it reads the store, the parent never does. Writing a large graph
takes seconds, so the server does not wait for it: until the files are there, ``/dumps`` answers
503 with Retry-After. Quads are written graph by graph (the default graph first, then the named
graphs in order) so that the TriG groups each graph once and the two dumps list the same quads in
the same order. The gzip files carry no name or time stamp, so the same data gives the same bytes
and the same hashes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from graphsvc.store.base import QueryRequest, SelectResult, Store

log = logging.getLogger(__name__)

DUMP_STEM = "graphsvc"
MANIFEST = "manifest.json"
FAILED = "failed.txt"


@dataclass(frozen=True)
class DumpFile:
    name: str
    media_type: str
    encoding: str | None
    """``gzip`` for the compressed copies (served as application/gzip)."""
    size: int
    sha256: str


def _quads(store: Store, graphs: Sequence[str | None]) -> Iterator[ox.Quad]:
    for graph in graphs:
        if graph is None:
            request = QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", union_default_graph=False)
            target: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
        else:
            target = ox.NamedNode(graph)
            request = QueryRequest(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}",
                union_default_graph=False,
            )
        result = store.query(request)
        assert isinstance(result, SelectResult)
        for s, p, o in result.rows:
            yield ox.Quad(s, p, o, target)  # type: ignore[arg-type]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _gzip(source: Path) -> Path:
    target = source.with_name(source.name + ".gz")
    with (
        source.open("rb") as src,
        target.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz,
    ):
        shutil.copyfileobj(src, gz, 1 << 20)
    return target


def write_dumps(
    store: Store, folder: Path, graphs: Sequence[str | None], prefixes: dict[str, str]
) -> list[DumpFile]:
    """Write the four dump files and their manifest into ``folder``."""
    files: list[DumpFile] = []
    for suffix, media_type, rdf_format in (
        ("nq", "application/n-quads", ox.RdfFormat.N_QUADS),
        ("trig", "application/trig", ox.RdfFormat.TRIG),
    ):
        path = folder / f"{DUMP_STEM}.{suffix}"
        with path.open("wb") as out:
            use_prefixes = prefixes if rdf_format is ox.RdfFormat.TRIG else None
            ox.serialize(
                _quads(store, graphs), output=out, format=rdf_format, prefixes=use_prefixes
            )
        packed = _gzip(path)
        files.append(DumpFile(path.name, media_type, None, path.stat().st_size, _sha256(path)))
        files.append(
            DumpFile(packed.name, media_type, "gzip", packed.stat().st_size, _sha256(packed))
        )
    partial = folder / (MANIFEST + ".part")
    partial.write_text(json.dumps([asdict(f) for f in files], indent=1))
    partial.rename(folder / MANIFEST)
    return files


def _writer_main(
    store: Store, folder: Path, graphs: list[str | None], prefixes: dict[str, str]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        write_dumps(store.prepare_for_worker(), folder, graphs, prefixes)
    except Exception as exc:  # reported to the parent through the folder
        (folder / FAILED).write_text(f"{type(exc).__name__}: {exc}\n")
        raise


class DumpWriter:
    """Writes the dumps in a forked process and tells the web layer where they are."""

    def __init__(self, store: Store, graphs: Sequence[str | None], prefixes: dict[str, str]):
        self.store = store
        self.graphs = list(graphs)
        self.prefixes = prefixes
        self.folder: Path | None = None
        self.process: BaseProcess | None = None
        self._files: list[DumpFile] | None = None
        self._owner = os.getpid()

    def start(self) -> None:
        """Fork the writer, once (later calls do nothing)."""
        if self.folder is not None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="graphsvc-dumps-"))
        self._owner = os.getpid()
        context = multiprocessing.get_context("fork")
        self.process = context.Process(
            target=_writer_main,
            args=(self.store, self.folder, self.graphs, self.prefixes),
            daemon=True,
            name="graphsvc-dumps",
        )
        self.process.start()

    def _owned(self) -> bool:
        """Whether this process started the writer: server processes forked after it only read
        the folder (server/supervisor.py), the loader that started it cleans up."""
        return os.getpid() == self._owner

    def stop(self) -> None:
        if not self._owned():
            return
        if self.process is not None and self.process.is_alive():
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(self.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
            self.process.join(timeout=5)
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        self._files = None

    def files(self) -> list[DumpFile] | None:
        """The dump files once written; None while they are being written."""
        if self._files is not None:
            return self._files
        if self.folder is None:
            return None
        manifest = self.folder / MANIFEST
        if manifest.exists():
            self._files = [DumpFile(**f) for f in json.loads(manifest.read_text())]
            if self.process is not None and self._owned():
                self.process.join(timeout=1)  # it is done: reap it
            return self._files
        return None

    def failure(self) -> str | None:
        """Why writing the dumps failed, if it did."""
        if self.folder is None or self.files() is not None:
            return None
        failed = self.folder / FAILED
        if failed.exists():
            return failed.read_text().strip()
        if self.process is not None and self._owned() and not self.process.is_alive():
            # Read the manifest once more: the writer may have finished after the first look.
            if self.files() is not None:
                return None
            return f"the dump writer stopped with exit code {self.process.exitcode}"
        return None

    def path(self, name: str) -> Path | None:
        files = self.files()
        if files is None or self.folder is None or name not in {f.name for f in files}:
            return None
        return self.folder / name
