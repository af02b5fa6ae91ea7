"""Dumps of the exact release being served: N-Quads and TriG, each also gzipped, with SHA-256.

They are written once per start by a process forked at the same moment as the query workers
(``GraphService.on_start``): it reads the store, the parent never does. Writing a large graph
takes seconds, so the server does not wait for it: until the files are there, ``/dumps`` answers
503 with Retry-After. Quads are written graph by graph (the default graph first, then the named
graphs in order) so that the TriG groups each graph once and the two dumps list the same quads in
the same order. The gzip files carry no name or time stamp, so the same data gives the same bytes
and the same hashes.

An oxigraph store writes each graph itself (``Store.dump``), with no Python object per quad: the
N-Triples it writes become N-Quads by naming the graph at the end of each line, and its Turtle,
without its prefix lines, is the body of the graph's TriG block. Other engines' quads are read
with a query and written by pyoxigraph's serialiser.

Server processes may be forked from the one that started the writer, and inherit this object:
only that process stops the writer, removes its folder, or reaps it; the others read the
manifest.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from graphsvc.store.base import QueryRequest, SelectResult, Store
from graphsvc.store.oxigraph import OxigraphStore, Writer

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


class _InGraph:
    """N-Triples in, N-Quads out: each statement gets the graph's name before its final dot.
    (A line of N-Triples ends with `` .`` and a newline; literals escape theirs.)"""

    def __init__(self, out: Writer, graph: str) -> None:
        self.out = out
        self.end = f" {ox.NamedNode(graph)} .\n".encode()
        self.rest = b""

    def write(self, data: bytes, /) -> int:
        lines = self.rest + data
        cut = lines.rfind(b"\n") + 1
        self.rest = lines[cut:]
        self.out.write(lines[:cut].replace(b" .\n", self.end))
        return len(data)

    def flush(self) -> None:
        if self.rest:
            raise ValueError("the engine's N-Triples ended without a newline")


_DIRECTIVES = (b"@prefix ", b"PREFIX ", b"@base ", b"BASE ")


class _Block:
    """One graph's Turtle as a TriG block, without its prefix lines (the TriG declares them
    once): opened at the first statement, so an empty graph writes nothing, as before."""

    def __init__(self, out: Writer, graph: str | None) -> None:
        self.out = out
        self.opening = b"" if graph is None else f"{ox.NamedNode(graph)} {{\n".encode()
        self.head: bytes | None = b""
        """What came before the first statement, until it has come."""

    def write(self, data: bytes, /) -> int:
        if self.head is None:
            return self.out.write(data)
        self.head += data
        while True:
            if any(directive.startswith(self.head) for directive in _DIRECTIVES):
                return len(data)  # too short to tell yet
            if not self.head.startswith(_DIRECTIVES):
                break
            end = self.head.find(b"\n")
            if end < 0:
                return len(data)
            self.head = self.head[end + 1 :]
        self.out.write(self.opening + self.head)
        self.head = None
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.head is None and self.opening:
            self.out.write(b"}\n")


def _nquads(store: OxigraphStore, out: Writer, graphs: Sequence[str | None]) -> None:
    for graph in graphs:
        # The default graph's N-Triples are N-Quads already.
        target = out if graph is None else _InGraph(out, graph)
        store.dump(target, graph, ox.RdfFormat.N_TRIPLES)
        target.flush()


def _trig(
    store: OxigraphStore, out: Writer, graphs: Sequence[str | None], prefixes: dict[str, str]
) -> None:
    for name, iri in prefixes.items():
        out.write(f"@prefix {name}: {ox.NamedNode(iri)} .\n".encode())
    for graph in graphs:
        block = _Block(out, graph)
        store.dump(block, graph, ox.RdfFormat.TURTLE, prefixes)
        block.close()


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
        use_prefixes = prefixes if rdf_format is ox.RdfFormat.TRIG else None
        with path.open("wb") as out:
            if isinstance(store, OxigraphStore) and rdf_format is ox.RdfFormat.TRIG:
                _trig(store, out, graphs, prefixes)
            elif isinstance(store, OxigraphStore):
                _nquads(store, out, graphs)
            else:
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


def _write_in_child(
    store: Store, folder: Path, graphs: list[str | None], prefixes: dict[str, str]
) -> None:
    """The forked writer's whole life: it never returns to the caller's code."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        write_dumps(store.prepare_for_worker(), folder, graphs, prefixes)
        code = 0
    except BaseException as exc:  # reported to the parent through the folder
        with contextlib.suppress(OSError):
            (folder / FAILED).write_text(f"{type(exc).__name__}: {exc}\n")
        log.exception("writing the dumps failed")
    finally:
        # Nothing of the parent's runs here: no atexit hook, no finaliser, no buffered output
        # written twice.
        with contextlib.suppress(Exception):
            logging.shutdown()
        os._exit(code)


def _exists(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not): for processes that cannot wait for it."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[:1] != [b"Z"]
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


class DumpWriter:
    """Writes the dumps in a forked process and tells the web layer where they are.

    Only the process that started it (``owner``) stops the writer, removes the folder, and waits
    for the writer to end; a process forked from it later shares the folder and reads it."""

    def __init__(self, store: Store, graphs: Sequence[str | None], prefixes: dict[str, str]):
        self.store = store
        self.graphs = list(graphs)
        self.prefixes = prefixes
        self.folder: Path | None = None
        self.pid: int | None = None
        """The writer process, until it has been waited for."""
        self.owner: int | None = None
        self.exit_code: int | None = None
        self._files: list[DumpFile] | None = None

    @property
    def owned(self) -> bool:
        return self.owner == os.getpid()

    def start(self) -> None:
        """Fork the writer, once (later calls do nothing)."""
        if self.folder is not None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="graphsvc-dumps-"))
        self.owner = os.getpid()
        pid = os.fork()
        if pid == 0:
            _write_in_child(self.store, self.folder, self.graphs, self.prefixes)
        self.pid = pid

    def _reap(self, block: bool) -> bool:
        """Wait for the writer (owner only); whether it has ended."""
        if self.pid is None:
            return True
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return False
        self.exit_code = os.waitstatus_to_exitcode(status)
        self.pid = None
        return True

    def stop(self) -> None:
        if not self.owned:
            return  # the process that started the writer stops it and removes its folder
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap(block=True)
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
            if self.owned:
                self._reap(block=True)  # it is done: reap it
            return self._files
        return None

    def failure(self) -> str | None:
        """Why writing the dumps failed, if it did."""
        if self.folder is None or self.files() is not None:
            return None
        failed = self.folder / FAILED
        if failed.exists():
            return failed.read_text().strip()
        ended = self._reap(block=False) if self.owned else not _exists(self.pid or 0)
        if ended:
            # Read the manifest once more: the writer may have finished after the first look.
            if self.files() is not None:
                return None
            return f"the dump writer stopped with exit code {self.exit_code}"
        return None

    def path(self, name: str) -> Path | None:
        files = self.files()
        if files is None or self.folder is None or name not in {f.name for f in files}:
            return None
        return self.folder / name
